"""``replace``, ``redact`` and ``mask`` as Arrow compute kernels (no per-value Python)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc


def replace(values: pa.Array, placeholder: str) -> pa.Array:
    """Every non-null value becomes ``placeholder``."""
    return pc.if_else(pc.is_valid(values), pa.scalar(placeholder, pa.string()), pa.scalar(None, pa.string()))


def redact(values: pa.Array) -> pa.Array:
    """All null, of the original type (the column keeps its schema)."""
    return pa.nulls(len(values), type=values.type)


def mask(text: pa.Array, keep_last: int, mask_char: str) -> pa.Array:
    """Every character but the last ``keep_last`` becomes ``mask_char``; the length is kept.

    A value no longer than ``keep_last`` is masked entirely: keeping "the last four" of a
    four-character value would reveal all of it. Lengths count code points, like Python's ``len``.
    """
    length = pc.utf8_length(text)
    kept = pc.if_else(pc.greater(length, keep_last), pa.scalar(keep_last, length.type), pa.scalar(0, length.type))
    prefix = pc.binary_repeat(pa.scalar(mask_char, pa.string()), pc.subtract(length, kept))
    if keep_last == 0:
        return prefix
    tail = pc.utf8_slice_codeunits(text, start=-keep_last)
    tail = pc.if_else(pc.greater(kept, 0), tail, pa.scalar("", pa.string()))
    return pc.binary_join_element_wise(prefix, tail, "")
