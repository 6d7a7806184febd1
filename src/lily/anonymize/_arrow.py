"""Arrow plumbing shared by the operators: one contiguous array, text form of any type."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc


def contiguous(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks() if values.num_chunks else pa.array([], values.type)
    return values


def as_text(values: pa.Array) -> pa.Array:
    """The values as ``string``: Arrow's own cast for non-text types (``42`` -> ``"42"``)."""
    if pa.types.is_string(values.type):
        return values
    if pa.types.is_dictionary(values.type):
        values = values.cast(values.type.value_type)
    return pc.cast(values, pa.string())
