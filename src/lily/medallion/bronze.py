"""Bronze: the source's rows as read, plus the ingestion metadata, appended per ingest run.

Every row carries the seed's metadata (``source_system``, ``ingestion_timestamp``, ``source_file``,
``record_count`` and ``checksum`` of its file, ``schema_version``); the timestamp is the run's
injected clock, never read here. Each ingest run adds its own partition
``process_date=D/ingest_run_id=R``: bronze is append-only, and a re-run of a day adds a new copy
beside the earlier ones instead of replacing them.
"""

from __future__ import annotations

from datetime import date, datetime

import pyarrow as pa
import pyarrow.compute as pc

from lily.medallion.layout import BRONZE_METADATA_COLUMNS, INGEST_RUN_COLUMN, PARTITION_COLUMN
from lily.medallion.sources import FILE_NO, SourceBatch, SourceError
from lily.medallion.tables import append, version

UTC_TS = pa.timestamp("us", tz="UTC")


def bronze_table(batch: SourceBatch, *, source_system: str, ingested_at: datetime, schema_version: str) -> pa.Table:
    """The source columns followed by the metadata columns (without the partition columns)."""
    source = batch.table.drop_columns([FILE_NO])
    if clash := [c for c in source.column_names if c in BRONZE_METADATA_COLUMNS or c == PARTITION_COLUMN]:
        raise SourceError(f"source column(s) {', '.join(clash)} collide with bronze's metadata columns")
    file_no = batch.table.column(FILE_NO)
    n = source.num_rows

    def per_file(values: list[object], kind: pa.DataType) -> pa.ChunkedArray | pa.Array:
        return pc.take(pa.array(values, kind), file_no) if n else pa.array([], kind)

    metadata = {
        "source_system": pa.array([source_system] * n, pa.string()),
        "ingestion_timestamp": pa.array([ingested_at] * n, UTC_TS),
        "source_file": per_file([f.name for f in batch.files], pa.string()),
        "record_count": per_file([f.records for f in batch.files], pa.int64()),
        "checksum": per_file([f.checksum for f in batch.files], pa.string()),
        "schema_version": pa.array([schema_version] * n, pa.string()),
    }
    for name, values in metadata.items():
        source = source.append_column(name, values)
    return source


def write_bronze(uri: str, table: pa.Table, *, day: date, ingest_run_id: str, modified: datetime) -> int | None:
    """Append one ingest run's rows; returns the table version (``None`` when nothing was read and
    the table does not exist yet)."""
    if table.num_rows == 0:
        return version(uri)
    return append(uri, table, {PARTITION_COLUMN: day.isoformat(), INGEST_RUN_COLUMN: ingest_run_id},
                  {PARTITION_COLUMN: pa.date32(), INGEST_RUN_COLUMN: pa.string()}, modified=modified)
