"""Normalize (record level): bronze files of one ``process_date`` → silver + row-level rejects.

Reads bronze partitions ``D - span .. D`` (the midnight rule, see ``routing``), parses all formats
into the canonical schema with one Ibis expression, and replaces exactly partition ``D`` of
``silver/logs`` and of ``rejected/data_quality``. Files that cannot be read at all go to
``rejected/system/normalize/<D>/`` with a reason and the step goes on.

NDJSON is read by the engine's JSON reader (the fast path). The reader refuses a whole file for one
line that is not a JSON object; such a file is read line by line instead (by the engine, else in
Python), where that line becomes a rejected row with its own reason. Both ways give the same rows
(``tests/pipelines/test_fast_path.py``); a rejected record read by the JSON reader gets its raw
text back by its position in the file.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from lily.pipelines import engine
from lily.pipelines.bronze import BronzeFile, UnreadableFile, bronze_files, gzip_is_array, read_lines, staged
from lily.pipelines.delta import PartitionFiles, replace_partition, replace_partition_files
from lily.pipelines.formats import LogFormat
from lily.pipelines.ingest import RejectedFile, write_reason
from lily.pipelines.lake import REJECTED_SYSTEM, Lake
from lily.pipelines.schema import (
    REJECT_PARTITIONS,
    REJECT_SCHEMA,
    SILVER_PARTITIONS,
    SILVER_SCHEMA,
)
from lily.pipelines.transform import canonicalize, lines_table, record_reason, records_table

# Silver data files hold every column but the partition columns (those are in the file's path).
SILVER_DATA_SCHEMA = pa.schema([f for f in SILVER_SCHEMA if f.name not in SILVER_PARTITIONS])
# Columns with few distinct values, dictionary-encoded in the data files. The others (times,
# latencies, addresses, messages) are mostly distinct: trying a dictionary on them cost about a
# third of the Parquet encoding time, for nothing.
SILVER_DICTIONARY = ["service", "host", "method", "path", "status", "user_id", "level", "source_file", "ingest_run_id"]


@dataclass
class NormalizeResult:
    process_date: date
    files_read: int = 0
    files_rejected: list[RejectedFile] = field(default_factory=list)
    records_in: int = 0
    records_out: int = 0
    records_rejected: int = 0
    reject_reasons: dict[str, int] = field(default_factory=dict)
    inputs: list[str] = field(default_factory=list)  # bronze formats read, e.g. ["ndjson"]


def _reject_file(lake: Lake, process_date: date, file: BronzeFile, error: UnreadableFile) -> RejectedFile:
    # Deterministic location (no timestamp): a re-run of the day rewrites the same reject.
    target = f"{REJECTED_SYSTEM}/normalize/{process_date.isoformat()}/{file.name}"
    lake.storage.copy(file.source_file, target)
    write_reason(lake, target, {"stage": "normalize", "reason": error.reason, "detail": error.detail,
                                "source_file": file.source_file, "process_date": process_date.isoformat()})
    return RejectedFile(file.source_file, error.reason, error.detail, target, stage="normalize")


_LINES = engine.empty_lines().schema


def _python_rows(file_no: int, file: BronzeFile, lines: list[tuple[str | None, str | None]]) -> pa.Table:
    n = len(lines)
    return pa.table({
        "file_no": [file_no] * n,
        "file_date": [file.file_date] * n,
        "default_log_type": [file.default_log_type] * n,
        "pre_reason": [reason for _, reason in lines],
        "line": [line for line, _ in lines],
    }, schema=_LINES)


def _engine_source(file_no: int, file: BronzeFile) -> engine.LineSource | None:
    """The engine reads NDJSON (plain or gzip) itself; XML and JSON arrays go through Python."""
    if file.format is LogFormat.XML_ERRORS:
        return None
    if file.format is LogFormat.JSON_GZIP and gzip_is_array(file.path):
        return None
    return engine.LineSource(str(file.path), file_no, file.file_date, file.default_log_type,
                             gzip=file.format is LogFormat.JSON_GZIP)


class _FileNames:
    """``source_file`` and ``ingest_run_id`` of the input files, for rows that carry a file number.

    Silver gets them dictionary-encoded (a dictionary of the files plus one small integer per row):
    the Parquet writer stores that as it is, where repeating the text on every row cost as much as
    a data column to copy out of the engine and to encode again.
    """

    def __init__(self, files: list[BronzeFile]) -> None:
        self.source_files = pa.array([f.source_file for f in files], pa.string())
        self.run_ids = pa.array([f.ingest_run_id for f in files], pa.string())
        distinct = sorted({f.ingest_run_id for f in files if f.ingest_run_id is not None})
        self._run_dictionary = pa.array(distinct, pa.string())
        self._run_index = pa.array([None if f.ingest_run_id is None else distinct.index(f.ingest_run_id)
                                    for f in files], pa.int32())

    def encoded(self, file_no: pa.Array) -> tuple[pa.Array, pa.Array]:
        """(source_file, ingest_run_id) as dictionary arrays."""
        return (pa.DictionaryArray.from_arrays(file_no, self.source_files),
                pa.DictionaryArray.from_arrays(pc.take(self._run_index, file_no), self._run_dictionary))


@dataclass
class _Inputs:
    """How each readable file is read: by the JSON reader (``records``), as lines by the engine, or
    as lines prepared in Python. Files are numbered by their place in ``files``."""

    files: list[BronzeFile]
    records: dict[int, engine.LineSource] = field(default_factory=dict)
    lines: list[engine.LineSource] = field(default_factory=list)
    python: list[pa.Table] = field(default_factory=list)


def _bind_inputs(lake: Lake, con: duckdb.DuckDBPyConnection, process_date: date, files: list[BronzeFile],
                 result: NormalizeResult, *, probe_each: bool, read_records: bool) -> _Inputs:
    """Bind ``bronze_records`` and ``bronze_lines``; unreadable files are rejected.

    NDJSON goes to the JSON reader (``read_records``), which is much faster than parsing lines one
    by one but refuses a whole file for one odd line. ``probe_each`` is the slow path after the
    engine failed on the batch: each file is test-read, by the JSON reader then as lines, and goes to
    the first reader that accepts it; the ones neither accepts are re-read in Python, where every odd
    line gets its own reason. Every path gives the same rows for the same file.
    """
    inputs = _Inputs(files, python=[engine.empty_lines()])
    for file_no, file in enumerate(files):
        try:
            source = _engine_source(file_no, file)
            if source is None:
                inputs.python.append(_python_rows(file_no, file, read_lines(file)))
            elif read_records and (not probe_each or engine.probe_records(con, source)):
                inputs.records[file_no] = source
            elif not probe_each or engine.probe(con, source):
                inputs.lines.append(source)
            else:
                inputs.python.append(_python_rows(file_no, file, read_lines(file)))
        except (UnreadableFile, OSError, EOFError) as exc:
            error = exc if isinstance(exc, UnreadableFile) else UnreadableFile("unreadable", str(exc))
            result.files_rejected.append(_reject_file(lake, process_date, file, error))
            continue
        result.files_read += 1
    engine.bind_records(con, list(inputs.records.values()))
    engine.bind_lines(con, inputs.lines, pa.concat_tables(inputs.python))
    return inputs


def normalize(lake: Lake, process_date: date, *, span: int = 1, threads: int | None = None,
              read_records: bool = True) -> NormalizeResult:
    """Rebuild silver and row-level rejects for ``process_date`` from bronze.

    ``read_records=False`` reads NDJSON line by line only (the reference the fast path is tested
    against); the output is the same either way.
    """
    with staged(lake, bronze_files(lake, process_date, span)) as files:
        return _normalize(lake, process_date, files, span=span, threads=threads, read_records=read_records)


def _normalize(lake: Lake, process_date: date, files: list[BronzeFile], *, span: int, threads: int | None,
               read_records: bool) -> NormalizeResult:
    con = engine.connect(threads)
    try:
        result = NormalizeResult(process_date, inputs=sorted({f.format.value for f in files}))
        inputs = _bind_inputs(lake, con, process_date, files, result, probe_each=False, read_records=read_records)
        try:
            _write(lake, con, process_date, span, result, inputs, threads)
        except duckdb.Error:
            if not inputs.records and not inputs.lines:
                raise
            # Nothing was committed (the failure happens while streaming, before the Delta commit).
            result = NormalizeResult(process_date, inputs=result.inputs)
            inputs = _bind_inputs(lake, con, process_date, files, result, probe_each=True, read_records=read_records)
            _write(lake, con, process_date, span, result, inputs, threads)
    finally:
        con.close()
    return result


class _RecordPositions:
    """Numbers the rows of files read by the JSON reader: 1 for the file's first non-blank line, and
    so on. Their rows arrive in file order, one file after another (see ``canonicalize``), so the
    position is a running count per file; it is how a rejected record's raw text is found."""

    def __init__(self, files: set[int]) -> None:
        self._files = files
        self._counts: dict[int, int] = {}
        self._current: int | None = None

    def advance(self, file_no: pa.Array, rows: list[int]) -> list[int | None]:
        """Count one batch's rows (its ``file_no`` column); the numbers of rows ``rows`` (sorted
        indices into the batch), ``None`` for rows of other files."""
        numbers: list[int | None] = []
        pending = iter(rows)
        row = next(pending, None)
        encoded = pc.run_end_encode(file_no)
        start = 0
        for file, end in zip(encoded.values.to_pylist(), encoded.run_ends.to_pylist(), strict=True):
            counted = file in self._files
            base = 0
            if counted:
                if file != self._current and file in self._counts:
                    raise RuntimeError(f"rows of input file {file} did not arrive in file order")
                self._current = file
                base = self._counts.get(file, 0)
                self._counts[file] = base + end - start
            while row is not None and row < end:
                numbers.append(base + row - start + 1 if counted else None)
                row = next(pending, None)
            start = end
        return numbers


