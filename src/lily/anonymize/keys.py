"""Per-tenant anonymization keys, kept like Lily's other generated secrets (0600 JSON files).

``<secrets_dir>/anonymize/<tenant>.json`` holds one HMAC key (for ``hash``; never rotated, since a
new key would change every hash and break joins with earlier runs) and numbered encryption keys
(for ``encrypt``; the highest number encrypts, every number still decrypts, and each ciphertext
names the number it was made with). Files are created atomically on first use, so two processes
starting together agree on one key.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import re
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from lily.settings import write_private

_TENANT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
KEY_BYTES = 32


class KeyRingError(ValueError):
    """The key file is unreadable or the tenant id cannot name a file."""


@dataclass(frozen=True, repr=False)
class KeyRing:
    """A tenant's keys. ``retired_keys`` (version -> key) only decrypt."""

    hmac_key: bytes
    encryption_key: bytes
    key_version: int = 1
    retired_keys: Mapping[int, bytes] = field(default_factory=dict)

    def encryption_keys(self) -> dict[int, bytes]:
        return {**self.retired_keys, self.key_version: self.encryption_key}

    def __repr__(self) -> str:  # never print key material
        return f"KeyRing(key_version={self.key_version}, retired={sorted(self.retired_keys)})"


def keyring_path(tenant_id: str, secrets_dir: Path) -> Path:
    if not _TENANT.fullmatch(tenant_id):
        raise KeyRingError(f"tenant id {tenant_id!r} cannot name a key file")
    return secrets_dir / "anonymize" / f"{tenant_id}.json"


def load_keyring(tenant_id: str, secrets_dir: Path) -> KeyRing:
    """The tenant's keys, generated on first use."""
    path = keyring_path(tenant_id, secrets_dir)
    if not path.exists():
        _create_once(path, json.dumps({"hmac_key": _new_key(), "encryption_keys": {"1": _new_key()}}))
    return _decode(path)


def rotate_encryption_key(tenant_id: str, secrets_dir: Path) -> KeyRing:
    """Add a new encryption key version; earlier versions stay for decryption."""
    path = keyring_path(tenant_id, secrets_dir)
    load_keyring(tenant_id, secrets_dir)
    with _locked(path):
        doc = json.loads(path.read_text())
        keys: dict[str, str] = doc["encryption_keys"]
        keys[str(max(int(v) for v in keys) + 1)] = _new_key()
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        write_private(tmp, json.dumps(doc))
        os.replace(tmp, path)
    return _decode(path)


def _new_key() -> str:
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def _decode(path: Path) -> KeyRing:
    try:
        doc = json.loads(path.read_text())
        keys = {int(v): base64.b64decode(k, validate=True) for v, k in doc["encryption_keys"].items()}
        current = max(keys)
        return KeyRing(
            hmac_key=base64.b64decode(doc["hmac_key"], validate=True),
            encryption_key=keys.pop(current),
            key_version=current,
            retired_keys=keys,
        )
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise KeyRingError(f"unreadable anonymization key file {path.name}: {e}") from None


def _create_once(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` unless it exists; never exposes a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    tmp = path.with_suffix(f".{os.getpid()}.{secrets.token_hex(4)}.tmp")
    write_private(tmp, text)
    try:
        os.link(tmp, path)  # atomic and fails if another process created it first
    except FileExistsError:
        pass
    finally:
        tmp.unlink()


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    fd = os.open(path.with_suffix(".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
