"""``encrypt`` and its inverse: reversible, key-managed, with the key version in every token.

A token is ``k<version>:<alg>:<base64>``: ``gcm`` is AES-256-GCM with a random 96-bit nonce
(``nonce || ciphertext || tag``), ``siv`` is AES-256-SIV (RFC 5297, ``siv || ciphertext``), which is
deterministic, so equal values encrypt equally and the column stays joinable. Both subkeys are
derived from the tenant's encryption key with HKDF-SHA256, one per algorithm.

No Arrow or DuckDB kernel encrypts, so this is the one operator with a Python loop over values:
``map`` over the cipher's ``encrypt`` (the library holds the GIL, so threads would not help), with
the base64 and prefix done afterwards by DuckDB over the whole column. The deterministic mode
encrypts distinct values only (dictionary-encoded first: columns repeat values). The random mode
must encrypt every row: sharing one ciphertext between equal rows would reveal which rows are
equal, which is exactly what the mode exists to hide. Measured on the 2-core development machine:
0.6-0.65 M values per second for either mode on distinct values (benchmarks/anonymize.py), where
the cipher call alone is about 1.8 M per second.
"""

from __future__ import annotations

import binascii
import os
from collections.abc import Callable
from functools import lru_cache
from itertools import repeat

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from lily.anonymize.keys import KeyRing

_NONCE = 12
_BATCH = 1 << 20  # values per Python batch: bounds the memory of the intermediate lists


class DecryptionError(ValueError):
    """A token is malformed, names a key version we do not hold, or fails authentication."""


@lru_cache(maxsize=32)
def _ciphers(key: bytes) -> tuple[AESGCM, AESSIV]:
    def derive(length: int, info: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(key)

    return AESGCM(derive(32, b"lily.anonymize.aes-256-gcm")), AESSIV(derive(64, b"lily.anonymize.aes-256-siv"))


def encrypt(text: pa.Array, keys: KeyRing, *, deterministic: bool) -> pa.Array:
    """Tokens for a ``string`` array; nulls stay null."""
    gcm, siv = _ciphers(keys.encryption_key)
    if deterministic:
        prefix = f"k{keys.key_version}:siv:"

        def seal(plain: list[bytes]) -> list[bytes]:
            return list(map(siv.encrypt, plain, repeat(None)))

        if _repetitive(text):  # same value, same token: encrypt each distinct value once
            encoded = pc.dictionary_encode(text)
            return _tokens(_sealed(encoded.dictionary, seal), prefix).take(encoded.indices)
    else:
        prefix = f"k{keys.key_version}:gcm:"

        def seal(plain: list[bytes]) -> list[bytes]:
            pool = os.urandom(_NONCE * len(plain))  # one syscall per batch
            nonces = [pool[i : i + _NONCE] for i in range(0, len(pool), _NONCE)]
            return list(map(bytes.__add__, nonces, map(gcm.encrypt, nonces, plain, repeat(None))))

    tokens = _tokens(_sealed(text.drop_null(), seal), prefix)
    if text.null_count == 0:
        return tokens
    # Back to the rows: the i-th valid row takes the i-th token, null rows take a null index.
    rank = pc.subtract(pc.cumulative_sum(pc.cast(pc.is_valid(text), pa.int64())), 1)
    return tokens.take(pc.if_else(pc.is_valid(text), rank, pa.scalar(None, pa.int64())))


def _repetitive(text: pa.Array, probe: int = 1 << 16) -> bool:
    """Whether values repeat enough for dictionary encoding to pay (judged on the first rows).

    Only a shortcut: deterministic encryption gives equal values equal tokens either way; on a
    column of distinct values the encoding alone cost a third of the time.
    """
    head = text.slice(0, probe)
    return pc.count_distinct(head).as_py() < 0.5 * max(1, len(head) - head.null_count)


def _sealed(values: pa.Array, seal: Callable[[list[bytes]], list[bytes]]) -> pa.Array:
    """Raw ciphertexts of non-null strings, sealed in batches (bounded intermediate lists)."""
    chunks = [
        pa.array(seal(values.slice(i, _BATCH).cast(pa.binary()).to_pylist()), pa.binary())
        for i in range(0, len(values), _BATCH)
    ]
    return pa.concat_arrays(chunks) if chunks else pa.array([], pa.binary())


def _tokens(sealed: pa.Array, prefix: str) -> pa.Array:
    """``prefix || base64(sealed)`` per value, in DuckDB (a third faster than base64 per value)."""
    con = duckdb.connect()
    try:
        con.execute("SET preserve_insertion_order = true")  # row i must stay row i
        con.register("_sealed", pa.table({"b": sealed}))
        out = con.sql("SELECT $prefix || to_base64(b) AS t FROM _sealed", params={"prefix": prefix})
        return out.to_arrow_table().column("t").combine_chunks().cast(pa.string())
    finally:
        con.close()


def _batched(values: pa.Array, fn: Callable[[list[str | None]], list[str | None]]) -> pa.Array:
    chunks = [pa.array(fn(values.slice(i, _BATCH).to_pylist()), pa.string()) for i in range(0, len(values), _BATCH)]
    return pa.concat_arrays(chunks) if chunks else pa.array([], pa.string())


def decrypt(tokens: pa.Array | pa.ChunkedArray, keys: KeyRing) -> pa.Array:
    """The plaintexts of ``k<version>:<alg>:`` tokens (either algorithm, any held key version)."""
    if isinstance(tokens, pa.ChunkedArray):
        tokens = tokens.combine_chunks()
    encoded = pc.dictionary_encode(tokens.cast(pa.string()))
    by_version = keys.encryption_keys()
    opened = _batched(encoded.dictionary, lambda values: [_open(str(t), by_version) for t in values])
    return opened.take(encoded.indices)


def _open(token: str, by_version: dict[int, bytes]) -> str:
    try:
        version, alg, body = token.split(":", 2)
        key = by_version[int(version.removeprefix("k"))] if version.startswith("k") else None
    except (ValueError, KeyError):
        raise DecryptionError(f"not a token of a held key version: {token[:16]!r}") from None
    if key is None:
        raise DecryptionError(f"not an encryption token: {token[:16]!r}")
    gcm, siv = _ciphers(key)
    try:
        raw = binascii.a2b_base64(body, strict_mode=True)
        if alg == "gcm":
            return gcm.decrypt(raw[:_NONCE], raw[_NONCE:], None).decode()
        if alg == "siv":
            return siv.decrypt(raw, None).decode()
    except (InvalidTag, binascii.Error, ValueError):
        raise DecryptionError(f"token fails authentication (wrong key or corrupted): {token[:16]!r}") from None
    raise DecryptionError(f"unknown algorithm {alg!r} in token {token[:16]!r}")