def _write(
    lake: Lake, con: duckdb.DuckDBPyConnection, process_date: date, span: int, result: NormalizeResult,
    inputs: _Inputs, threads: int | None = None,
) -> None:
    expr = canonicalize(lines_table(), records_table(), process_date, span)
    names = _FileNames(inputs.files)
    rejects: list[pa.RecordBatch] = []
    day = process_date.isoformat()
    positions = _RecordPositions(set(inputs.records))
    files = PartitionFiles(lake.silver, SILVER_DATA_SCHEMA, threads=threads, dictionary=SILVER_DICTIONARY)
    try:
        for batch in engine.stream(con, expr):
            # Most batches are all owned and all valid: counted first, since a filter copies the rows.
            owned = pc.fill_null(batch.column("owned"), False)
            reason = batch.column("reason")
            n_owned = owned.true_count
            n_rejected = len(reason) - reason.null_count  # a rejected row is always owned
            bad = pc.is_valid(reason)
            bad_rows = pc.indices_nonzero(bad).to_pylist() if n_rejected else []
            numbers = positions.advance(batch.column("file_no"), bad_rows)
            result.records_in += n_owned
            result.records_out += n_owned - n_rejected
            if n_rejected:
                failed = batch.filter(bad).drop_columns(["owned"])
                rejects.append(failed.append_column("record_no", pa.array(numbers, pa.int64())))
            if n_owned == n_rejected:
                continue
            good = None if n_owned == batch.num_rows and not n_rejected else pc.and_(owned, pc.invert(bad))
            # A silver row belongs to its run's day by construction (the midnight rule); check it,
            # since the day is written into the file's partition path rather than the file.
            other_day = pc.not_equal(batch.column("event_date"), pa.scalar(process_date))
            if pc.any(other_day if good is None else pc.and_(good, other_day)).as_py():
                raise RuntimeError(f"normalize for {day} produced silver rows of another day")
            silver = _silver_rows(batch, names)
            for log_type, keep in _by_log_type(batch.column("log_type"), good):
                files.add(silver, {"log_type": log_type, "event_date": day}, keep=keep)
        rejected = _with_record_texts(con, pa.Table.from_batches(rejects) if rejects else None, inputs)
        written = files.finish()
    except BaseException:
        files.abort()
        raise
    replace_partition_files(lake.silver, written, schema=SILVER_SCHEMA, partition_by=SILVER_PARTITIONS,
                            column="event_date", day=process_date)
    if rejected is not None:
        result.records_rejected = rejected.num_rows
        result.reject_reasons = dict(sorted(Counter(rejected.column("reason").to_pylist()).items()))
    replace_partition(lake.rejected_dq, _reject_table(rejected, names, process_date), schema=REJECT_SCHEMA,
                      partition_by=REJECT_PARTITIONS, column="process_date", day=process_date)


