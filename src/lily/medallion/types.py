"""Column types a pipeline file may declare, and what they are in DuckDB and Arrow."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyarrow as pa

_DECIMAL = re.compile(r"decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)")

# declared name -> (DuckDB type, Arrow type)
_SIMPLE: dict[str, tuple[str, pa.DataType]] = {
    "string": ("VARCHAR", pa.string()),
    "integer": ("BIGINT", pa.int64()),
    "int64": ("BIGINT", pa.int64()),
    "int32": ("INTEGER", pa.int32()),
    "float": ("DOUBLE", pa.float64()),
    "double": ("DOUBLE", pa.float64()),
    "float64": ("DOUBLE", pa.float64()),
    "boolean": ("BOOLEAN", pa.bool_()),
    "date": ("DATE", pa.date32()),
    "timestamp": ("TIMESTAMPTZ", pa.timestamp("us", tz="UTC")),
}
TYPE_NAMES = (*_SIMPLE, "decimal(P,S)")


@dataclass(frozen=True)
class ColumnType:
    name: str  # as declared, normalised (lower case, no spaces)
    duckdb: str
    arrow: pa.DataType

    @property
    def is_numeric(self) -> bool:
        return pa.types.is_integer(self.arrow) or pa.types.is_floating(self.arrow) or pa.types.is_decimal(self.arrow)

    @property
    def is_temporal(self) -> bool:
        return pa.types.is_date(self.arrow) or pa.types.is_timestamp(self.arrow)


def parse_type(text: str) -> ColumnType:
    """``"decimal(12, 2)"`` → DECIMAL(12,2) / decimal128(12, 2). Raises ``ValueError`` with the
    accepted names for anything else."""
    name = re.sub(r"\s+", "", text.strip().lower())
    if name in _SIMPLE:
        duck, arrow = _SIMPLE[name]
        return ColumnType(name, duck, arrow)
    if m := _DECIMAL.fullmatch(name):
        precision, scale = int(m.group(1)), int(m.group(2))
        if not 1 <= precision <= 38 or scale > precision:
            raise ValueError(f"decimal precision must be 1-38 and scale at most the precision, got {text!r}")
        return ColumnType(name, f"DECIMAL({precision},{scale})", pa.decimal128(precision, scale))
    raise ValueError(f"unknown type {text!r} (expected one of {', '.join(TYPE_NAMES)})")
