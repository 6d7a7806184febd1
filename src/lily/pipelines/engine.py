"""DuckDB execution edge: bind the Ibis expressions' declared inputs and run them.

Ibis builds the transforms; here they are compiled to SQL and run on a plain DuckDB connection.
Why not the Ibis DuckDB backend's ``to_pyarrow``: with duckdb 2.0 the Ibis 12 backend calls the
removed ``fetch_arrow_table`` for schema discovery and batch streaming, and compiling is all we need
from Ibis anyway — on Spark the same expressions compile with ``dialect="pyspark"``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import duckdb
import ibis
import ibis.expr.types as ir
import pyarrow as pa

from lily.pipelines.transform import LINES_SCHEMA, LINES_TABLE

BATCH_ROWS = 256 * 1024
_LINES_ARROW = LINES_SCHEMA.to_pyarrow()


def connect(threads: int | None = None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(config={"threads": threads} if threads else {})
    # Dates are taken in UTC regardless of the host's zone; the session zone would otherwise leak
    # into TIMESTAMPTZ -> DATE and make outputs depend on where the pipeline runs.
    con.execute("SET TimeZone = 'UTC'")
    # Keep the input order in results so output files are reproducible for the same inputs.
    con.execute("SET preserve_insertion_order = true")
    return con


def _lit(value: str | None) -> str:
    return "NULL" if value is None else "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class LineSource:
    """One bronze file read as lines by the engine (NDJSON, optionally gzip-compressed)."""

    path: str  # absolute, for reading
    source_file: str  # relative to the lake, for output
    file_date: date
    default_log_type: str
    ingest_run_id: str | None
    gzip: bool = False

    def sql(self) -> str:
        # Each line is one VARCHAR: delimiter \x1f never occurs unescaped in valid JSON, no quoting.
        # A line that defeats this (raw control chars, invalid UTF-8, huge) makes the read fail and
        # the caller re-reads that file in Python, where each such line gets its own reason.
        compression = "gzip" if self.gzip else "none"
        return (
            f"SELECT {_lit(self.source_file)} AS source_file, DATE {_lit(self.file_date.isoformat())} AS file_date, "
            f"{_lit(self.default_log_type)} AS default_log_type, {_lit(self.ingest_run_id)} AS ingest_run_id, "
            f"CAST(NULL AS VARCHAR) AS pre_reason, line FROM read_csv({_lit(self.path)}, "
            "columns={'line': 'VARCHAR'}, delim=E'\\x1f', quote='', escape='', header=false, "
            f"auto_detect=false, compression='{compression}')"
        )


def probe(con: duckdb.DuckDBPyConnection, source: LineSource) -> bool:
    """Whether the engine can read ``source`` as lines."""
    try:
        con.execute(f"SELECT count(*) FROM ({source.sql()})").fetchall()
    except duckdb.Error:
        return False
    return True


def bind_lines(con: duckdb.DuckDBPyConnection, sources: list[LineSource], python_lines: pa.Table) -> None:
    """Create the ``bronze_lines`` view: engine-read files UNION ALL lines prepared in Python."""
    con.register("python_lines", python_lines.cast(_LINES_ARROW))
    parts = [s.sql() for s in sources] + [f"SELECT {', '.join(LINES_SCHEMA.names)} FROM python_lines"]
    con.execute(f"CREATE OR REPLACE TEMP VIEW {LINES_TABLE} AS " + "\nUNION ALL\n".join(parts))


def stream(con: duckdb.DuckDBPyConnection, expr: ir.Table, batch_rows: int = BATCH_ROWS) -> Iterator[pa.RecordBatch]:
    sql = ibis.to_sql(expr, dialect="duckdb")
    reader = con.sql(str(sql)).to_arrow_reader(batch_rows)
    yield from reader


def run(con: duckdb.DuckDBPyConnection, expr: ir.Table) -> pa.Table:
    sql = ibis.to_sql(expr, dialect="duckdb")
    return con.sql(str(sql)).to_arrow_table()


def empty_lines() -> pa.Table:
    return _LINES_ARROW.empty_table()
