"""Declared column types against actual ones: a family name or an exact SQL type (via sqlglot)."""

from __future__ import annotations

from collections.abc import Mapping

import sqlglot
from sqlglot import exp

T = exp.DataType.Type
_INTEGERS = {T.TINYINT, T.SMALLINT, T.INT, T.BIGINT, T.INT128, T.UTINYINT, T.USMALLINT, T.UINT,
             T.UBIGINT, T.UINT128}
_FLOATS = {T.FLOAT, T.DOUBLE}
_STRINGS = {T.TEXT, T.VARCHAR, T.CHAR, T.NCHAR, T.NVARCHAR}
# sqlglot reads DuckDB's TIMESTAMP as TIMESTAMPNTZ (versions differ): both belong here.
_TIMESTAMPS = {T.TIMESTAMP, T.TIMESTAMPNTZ, T.TIMESTAMPTZ, T.TIMESTAMPLTZ, T.TIMESTAMP_S, T.TIMESTAMP_MS,
               T.TIMESTAMP_NS}
FAMILIES: dict[str, set[exp.DataType.Type]] = {
    "integer": _INTEGERS,
    "float": _FLOATS,
    "decimal": {T.DECIMAL},
    "number": _INTEGERS | _FLOATS | {T.DECIMAL},
    "string": _STRINGS,
    "boolean": {T.BOOLEAN},
    "date": {T.DATE},
    "timestamp": _TIMESTAMPS,
    "binary": {T.VARBINARY, T.BINARY, T.BLOB},
}


def parse_type(text: str) -> exp.DataType:
    if text.lower() in FAMILIES:
        return exp.DataType.build("UNKNOWN")
    try:
        return exp.DataType.build(text, dialect="duckdb")
    except (sqlglot.errors.ParseError, ValueError):
        raise ValueError(f"unknown type {text!r}") from None


def type_matches(declared: str, actual: str) -> bool:
    """Whether a column of SQL type ``actual`` (as DuckDB names it) satisfies ``declared``."""
    try:
        real = exp.DataType.build(actual, dialect="duckdb")
    except (sqlglot.errors.ParseError, ValueError):
        return declared.strip().lower() == actual.strip().lower()
    family = FAMILIES.get(declared.lower())
    if family is not None:
        return real.this in family
    wanted = parse_type(declared)
    if wanted.expressions:  # parameters given (DECIMAL(18,2)): they must match too
        return wanted == real
    return wanted.this == real.this


def schema_problems(
    declared: Mapping[str, str | None], actual: Mapping[str, str], *, allow_extra: bool
) -> list[str]:
    """One sentence per mismatch, in declaration order then extra columns."""
    problems = []
    for name, wanted in declared.items():
        if name not in actual:
            problems.append(f"missing column {name}")
        elif wanted is not None and not type_matches(wanted, actual[name]):
            problems.append(f"column {name} is {actual[name]}, expected {wanted}")
    if not allow_extra:
        problems += [f"unexpected column {name}" for name in actual if name not in declared]
    return problems
