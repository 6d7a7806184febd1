"""From whatever a caller has (an Arrow array, a chunked column, a Python list) to the sample the
recognizers read: non-null values as trimmed, non-empty Arrow strings, spread over the whole column."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

import pyarrow as pa
import pyarrow.compute as pc

from lily.classify.digits import ascii_digits
from lily.classify.recognizer import DATE, FLOAT, INTEGER, STRING

BOOLEAN = "boolean"
OTHER = "other"


def as_array(values: Sequence[object] | pa.Array | pa.ChunkedArray, dtype: str | None = None) -> pa.Array:
    """``values`` as one Arrow array, cast to ``dtype`` (an Arrow type alias) when that works."""
    if isinstance(values, pa.ChunkedArray):
        array = values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    elif isinstance(values, pa.Array):
        array = values
    else:
        items = list(values)
        try:
            array = pa.array(items)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError):
            # Mixed Python types: their text is what a person would read.
            array = pa.array([None if v is None else str(v) for v in items], type=pa.string())
    if dtype:
        with contextlib.suppress(ValueError, pa.ArrowInvalid, pa.ArrowNotImplementedError):
            array = array.cast(pa.type_for_alias(dtype))
    return array


def kind_of(type_: pa.DataType) -> str:
    if pa.types.is_dictionary(type_):
        return kind_of(type_.value_type)
    if pa.types.is_boolean(type_):
        return BOOLEAN
    if pa.types.is_integer(type_):
        return INTEGER
    if pa.types.is_floating(type_) or pa.types.is_decimal(type_):
        return FLOAT
    if pa.types.is_date(type_) or pa.types.is_timestamp(type_):
        return DATE
    if pa.types.is_string(type_) or pa.types.is_large_string(type_) or pa.types.is_string_view(type_):
        return STRING
    return OTHER


def flatten(array: pa.Array) -> pa.Array:
    """Lists hold their values' entity (a list of emails is an email column); dictionaries their values'."""
    while pa.types.is_list(array.type) or pa.types.is_large_list(array.type):
        array = pc.list_flatten(array)
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    return array


def spread(array: pa.Array, size: int) -> pa.Array:
    """At most ``size`` values taken at even intervals, so sorted or appended data is sampled whole."""
    length = len(array)
    if length <= size:
        return array
    return array.take(pa.array([i * length // size for i in range(size)], type=pa.int64()))


def sample_strings(array: pa.Array, size: int) -> tuple[pa.Array, int]:
    """The sampled non-null values as trimmed non-empty strings, and the column's non-null count."""
    present = array.drop_null()
    non_null = len(present)
    values = spread(present, size)
    if not pa.types.is_string(values.type):
        values = values.cast(pa.string())
    values = pc.utf8_trim_whitespace(values)
    values = values.filter(pc.greater(pc.utf8_length(values), 0))
    return ascii_digits(values), non_null

