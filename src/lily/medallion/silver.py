"""Silver, part one: declared types, schema enforcement and de-duplication (SQL built purely).

Typing runs in the run's DuckDB session (``TRY_CAST`` and ``try_strptime`` are what define a valid
value here); de-duplication is one query that any engine runs (``lily.medallion.compute``).

Every bronze row either becomes a typed row or a reject with its reasons (all of them, joined by
``"; "``); valid rows are then reduced to one per primary key — the latest by the ordering column,
ties broken by the content of the row, so the winner never depends on read order. Output rows are
sorted by the key: the same input gives the same rows in the same order, hence the same files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from lily.medallion.compute import Compute, DuckDBCompute
from lily.medallion.spec import ColumnDecl, DatasetSpec

SOURCE_FILE = "__source_file"  # which source file a bronze row came from (set by the caller)
ROW = "__row"  # position in the bronze input: rejects keep the source's order
REASON = "__reason"


class SchemaMismatch(ValueError):
    """The source's columns cannot satisfy the declared schema: the dataset fails for this run."""


def q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class ColumnCheck:
    """How the source's columns line up with the declared ones."""

    present: tuple[str, ...]
    missing: tuple[str, ...]  # declared, nullable, absent: filled with nulls
    unknown: tuple[str, ...]  # in the source, not declared


def match_columns(spec: DatasetSpec, source_columns: Sequence[str]) -> ColumnCheck:
    """Raises ``SchemaMismatch`` for a missing required column, or unknown columns when the file
    says ``unknown_columns: fail``."""
    if not source_columns:  # nothing was read (an optional source without files): no rows, no columns
        return ColumnCheck((), tuple(spec.columns), ())
    available = set(source_columns)
    required = set(spec.primary_key) | {c for c, d in spec.columns.items() if not d.nullable}
    absent = [c for c in spec.columns if c not in available]
    if lost := [c for c in absent if c in required]:
        raise SchemaMismatch(f"required column(s) missing from the source: {', '.join(lost)}")
    unknown = tuple(c for c in source_columns if c not in spec.columns)
    if unknown and spec.unknown_columns == "fail":
        raise SchemaMismatch(f"unknown column(s) in the source: {', '.join(unknown)} (declare them in schema:, "
                             f"or set unknown_columns: drop)")
    return ColumnCheck(tuple(c for c in spec.columns if c in available), tuple(absent), unknown)


def _typed(name: str, decl: ColumnDecl, source_type: str | None) -> str:
    col = decl.column_type
    if source_type is None:
        return f"CAST(NULL AS {col.duckdb})"
    ref = q(name)
    if source_type != "VARCHAR":
        if source_type == col.duckdb:
            return ref
        fractional = source_type in ("FLOAT", "DOUBLE") or source_type.startswith("DECIMAL")
        if pa.types.is_integer(col.arrow) and fractional:
            # a fractional number is not an integer: never round it into one
            return f"CASE WHEN {ref} = trunc({ref}) THEN TRY_CAST({ref} AS {col.duckdb}) END"
        return f"TRY_CAST({ref} AS {col.duckdb})"
    if col.duckdb == "VARCHAR":
        return ref
    text = f"NULLIF(trim({ref}), '')"  # a blank field of a typed column is a missing value
    if decl.format is not None:
        return f"CAST(try_strptime({text}, {literal(decl.format)}) AS {col.duckdb})"
    return f"TRY_CAST({text} AS {col.duckdb})"


def _present(name: str, source_type: str | None) -> str:
    if source_type is None:
        return "FALSE"
    return f"NULLIF(trim({q(name)}), '') IS NOT NULL" if source_type == "VARCHAR" else f"{q(name)} IS NOT NULL"


