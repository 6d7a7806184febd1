"""Target connection secrets encrypted at rest (Fernet; the key comes from settings, never the store).

Several keys may be passed for rotation: the first encrypts, all are tried to decrypt
(``MultiFernet``); :func:`rotate` re-encrypts a token under the first key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class SecretError(ValueError):
    """The token is corrupt or was encrypted with a key we do not have."""


def generate_key() -> str:
    return Fernet.generate_key().decode()


def _fernet(keys: str | bytes | Sequence[str | bytes]) -> MultiFernet:
    ks = [keys] if isinstance(keys, str | bytes) else list(keys)
    if not ks:
        raise SecretError("no encryption key configured")
    return MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in ks])


def encrypt_config(config: Mapping[str, Any], keys: str | bytes | Sequence[str | bytes]) -> str:
    return _fernet(keys).encrypt(orjson.dumps(dict(config), option=orjson.OPT_SORT_KEYS)).decode()


def decrypt_config(token: str, keys: str | bytes | Sequence[str | bytes]) -> dict[str, Any]:
    try:
        value = orjson.loads(_fernet(keys).decrypt(token.encode()))
    except InvalidToken:
        raise SecretError("cannot decrypt target config: wrong key or corrupted token") from None
    if not isinstance(value, dict):
        raise SecretError("decrypted target config is not an object")
    return value


def rotate(token: str, keys: Sequence[str | bytes]) -> str:
    """Re-encrypt ``token`` under ``keys[0]`` (it may have been encrypted with any of ``keys``)."""
    try:
        return _fernet(keys).rotate(token.encode()).decode()
    except InvalidToken:
        raise SecretError("cannot rotate target config: wrong key or corrupted token") from None
