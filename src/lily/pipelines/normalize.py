"""Normalize (record level): bronze files of one ``process_date`` → silver + row-level rejects.

Reads bronze partitions ``D - span .. D`` (the midnight rule, see ``routing``), parses all formats
into the canonical schema with one Ibis expression, and replaces exactly partition ``D`` of
``silver/logs`` and of ``rejected/data_quality``. Files that cannot be read at all go to
``rejected/system/normalize/<D>/`` with a reason and the step goes on.
"""

from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from lily.pipelines import engine
from lily.pipelines.bronze import BronzeFile, UnreadableFile, bronze_files, gzip_is_array, read_lines
from lily.pipelines.delta import PartitionFiles, replace_partition, replace_partition_files
from lily.pipelines.formats import LogFormat
from lily.pipelines.ingest import RejectedFile, write_reason
from lily.pipelines.lake import Lake
from lily.pipelines.schema import (
    REJECT_PARTITIONS,
    REJECT_SCHEMA,
    SILVER_PARTITIONS,
    SILVER_SCHEMA,
)
from lily.pipelines.transform import LOG_TYPES, canonicalize, lines_table

# Silver data files hold every column but the partition columns (those are in the file's path).
SILVER_DATA_SCHEMA = pa.schema([f for f in SILVER_SCHEMA if f.name not in SILVER_PARTITIONS])


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
    target = lake.rejected_system / "normalize" / process_date.isoformat() / file.path.name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(file.path, target)
    write_reason(target, {"stage": "normalize", "reason": error.reason, "detail": error.detail,
                          "source_file": file.source_file, "process_date": process_date.isoformat()})
    return RejectedFile(file.source_file, error.reason, error.detail, lake.relative(target), stage="normalize")


_LINES = engine.empty_lines().schema


def _python_rows(file: BronzeFile, lines: list[tuple[str | None, str | None]]) -> dict[str, list[object]]:
    n = len(lines)
    return {
        "source_file": [file.source_file] * n,
        "file_date": [file.file_date] * n,
        "default_log_type": [file.default_log_type] * n,
        "ingest_run_id": [file.ingest_run_id] * n,
        "pre_reason": [reason for _, reason in lines],
        "line": [line for line, _ in lines],
    }


def _engine_source(file: BronzeFile) -> engine.LineSource | None:
    """The engine reads NDJSON (plain or gzip) itself; XML and JSON arrays go through Python."""
    if file.format is LogFormat.XML_ERRORS:
        return None
    if file.format is LogFormat.JSON_GZIP and gzip_is_array(file.path):
        return None
    return engine.LineSource(str(file.path), file.source_file, file.file_date, file.default_log_type,
                             file.ingest_run_id, gzip=file.format is LogFormat.JSON_GZIP)


def _bind_inputs(lake: Lake, con: duckdb.DuckDBPyConnection, process_date: date, files: list[BronzeFile],
                 result: NormalizeResult, *, probe_each: bool) -> int:
    """Bind ``bronze_lines``; unreadable files are rejected. Returns how many files the engine reads.

    ``probe_each`` is the slow path after the engine failed on the batch: each file is test-read
    and the ones it cannot read are re-read in Python, where every odd line gets its own reason.
    """
    sources: list[engine.LineSource] = []
    python_tables: list[pa.Table] = [engine.empty_lines()]
    for file in files:
        try:
            source = _engine_source(file)
            if source is not None and (not probe_each or engine.probe(con, source)):
                sources.append(source)
            else:
                python_tables.append(pa.table(_python_rows(file, read_lines(file)), schema=_LINES))
        except (UnreadableFile, OSError, EOFError) as exc:
            error = exc if isinstance(exc, UnreadableFile) else UnreadableFile("unreadable", str(exc))
            result.files_rejected.append(_reject_file(lake, process_date, file, error))
            continue
        result.files_read += 1
    engine.bind_lines(con, sources, pa.concat_tables(python_tables))
    return len(sources)


def normalize(lake: Lake, process_date: date, *, span: int = 1, threads: int | None = None) -> NormalizeResult:
    """Rebuild silver and row-level rejects for ``process_date`` from bronze."""
    files = bronze_files(lake, process_date, span)
    con = engine.connect(threads)
    try:
        result = NormalizeResult(process_date, inputs=sorted({f.format.value for f in files}))
        engine_files = _bind_inputs(lake, con, process_date, files, result, probe_each=False)
        try:
            _write(lake, con, process_date, span, result, threads)
        except duckdb.Error:
            if not engine_files:
                raise
            # Nothing was committed (the failure happens while streaming, before the Delta commit).
            result = NormalizeResult(process_date, inputs=result.inputs)
            _bind_inputs(lake, con, process_date, files, result, probe_each=True)
            _write(lake, con, process_date, span, result, threads)
    finally:
        con.close()
    return result


def _write(
    lake: Lake, con: duckdb.DuckDBPyConnection, process_date: date, span: int, result: NormalizeResult,
    threads: int | None = None,
) -> None:
    expr = canonicalize(lines_table(), process_date, span)
    rejects: list[pa.RecordBatch] = []
    reasons: Counter[str] = Counter()
    day = process_date.isoformat()
    files = PartitionFiles(lake.silver_uri, SILVER_DATA_SCHEMA, threads=threads)
    try:
        for batch in engine.stream(con, expr):
            result.records_in += batch.num_rows
            bad = pc.is_valid(batch.column("reason"))
            good = batch.filter(pc.invert(bad))
            result.records_out += good.num_rows
            if good.num_rows != batch.num_rows:
                failed = batch.filter(bad)
                rejects.append(failed)
                reasons.update(failed.column("reason").to_pylist())
            if not good.num_rows:
                continue
            # A silver row belongs to its run's day by construction (the midnight rule); check it,
            # since the day is written into the file's partition path rather than the file.
            if pc.any(pc.not_equal(good.column("event_date"), pa.scalar(process_date))).as_py():
                raise RuntimeError(f"normalize for {day} produced silver rows of another day")
            for log_type in LOG_TYPES:
                part = good.filter(pc.equal(good.column("log_type"), log_type))
                if part.num_rows:
                    files.add(part.select(SILVER_DATA_SCHEMA.names), {"log_type": log_type, "event_date": day})
        written = files.finish()
    except BaseException:
        files.abort()
        raise
    replace_partition_files(lake.silver_uri, written, schema=SILVER_SCHEMA, partition_by=SILVER_PARTITIONS,
                            column="event_date", day=process_date)
    result.records_rejected = sum(b.num_rows for b in rejects)
    result.reject_reasons = dict(sorted(reasons.items()))
    replace_partition(lake.rejected_dq_uri, _reject_table(rejects, process_date), schema=REJECT_SCHEMA,
                      partition_by=REJECT_PARTITIONS, column="process_date", day=process_date)


def _reject_table(batches: list[pa.RecordBatch], process_date: date) -> pa.Table:
    if not batches:
        return REJECT_SCHEMA.empty_table()
    table = pa.Table.from_batches(batches)
    n = table.num_rows
    return pa.table({
        "process_date": pa.array([process_date] * n, pa.date32()),
        "source_file": table.column("source_file"),
        "reason": table.column("reason"),
        "record": table.column("record"),
        "event_time": table.column("event_time"),
        "ingest_run_id": table.column("ingest_run_id"),
    }, schema=REJECT_SCHEMA)
