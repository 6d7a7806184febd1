"""What a run of a declared pipeline produced, for the catalog, lineage and the API.

Everything here is data: which tables were written (schema, rows, Delta version), what detection
found per column (``ColumnResult`` with its evidence), how each column was anonymized, every
quality report, what was published and what was quarantined and why, and the column lineage from
the source to the ML features with the masking flag on anonymized columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

import pyarrow as pa

from lily.classify import ColumnResult
from lily.medallion.pii import Treatment
from lily.medallion.retention import RetentionReport
from lily.medallion.sources import Malformed, SourceFile
from lily.pipelines.runs import RunRecord, State
from lily.pipelines.storage import TableRef
from lily.quality import QualityReport

Layer = Literal["source", "bronze", "silver", "rejected", "gold", "ml"]


@dataclass(frozen=True)
class DatasetRef:
    """OpenLineage identity: the lake's namespace and a lake-relative name (``silver/crm/customers``),
    or a PostgreSQL source's own (``postgres://host:5432`` + ``db.schema.table``)."""

    namespace: str
    name: str


@dataclass(frozen=True)
class TableOutput:
    layer: Layer
    ref: DatasetRef
    table: TableRef  # where it is, for delta-rs (a directory or an S3 prefix)
    schema: pa.Schema  # data columns, then partition columns
    partitions: tuple[str, ...]
    rows: int  # rows of this process date written by the run
    version: int | None  # Delta version holding them

    @property
    def uri(self) -> str:
        return self.table.uri


@dataclass(frozen=True)
class ColumnEdge:
    source: DatasetRef
    source_column: str
    target: DatasetRef
    target_column: str
    subtype: str  # IDENTITY | TRANSFORMATION | AGGREGATION
    masking: bool = False  # the target column no longer carries the source's values
    operator: str | None = None  # the anonymization operator when masking


@dataclass(frozen=True)
class Decision:
    published: bool
    reason: str | None = None  # why not (blocking checks, or the error)
    quarantine: str | None = None  # the lake key (directory) of the held partition
    resolved: str | None = None  # a quarantine of this day that this run's publish resolved (its key)


@dataclass
class DatasetRun:
    name: str
    source: DatasetRef
    files: list[SourceFile] = field(default_factory=list)
    malformed: list[Malformed] = field(default_factory=list)
    bronze: TableOutput | None = None
    silver: TableOutput | None = None  # None unless published
    rejected: TableOutput | None = None
    rows_in: int = 0
    rows_rejected: int = 0
    reject_reasons: dict[str, int] = field(default_factory=dict)  # each reason of each rejected row
    duplicates: int = 0
    unknown_columns: tuple[str, ...] = ()
    missing_columns: tuple[str, ...] = ()
    detections: list[ColumnResult] = field(default_factory=list)  # on bronze's columns
    anonymized: list[Treatment] = field(default_factory=list)
    unprotected: tuple[str, ...] = ()  # detected PII without a policy: left as they are
    quality: dict[str, QualityReport] = field(default_factory=dict)  # "bronze" / "silver"
    decision: Decision | None = None
    error: str | None = None


@dataclass
class GoldRun:
    name: str
    sql: str  # as run (DuckDB)
    table: TableOutput | None = None
    quality: dict[str, QualityReport] = field(default_factory=dict)  # "gold"
    decision: Decision | None = None
    skipped: str | None = None
    error: str | None = None


@dataclass
class MlRun:
    name: str
    table: TableOutput | None = None
    manifest_path: str | None = None  # lake key
    manifest: dict[str, object] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # "train.parquet" -> lake key
    skipped: str | None = None
    error: str | None = None


@dataclass
class PipelineRun:
    run: RunRecord
    pipeline: str
    process_date: date
    namespace: str  # the lake's datasets' namespace
    datasets: dict[str, DatasetRun] = field(default_factory=dict)
    gold: dict[str, GoldRun] = field(default_factory=dict)
    ml: dict[str, MlRun] = field(default_factory=dict)
    retention: RetentionReport | None = None
    lineage: list[ColumnEdge] = field(default_factory=list)
    ended: dict[str, datetime] = field(default_factory=dict)  # step -> when it ended (the run's clock)

    @property
    def succeeded(self) -> bool:
        return self.run.error is None and self.run.state is State.SUCCEEDED

    @property
    def error(self) -> str | None:
        return self.run.error
