"""The DuckDB session a run works in: UTC, and one relation per layer's dataset.

Relations are named as the pipeline file names them — ``silver.customers``, ``gold.customer_value``
— so gold SQL runs as written. ``staged.*`` holds what a step is about to publish (what its checks
read), ``bronze.*`` the rows this run ingested.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pyarrow as pa

from lily.medallion.layout import PARTITION_COLUMN

SCHEMAS = ("bronze", "staged", "silver", "gold")


def connect(threads: int | None = None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    for schema in SCHEMAS:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    return con


def with_day(table: pa.Table, day: date) -> pa.Table:
    """``table`` with its ``process_date`` column (what readers of the Delta table see)."""
    if PARTITION_COLUMN in table.column_names:
        return table
    return table.append_column(PARTITION_COLUMN, pa.array([day] * table.num_rows, pa.date32()))


def expose(con: duckdb.DuckDBPyConnection, relation: str, table: pa.Table) -> None:
    """Make ``table`` readable as ``relation`` (``schema.name``) for SQL and checks."""
    schema, name = relation.split(".", 1)
    hidden = f"__{schema}__{name}"
    con.register(hidden, table)
    con.execute(f'CREATE OR REPLACE VIEW {schema}."{name}" AS SELECT * FROM "{hidden}"')


def arrow_types(table: pa.Table) -> pa.Table:
    """Types as the Delta tables store them: timestamps in ``UTC``, plain strings and binaries."""
    fields = []
    for f in table.schema:
        kind = f.type
        if pa.types.is_timestamp(kind) and kind.tz is not None:
            kind = pa.timestamp("us", tz="UTC")
        elif pa.types.is_timestamp(kind):
            kind = pa.timestamp("us")
        elif pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
            kind = pa.string()
        elif pa.types.is_large_binary(kind) or pa.types.is_binary_view(kind):
            kind = pa.binary()
        fields.append(pa.field(f.name, kind))
    return table.cast(pa.schema(fields))
