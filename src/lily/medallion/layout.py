"""Where a declared pipeline's tables live in the lake (beside the log pipeline's, never inside).

| path | content |
|---|---|
| ``bronze/<pipeline>/<dataset>`` | Delta, source rows as ingested + ingestion metadata, partitioned by ``process_date``, ``ingest_run_id`` (append-only) |
| ``silver/<pipeline>/<dataset>`` | Delta, typed, de-duplicated, anonymized rows, partitioned by ``process_date`` |
| ``gold/<pipeline>/<name>`` | Delta, declared SQL over silver, partitioned by ``process_date`` |
| ``ml/<pipeline>/<name>`` | Delta, encoded features with their split, partitioned by ``process_date`` |
| ``ml/<pipeline>/exports/<name>/process_date=D/`` | ``<split>.parquet``, ``<split>.arrow``, ``manifest.json`` |
| ``rejected/rows/<pipeline>/<dataset>`` | Delta, rows refused by silver with the reason, partitioned by ``process_date`` |
| ``quarantine/<pipeline>/<dataset>/process_date=D/`` | a partition held back by a blocking check: rows, rejects, results |
| ``_lily/medallion/<pipeline>/`` | retention reports |

Row rejects are a table per dataset rather than the log pipeline's ``rejected/data_quality``:
each run replaces its whole ``process_date`` partition of the table it writes, so two pipelines
sharing one table would erase each other's rejects of the same day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from lily.pipelines.lake import Lake

PARTITION_COLUMN = "process_date"
INGEST_RUN_COLUMN = "ingest_run_id"
# Bronze's ingestion metadata, after the source's own columns (the seed's names).
BRONZE_METADATA_COLUMNS = ("source_system", "ingestion_timestamp", "source_file", "record_count", "checksum",
                           "schema_version", INGEST_RUN_COLUMN)
# Names the log pipeline already uses at these levels of the lake.
RESERVED_PIPELINES = frozenset({"logs", "ndjson", "json_gzip", "xml_errors", "daily_activity", "rows",
                                "system", "data_quality"})


def day_dir(day: date) -> str:
    return f"{PARTITION_COLUMN}={day.isoformat()}"


@dataclass(frozen=True)
class Layout:
    lake: Lake
    pipeline: str

    def __post_init__(self) -> None:
        # Declared pipelines read and write the lake as local files; only the log pipeline goes
        # through the storage seam that also reaches S3 (docs/pipelines.md, "The lake on S3").
        if not self.lake.is_local:
            raise ValueError(f"declared pipelines need a directory lake (LILY_LAKE_ROOT); the lake at "
                             f"{self.lake.root} serves the log pipeline only")

    def _table(self, zone: str, name: str) -> str:
        return str(self.lake.root / zone / self.pipeline / name)

    def bronze(self, dataset: str) -> str:
        return self._table("bronze", dataset)

    def silver(self, dataset: str) -> str:
        return self._table("silver", dataset)

    def gold(self, name: str) -> str:
        return self._table("gold", name)

    def ml(self, name: str) -> str:
        return self._table("ml", name)

    def rejected(self, dataset: str) -> str:
        return str(self.lake.root / "rejected" / "rows" / self.pipeline / dataset)

    def ml_exports(self, name: str) -> Path:
        return self.lake.root / "ml" / self.pipeline / "exports" / name

    def quarantine_root(self) -> Path:
        return self.lake.root / "quarantine" / self.pipeline

    def quarantine(self, dataset: str, day: date) -> Path:
        """``dataset`` is a silver dataset name, or ``gold.<name>`` for a gold table."""
        return self.quarantine_root() / dataset / day_dir(day)

    def state(self) -> Path:
        return self.lake.state / "medallion" / self.pipeline

    def name(self, uri: str | Path) -> str:
        """A table's dataset name: its path relative to the lake root (the catalog identity)."""
        return Path(uri).relative_to(self.lake.root).as_posix()
