"""Lake layout: where each zone lives under one configurable root directory.

Zones (see docs/pipelines.md):

- ``raw/``                     landing, immutable; cleared once a file is ingested
- ``bronze/<format>/event_date=YYYY-MM-DD/``   validated files routed by event date
- ``silver/logs``              Delta table, canonical records, partitioned by log_type, event_date
- ``gold/daily_activity``      Delta table, daily aggregates, partitioned by event_date
- ``rejected/system/<stage>/`` file/job-level failures, each with a ``.reason.json``
- ``rejected/data_quality``    Delta table, row-level failures with the reason per row
- ``archive/<format>/``        originals as ``<name>_<ingest_ts>_<run_id>``
- ``_lily/``                   pipeline state (reopened-day markers, file-backed run records)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

LAKE_ROOT_ENV = "LILY_LAKE_ROOT"
DEFAULT_LAKE_ROOT = "./.lily/lake"

SILVER_TABLE = "silver/logs"
GOLD_TABLE = "gold/daily_activity"
REJECTED_DQ_TABLE = "rejected/data_quality"


def lake_root_from_env(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The lake root: an explicit value, else ``$LILY_LAKE_ROOT``, else ``./.lily/lake``."""
    value = explicit if explicit is not None else os.environ.get(LAKE_ROOT_ENV, DEFAULT_LAKE_ROOT)
    return Path(value).expanduser().resolve()


@dataclass(frozen=True)
class Lake:
    """Paths of the zones under ``root``. Creating a ``Lake`` touches nothing on disk."""

    root: Path

    @property
    def raw(self) -> Path:
        return self.root / "raw"

    @property
    def bronze(self) -> Path:
        return self.root / "bronze"

    @property
    def archive(self) -> Path:
        return self.root / "archive"

    @property
    def rejected_system(self) -> Path:
        return self.root / "rejected" / "system"

    @property
    def state(self) -> Path:
        return self.root / "_lily"

    @property
    def silver_uri(self) -> str:
        return str(self.root / SILVER_TABLE)

    @property
    def gold_uri(self) -> str:
        return str(self.root / GOLD_TABLE)

    @property
    def rejected_dq_uri(self) -> str:
        return str(self.root / REJECTED_DQ_TABLE)

    def namespace(self) -> str:
        """Default OpenLineage namespace of the lake's datasets."""
        return f"file://{self.root}"

    def bronze_partition(self, fmt: str, day: date) -> Path:
        return self.bronze / fmt / f"event_date={day.isoformat()}"

    def ensure(self) -> None:
        """Create the directory zones (Delta tables create themselves on first write)."""
        for path in (self.raw, self.bronze, self.archive, self.rejected_system, self.state):
            path.mkdir(parents=True, exist_ok=True)

    def relative(self, path: Path) -> str:
        """``path`` relative to the root with ``/`` separators: outputs never embed the root, so
        the same inputs give the same rows wherever the lake is mounted."""
        return path.resolve().relative_to(self.root).as_posix()
