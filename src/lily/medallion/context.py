"""What every step of one run shares: the pipeline, where things go, the day, the injected time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

import duckdb

from lily.anonymize import KeyRing
from lily.medallion.compute import Compute, DuckDBCompute
from lily.medallion.layout import Layout
from lily.medallion.results import DatasetRef
from lily.medallion.validate import Pipeline
from lily.pipelines.storage import TableRef


@dataclass(frozen=True)
class Context:
    pipeline: Pipeline
    layout: Layout
    namespace: str  # the lake datasets' OpenLineage namespace
    day: date
    run_id: str
    now: datetime  # the run's injected start: ingestion_timestamp and data files' modification time
    keys: KeyRing
    con: duckdb.DuckDBPyConnection
    env: Mapping[str, str] | None = None  # where PostgreSQL URLs are read (default os.environ)
    compute: Compute = field(default_factory=DuckDBCompute)  # where silver's de-duplication and gold SQL run

    def ref(self, uri: TableRef | str) -> DatasetRef:
        return DatasetRef(self.namespace, self.layout.name(uri))
