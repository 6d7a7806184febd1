"""Lake layout: where each zone lives under one configurable root (a directory or an S3 prefix).

Zones (see docs/pipelines.md), as keys under the root:

- ``raw/``                     landing, immutable; cleared once a file is ingested
- ``bronze/<format>/event_date=YYYY-MM-DD/``   validated files routed by event date
- ``silver/logs``              Delta table, canonical records, partitioned by log_type, event_date
- ``gold/daily_activity``      Delta table, daily aggregates, partitioned by event_date
- ``rejected/system/<stage>/`` file/job-level failures, each with a ``.reason.json``
- ``rejected/data_quality``    Delta table, row-level failures with the reason per row
- ``archive/<format>/``        originals as ``<name>_<ingest_ts>_<run_id>``
- ``_lily/``                   pipeline state (reopened-day markers, file-backed run records)

Files are read and written through ``storage`` (``lily.pipelines.storage``), so the same code runs
on a local directory and on ``s3://bucket/prefix``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from lily.pipelines.storage import LakeStorage, TableRef, is_url, open_storage

LAKE_ROOT_ENV = "LILY_LAKE_ROOT"
LAKE_URL_ENV = "LILY_LAKE_URL"
DEFAULT_LAKE_ROOT = "./.lily/lake"

RAW = "raw"
BRONZE = "bronze"
ARCHIVE = "archive"
REJECTED_SYSTEM = "rejected/system"
STATE = "_lily"
SILVER_TABLE = "silver/logs"
GOLD_TABLE = "gold/daily_activity"
REJECTED_DQ_TABLE = "rejected/data_quality"


def lake_root_from_env(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The local lake root: an explicit value, else ``$LILY_LAKE_ROOT``, else ``./.lily/lake``."""
    value = explicit if explicit is not None else os.environ.get(LAKE_ROOT_ENV, DEFAULT_LAKE_ROOT)
    return Path(value).expanduser().resolve()


def lake_location(explicit: str | os.PathLike[str] | None = None) -> str | Path:
    """The lake root: an explicit value, else ``$LILY_LAKE_URL`` (``s3://bucket/prefix`` or a
    directory), else the local root of ``lake_root_from_env``."""
    if explicit is not None:
        return str(explicit) if is_url(explicit) else lake_root_from_env(explicit)
    url = os.environ.get(LAKE_URL_ENV)
    return url if url and is_url(url) else lake_root_from_env(url or None)


@dataclass(frozen=True)
class Lake:
    """The zones under ``root``, a directory or an ``s3://`` URL. Creating a ``Lake`` touches
    nothing; ``storage`` defaults to the one ``root`` names (AWS settings from the environment)."""

    root: Path | str
    storage: LakeStorage = field(default=None, repr=False, compare=False)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        storage = self.storage or open_storage(self.root)
        object.__setattr__(self, "storage", storage)
        if not is_url(self.root):
            object.__setattr__(self, "root", Path(storage.base))

    @classmethod
    def at(cls, root: str | os.PathLike[str], env: Mapping[str, str] | None = None) -> Lake:
        """A lake at ``root`` with AWS settings from ``env`` rather than the process environment."""
        return cls(str(root) if is_url(root) else Path(root), open_storage(root, env))

    @property
    def is_local(self) -> bool:
        return isinstance(self.root, Path)

    def local(self, key: str) -> Path:
        """``key`` as a local path, for callers that only work on a directory lake."""
        if not isinstance(self.root, Path):
            raise ValueError(f"{key} of the lake at {self.root} is not a local path (this needs a directory lake)")
        return self.root / key

    # Local paths of zones, for directory-only callers (tests, file-backed run records).
    @property
    def raw(self) -> Path:
        return self.local(RAW)

    @property
    def state(self) -> Path:
        return self.local(STATE)

    def table(self, key: str) -> TableRef:
        return self.storage.table(key)

    @property
    def silver(self) -> TableRef:
        return self.table(SILVER_TABLE)

    @property
    def gold(self) -> TableRef:
        return self.table(GOLD_TABLE)

    @property
    def rejected_dq(self) -> TableRef:
        return self.table(REJECTED_DQ_TABLE)

    @property
    def silver_uri(self) -> str:
        return self.silver.uri

    @property
    def gold_uri(self) -> str:
        return self.gold.uri

    @property
    def rejected_dq_uri(self) -> str:
        return self.rejected_dq.uri

    def namespace(self) -> str:
        """Default OpenLineage namespace of the lake's datasets."""
        return f"file://{self.root}" if self.is_local else str(self.root).rstrip("/")

    @staticmethod
    def bronze_partition(fmt: str, day: date) -> str:
        return f"{BRONZE}/{fmt}/event_date={day.isoformat()}"

    def ensure(self) -> None:
        """Create the directory zones (Delta tables create themselves on first write; S3 has no
        directories, so nothing happens there)."""
        for key in (RAW, BRONZE, ARCHIVE, REJECTED_SYSTEM, STATE):
            self.storage.ensure_dir(key)
