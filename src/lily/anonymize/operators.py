"""``apply_operator``: one column in, its anonymized form out, vectorized over Arrow."""

from __future__ import annotations

import pyarrow as pa

from lily.anonymize import crypto, text_ops
from lily.anonymize._arrow import as_text, contiguous
from lily.anonymize.hmac_sql import hmac_hex
from lily.anonymize.keys import KeyRing
from lily.anonymize.spec import OperatorSpec, placeholder_for


class MissingKeysError(ValueError):
    """``hash`` and ``encrypt`` need the tenant's keys."""


def apply_operator(
    values: pa.Array | pa.ChunkedArray,
    spec: OperatorSpec,
    *,
    keys: KeyRing | None = None,
    entity: str | None = None,
) -> pa.Array:
    """The anonymized column, same length, nulls kept null.

    Non-text values are anonymized in their Arrow text form (``42`` hashes as ``"42"``). The
    result is ``string`` except for ``redact``, which keeps the column's type. A dictionary-encoded
    column is anonymized once per distinct value, except by random ``encrypt``.
    """
    array = contiguous(values)
    if spec.kind == "redact":
        return text_ops.redact(array)
    if spec.kind in ("hash", "encrypt") and keys is None:
        raise MissingKeysError(f"operator {spec.kind!r} needs the tenant's keys")
    randomized = spec.kind == "encrypt" and not spec.deterministic
    if isinstance(array, pa.DictionaryArray) and not randomized:
        return _apply(as_text(array.dictionary), spec, keys, entity).take(array.indices)
    return _apply(as_text(array), spec, keys, entity)


def _apply(text: pa.Array, spec: OperatorSpec, keys: KeyRing | None, entity: str | None) -> pa.Array:
    if spec.kind == "replace":
        return text_ops.replace(text, placeholder_for(spec, entity))
    if spec.kind == "mask":
        return text_ops.mask(text, spec.keep_last, spec.mask_char)
    assert keys is not None  # checked by the caller
    if spec.kind == "hash":
        return hmac_hex(text, keys.hmac_key)
    return crypto.encrypt(text, keys, deterministic=spec.deterministic)
