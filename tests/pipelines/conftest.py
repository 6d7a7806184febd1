"""Fixtures for pipeline tests: a temp lake, a fake clock, a runner wired to in-memory sinks."""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
import structlog

from lily import observability
from lily.pipelines.delta import read_all, read_partition
from lily.pipelines.lake import Lake
from lily.pipelines.runner import PipelineConfig, PipelineRunner
from lily.pipelines.runs import InMemoryRunRecorder
from lily.pipelines.sinks import InMemoryLineageSink, InMemoryMetadataSink


@pytest.fixture(autouse=True)
def _logs_to_a_live_stream() -> None:
    """CLI tests elsewhere configure structlog (cached loggers) with the stderr pytest captured for
    them, which is closed afterwards; pipeline code logs on error paths, so give it a live stream."""
    structlog.reset_defaults()
    observability.log.__dict__.pop("bind", None)  # drop the logger cached on first use


class FakeClock:
    """Deterministic clock: each call advances one second."""

    def __init__(self, start: datetime = datetime(2030, 1, 1, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@dataclass
class Harness:
    lake: Lake
    runner: PipelineRunner
    recorder: InMemoryRunRecorder
    lineage: InMemoryLineageSink
    metadata: InMemoryMetadataSink
    clock: FakeClock


def make_harness(root: Path, clock: FakeClock | None = None) -> Harness:
    lake = Lake(root)
    lake.ensure()
    recorder, lineage, metadata = InMemoryRunRecorder(), InMemoryLineageSink(), InMemoryMetadataSink()
    clock = clock or FakeClock()
    runner = PipelineRunner(PipelineConfig(lake, threads=1), recorder=recorder, clock=clock,
                            lineage=lineage, metadata=metadata)
    return Harness(lake, runner, recorder, lineage, metadata, clock)


@pytest.fixture
def harness(tmp_path: Path) -> Harness:
    return make_harness(tmp_path / "lake")


@pytest.fixture
def lake(tmp_path: Path) -> Lake:
    lk = Lake(tmp_path / "lake")
    lk.ensure()
    return lk


def access(ts: str, **extra: Any) -> dict[str, Any]:
    record: dict[str, Any] = {"ts": ts, "service": "shop", "host": "h1", "method": "GET", "path": "/p",
                              "status": 200, "latency_ms": 12.5, "user_id": "u1", "client_ip": "10.0.0.1"}
    record.update(extra)
    return record


def land(lake: Lake, name: str, data: bytes) -> Path:
    path = lake.raw / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def ndjson(records: list[dict[str, Any]]) -> bytes:
    return ("\n".join(json.dumps(r) for r in records) + "\n").encode()


def gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def day_records(day: date, n: int, **extra: Any) -> list[dict[str, Any]]:
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return [access((start + timedelta(seconds=60 * i)).isoformat(), user_id=f"u{i % 7}", **extra)
            for i in range(n)]


def rows(table: pa.Table | None, drop: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Rows as sorted JSON strings: order-insensitive, exact comparison."""
    if table is None:
        return []
    keep = [c for c in table.column_names if c not in drop]
    return sorted(json.dumps(r, sort_keys=True, default=str) for r in table.select(keep).to_pylist())


def silver_day(lake: Lake, day: date) -> list[dict[str, Any]]:
    return rows(read_partition(lake.silver_uri, "event_date", day))


def gold_day(lake: Lake, day: date) -> pa.Table | None:
    return read_partition(lake.gold_uri, "event_date", day)


def all_rows(uri: str) -> list[dict[str, Any]]:
    return rows(read_all(uri))


def partition_hashes(table_root: Path, exclude: str) -> dict[str, str]:
    """sha256 of every data file under a Delta table except the partition directory ``exclude``."""
    out = {}
    for path in sorted(table_root.rglob("*.parquet")):
        rel = path.relative_to(table_root).as_posix()
        if exclude in rel:
            continue
        out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out

