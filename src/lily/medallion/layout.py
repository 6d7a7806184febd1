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

from lily.pipelines.lake import STATE, Lake
from lily.pipelines.storage import LakeStorage, TableRef

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
    """Tables as ``TableRef`` (for delta-rs) and files as keys of the lake's storage, on a directory
    or an S3 prefix alike (``lily.pipelines.storage``)."""

    lake: Lake
    pipeline: str

    @property
    def storage(self) -> LakeStorage:
        return self.lake.storage

    def _table(self, zone: str, name: str) -> TableRef:
        return self.lake.table(f"{zone}/{self.pipeline}/{name}")

    def bronze(self, dataset: str) -> TableRef:
        return self._table("bronze", dataset)

    def silver(self, dataset: str) -> TableRef:
        return self._table("silver", dataset)

    def gold(self, name: str) -> TableRef:
        return self._table("gold", name)

    def ml(self, name: str) -> TableRef:
        return self._table("ml", name)

    def rejected(self, dataset: str) -> TableRef:
        return self._table("rejected/rows", dataset)

    def ml_exports(self, name: str) -> str:
        return f"ml/{self.pipeline}/exports/{name}"

    def quarantine_root(self) -> str:
        return f"quarantine/{self.pipeline}"

    def quarantine(self, dataset: str, day: date) -> str:
        """``dataset`` is a silver dataset name, or ``gold.<name>`` for a gold table."""
        return f"{self.quarantine_root()}/{dataset}/{day_dir(day)}"

    def state(self) -> str:
        return f"{STATE}/medallion/{self.pipeline}"

    def name(self, where: TableRef | str) -> str:
        """A table's dataset name, or a file's: its key under the lake root (the catalog identity).
        Keys are names already."""
        if isinstance(where, str):
            return where
        return where.uri[len(self.storage.url.rstrip("/")) + 1:]