def _by_log_type(log_type: pa.Array, good: pa.Array | None) -> list[tuple[str, pa.Array | None]]:
    """Which rows of a batch go to each ``log_type`` partition (access or error: valid rows have no
    other), as masks over the batch; ``None`` for all of them (the usual case: no copy). ``good``
    masks the silver rows (``None``: all)."""
    access = pc.equal(log_type, "access")
    if good is not None:
        access = pc.and_(good, access)
    error = pc.invert(access) if good is None else pc.and_(good, pc.invert(access))
    n_access, n_error = access.true_count, error.true_count
    if not n_error:
        return [("access", None if good is None else access)]
    if not n_access:
        return [("error", None if good is None else error)]
    return [("access", access), ("error", error)]


def _silver_rows(rows: pa.RecordBatch, names: _FileNames) -> pa.Table:
    source_file, ingest_run_id = names.encoded(rows.column("file_no"))
    columns = {"source_file": source_file, "ingest_run_id": ingest_run_id}
    return pa.Table.from_arrays([columns[n] if n in columns else rows.column(n) for n in SILVER_DATA_SCHEMA.names],
                                names=SILVER_DATA_SCHEMA.names)


def _with_record_texts(con: duckdb.DuckDBPyConnection, rejects: pa.Table | None, inputs: _Inputs) -> pa.Table | None:
    """Fill in the raw text of rejected records that came through the JSON reader.

    Only their position in the file travels with them; the text is read back here, for the (few)
    rejected records only, the way the line path would have read it: by the engine as lines, or in
    Python when the engine cannot read the file as lines. With the text, the reason is final (see
    ``record_reason``).
    """
    if rejects is None:
        return None
    numbers = rejects.column("record_no").to_pylist()
    file_nos = rejects.column("file_no").to_pylist()
    wanted: dict[int, list[int]] = {}
    for file_no, number in zip(file_nos, numbers, strict=True):
        if number is not None:
            wanted.setdefault(file_no, []).append(number)
    if not wanted:
        return rejects
    texts: dict[tuple[int, int], str] = {}
    for file_no, wanted_numbers in sorted(wanted.items()):
        try:
            found = engine.record_texts(con, inputs.records[file_no], wanted_numbers)
        except duckdb.Error:
            lines = read_lines(inputs.files[file_no])
            found = {n: lines[n - 1][0] for n in wanted_numbers if n <= len(lines)}
        if missing := sorted(set(wanted_numbers) - found.keys()):
            # the reader and the lines disagree on what the records are: a bug, never a guess
            raise RuntimeError(f"records {missing[:5]} of {inputs.files[file_no].source_file} not found as lines")
        texts.update(((file_no, n), text) for n, text in found.items())
    records = rejects.column("record").to_pylist()
    reasons = rejects.column("reason").to_pylist()
    for i, (file_no, number) in enumerate(zip(file_nos, numbers, strict=True)):
        if number is not None:
            records[i] = texts[(file_no, number)]
            reasons[i] = record_reason(reasons[i], records[i])
    rejects = rejects.set_column(rejects.schema.get_field_index("record"), "record", pa.array(records, pa.string()))
    return rejects.set_column(rejects.schema.get_field_index("reason"), "reason", pa.array(reasons, pa.string()))


def _reject_table(table: pa.Table | None, names: _FileNames, process_date: date) -> pa.Table:
    if table is None:
        return REJECT_SCHEMA.empty_table()
    n = table.num_rows
    file_no = table.column("file_no")
    return pa.table({
        "process_date": pa.array([process_date] * n, pa.date32()),
        "source_file": pc.take(names.source_files, file_no),
        "reason": table.column("reason"),
        "record": table.column("record"),
        "event_time": table.column("event_time"),
        "ingest_run_id": pc.take(names.run_ids, file_no),
    }, schema=REJECT_SCHEMA)