def standardize_sql(spec: DatasetSpec, relation: str, source_types: dict[str, str]) -> str:
    """One row per bronze row: the typed declared columns, the reasons (null when valid) and the
    row's position. ``source_types``: the source's columns (declared or not) and their DuckDB types."""
    required = set(spec.primary_key) | {c for c, d in spec.columns.items() if not d.nullable}
    typed, reasons = [], []
    for name, decl in spec.columns.items():
        source_type = source_types.get(name)
        expr = _typed(name, decl, source_type)
        typed.append(f"{expr} AS {q(name)}")
        if source_type is not None and decl.column_type.duckdb != "VARCHAR":
            what = decl.column_type.name + (f" in format {decl.format}" if decl.format else "")
            reasons.append(f"CASE WHEN {_present(name, source_type)} AND {expr} IS NULL "
                           f"THEN {literal(f'invalid_type: {name}: expected {what}')} END")
        if name in required:
            reasons.append(f"CASE WHEN NOT ({_present(name, source_type)}) THEN {literal(f'missing_value: {name}')} END")
    reason = f"NULLIF(concat_ws('; ', {', '.join(reasons)}), '')" if reasons else "CAST(NULL AS VARCHAR)"
    return f"SELECT {', '.join(typed)}, {reason} AS {REASON}, {q(ROW)} FROM {relation}"


def dedup_sql(spec: DatasetSpec, relation: str) -> str:
    """Latest row per key by ``ordering``; ties broken by every column in declared order."""
    columns = list(spec.columns)
    order = [f"{q(spec.ordering)} DESC NULLS LAST"] if spec.ordering else []
    order += [f"{q(c)} ASC NULLS LAST" for c in columns]
    keys = ", ".join(q(k) for k in spec.primary_key)
    cols = ", ".join(q(c) for c in columns)
    return (f"SELECT {cols} FROM (SELECT {cols}, row_number() OVER (PARTITION BY {keys} ORDER BY {', '.join(order)}) "
            f"AS __rank FROM {relation} WHERE {REASON} IS NULL) WHERE __rank = 1 ORDER BY {keys}")


@dataclass(frozen=True)
class Standardized:
    rows: pa.Table  # typed, one per key, sorted by key; declared columns only
    rejects: pa.Table  # source_file, reason and the source's columns as read, in source order
    rows_in: int
    duplicates: int
    columns: ColumnCheck = field(default_factory=lambda: ColumnCheck((), (), ()))

    @property
    def rows_rejected(self) -> int:
        return self.rejects.num_rows


def arrow_schema(spec: DatasetSpec) -> pa.Schema:
    return pa.schema([pa.field(n, d.column_type.arrow, nullable=True) for n, d in spec.columns.items()])


def standardize(con: duckdb.DuckDBPyConnection, spec: DatasetSpec, bronze: pa.Table,
                compute: Compute | None = None) -> Standardized:
    """``bronze``: the source's columns plus ``__source_file``; ``compute`` runs the
    de-duplication (default: DuckDB, in ``con``)."""
    source_columns = [c for c in bronze.column_names if c != SOURCE_FILE]
    matched = match_columns(spec, source_columns)
    con.register("__bronze", bronze.append_column(ROW, pa.array(range(bronze.num_rows), pa.int64())))
    try:
        described = con.sql("SELECT * FROM __bronze LIMIT 0").description
        types = {name: str(kind) for name, kind, *_ in described if name in source_columns}
        con.execute(f"CREATE OR REPLACE TEMP TABLE __staged AS {standardize_sql(spec, '__bronze', types)}")
        raw = ", ".join(f"b.{q(c)}" for c in source_columns)
        rejects = con.sql(f"SELECT b.{q(SOURCE_FILE)} AS source_file, s.{REASON} AS reason{', ' + raw if raw else ''} "
                          f"FROM __bronze b JOIN __staged s USING ({q(ROW)}) WHERE s.{REASON} IS NOT NULL "
                          f"ORDER BY {q(ROW)}").to_arrow_table()
        valid = con.execute(f"SELECT count(*) FROM __staged WHERE {REASON} IS NULL").fetchall()[0]
        rows = (compute or DuckDBCompute()).select(con, dedup_sql(spec, "__staged"), ["__staged"])
        rows = rows.cast(arrow_schema(spec))
        con.execute("DROP TABLE __staged")
    finally:
        con.unregister("__bronze")
    n_valid = int(valid[0]) if valid else 0
    return Standardized(rows, rejects, bronze.num_rows, n_valid - rows.num_rows, matched)
