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

from lily.pipelines.records import ALL_INPUT_NAMES
from lily.pipelines.transform import BLANK_PATTERN, LINES_SCHEMA, LINES_TABLE, RECORDS_SCHEMA, RECORDS_TABLE

BATCH_ROWS = 256 * 1024
_LINES_ARROW = LINES_SCHEMA.to_pyarrow()
_RECORDS_ARROW = RECORDS_SCHEMA.to_pyarrow()


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


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# The accepted input names as text columns: what json_transform extracts from a line, the JSON
# reader extracts from a record (same conversion of numbers, booleans and nested values to text).
_READ_COLUMNS = "{" + ", ".join(f"{_lit(n)}: 'VARCHAR'" for n in ALL_INPUT_NAMES) + "}"
_FIELDS_STRUCT = "{" + ", ".join(f"{_lit(n)}: {_ident(n)}" for n in ALL_INPUT_NAMES) + "}"


@dataclass(frozen=True)
class LineSource:
    """One bronze file the engine reads itself (NDJSON, optionally gzip-compressed): as records by
    its JSON reader (``records_sql``), or as lines (``sql``) when the JSON reader refuses it."""

    path: str  # absolute, for reading
    file_no: int  # the file's number among the run's inputs
    file_date: date
    default_log_type: str
    gzip: bool = False

    def _constants(self) -> str:
        return (f"CAST({int(self.file_no)} AS INTEGER) AS file_no, DATE {_lit(self.file_date.isoformat())} "
                f"AS file_date, {_lit(self.default_log_type)} AS default_log_type")

    @property
    def _compression(self) -> str:
        return "gzip" if self.gzip else "none"

    def records_sql(self) -> str:
        """The file through the engine's JSON reader: one row per record, fields as text.

        Strict on purpose: a line that is not one JSON object (malformed, an array, duplicate keys,
        invalid UTF-8, ...) fails the read, and the file then goes through ``sql`` (lines), where
        such a line becomes a rejected row with its own reason.
        """
        return f"SELECT {self._constants()}, {_FIELDS_STRUCT} AS fields FROM {self.json_scan()}"

    def json_scan(self) -> str:
        return (
            f"read_json({_lit(self.path)}, columns={_READ_COLUMNS}, format='newline_delimited', records='true', "
            f"compression='{self._compression}')"
        )

    def sql(self) -> str:
        # Each line is one VARCHAR: delimiter \x1f never occurs unescaped in valid JSON, no quoting.
        # A line that defeats this (raw control chars, invalid UTF-8, huge) makes the read fail and
        # the caller re-reads that file in Python, where each such line gets its own reason.
        return (
            f"SELECT {self._constants()}, CAST(NULL AS VARCHAR) AS pre_reason, line FROM {self._lines_scan()}"
        )

    def _lines_scan(self) -> str:
        return (
            f"read_csv({_lit(self.path)}, columns={{'line': 'VARCHAR'}}, delim=E'\\x1f', quote='', escape='', "
            f"header=false, auto_detect=false, compression='{self._compression}')"
        )

    def record_lines_sql(self) -> str:
        """The non-blank lines, in file order: the n-th is the text of the JSON reader's n-th
        record (the reader skips the same blank lines)."""
        return (
            f"SELECT line FROM {self._lines_scan()} WHERE line IS NOT NULL "
            f"AND (starts_with(line, '{{') OR NOT regexp_full_match(line, {_lit(BLANK_PATTERN)}))"
        )


def probe(con: duckdb.DuckDBPyConnection, source: LineSource) -> bool:
    """Whether the engine can read ``source`` as lines."""
    try:
        con.execute(f"SELECT count(*) FROM ({source.sql()})").fetchall()
    except duckdb.Error:
        return False
    return True


def probe_records(con: duckdb.DuckDBPyConnection, source: LineSource) -> bool:
    """Whether the engine's JSON reader accepts every record of ``source``."""
    # Every field is aggregated so that each record is really converted (a bare count(*) would let
    # the reader skip that and miss, e.g., a line that is an array rather than an object).
    checks = ", ".join(f"count({_ident(n)})" for n in ALL_INPUT_NAMES)
    try:
        con.execute(f"SELECT {checks} FROM {source.json_scan()}").fetchall()
    except duckdb.Error:
        return False
    return True


def record_texts(con: duckdb.DuckDBPyConnection, source: LineSource, numbers: list[int]) -> dict[int, str]:
    """The raw text of records ``numbers`` (1 = first) of ``source``, as ``sql`` reads its lines
    (raises ``duckdb.Error`` if the engine cannot read the file as lines).

    The lines stream by in order and are counted (numbering them in the engine would run on one
    thread and sort); only the wanted ones are copied out, and reading stops after the last one.
    """
    wanted = sorted(set(numbers))
    found: dict[int, str] = {}
    seen = 0
    batches = _batches(con.sql(source.record_lines_sql()).to_arrow_reader(BATCH_ROWS))
    try:
        for batch in batches:
            here = [n for n in wanted[len(found):] if n <= seen + batch.num_rows]
            if here:
                texts = batch.column("line").take(pa.array([n - seen - 1 for n in here], pa.int64())).to_pylist()
                found.update(zip(here, texts, strict=True))
            seen += batch.num_rows
            if len(found) == len(wanted):
                break
    finally:
        batches.close()  # stops the scan, whose remaining lines are not needed
    return found


def bind_lines(con: duckdb.DuckDBPyConnection, sources: list[LineSource], python_lines: pa.Table) -> None:
    """Create the ``bronze_lines`` view: engine-read files UNION ALL lines prepared in Python."""
    con.register("python_lines", python_lines.cast(_LINES_ARROW))
    parts = [s.sql() for s in sources] + [f"SELECT {', '.join(LINES_SCHEMA.names)} FROM python_lines"]
    con.execute(f"CREATE OR REPLACE TEMP VIEW {LINES_TABLE} AS " + "\nUNION ALL\n".join(parts))


def bind_records(con: duckdb.DuckDBPyConnection, sources: list[LineSource]) -> None:
    """Create the ``bronze_records`` view over the files read by the JSON reader (may be none)."""
    parts = [s.records_sql() for s in sources]
    if not parts:
        con.register("no_records", _RECORDS_ARROW.empty_table())
        parts = ["SELECT * FROM no_records"]
    con.execute(f"CREATE OR REPLACE TEMP VIEW {RECORDS_TABLE} AS " + "\nUNION ALL\n".join(parts))


def stream(con: duckdb.DuckDBPyConnection, expr: ir.Table, batch_rows: int = BATCH_ROWS) -> Iterator[pa.RecordBatch]:
    """The rows of ``expr`` in Arrow batches. An engine error raises ``duckdb.Error`` wherever it
    happens (it would otherwise surface mid-stream as the Arrow reader's ``OSError``)."""
    sql = ibis.to_sql(expr, dialect="duckdb")
    yield from _batches(con.sql(str(sql)).to_arrow_reader(batch_rows))


def _batches(reader: pa.RecordBatchReader) -> Iterator[pa.RecordBatch]:
    # Closed however the caller stops: a stream left open past its connection's close aborts the
    # process when it is finally collected.
    with reader:
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                return
            except OSError as exc:  # how the engine's errors surface in its Arrow stream
                raise duckdb.InvalidInputException(str(exc)) from exc
            yield batch


def run(con: duckdb.DuckDBPyConnection, expr: ir.Table) -> pa.Table:
    sql = ibis.to_sql(expr, dialect="duckdb")
    return con.sql(str(sql)).to_arrow_table()


def empty_lines() -> pa.Table:
    return _LINES_ARROW.empty_table()
