"""Fixtures for pipeline tests: a temp lake, a fake clock, a runner wired to in-memory sinks."""

from __future__ import annotations

import gzip
import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
import structlog

from lily import observability
from lily.pipelines.delta import read_all, read_partition
from lily.pipelines.lake import RAW, Lake
from lily.pipelines.runner import PipelineConfig, PipelineRunner
from lily.pipelines.runs import InMemoryRunRecorder
from lily.pipelines.sinks import InMemoryLineageSink, InMemoryMetadataSink
from tests.support.motoserver import ACCESS_KEY, REGION, SECRET_KEY, MotoServer


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


def make_harness(root: Path | Lake, clock: FakeClock | None = None) -> Harness:
    lake = root if isinstance(root, Lake) else Lake(root)
    lake.ensure()
    recorder, lineage, metadata = InMemoryRunRecorder(), InMemoryLineageSink(), InMemoryMetadataSink()
    clock = clock or FakeClock()
    runner = PipelineRunner(PipelineConfig(lake, threads=1), recorder=recorder, clock=clock,
                            lineage=lineage, metadata=metadata)
    return Harness(lake, runner, recorder, lineage, metadata, clock)


@pytest.fixture(scope="session")
def moto() -> Iterator[MotoServer]:
    """One S3 server for the session; each test gets a bucket of its own."""
    with MotoServer() as server:
        yield server


def s3_lake(server: MotoServer) -> Lake:
    """A lake at ``s3://<new bucket>/lake`` on ``server``, reached with the usual AWS settings."""
    bucket = f"lake-{uuid.uuid4().hex[:12]}"
    server.client("s3").create_bucket(Bucket=bucket)
    env = {"AWS_ENDPOINT_URL": server.url, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
           "AWS_REGION": REGION}
    return Lake.at(f"s3://{bucket}/lake", env)


# The log pipeline runs on a local directory and on S3 (moto): tests taking ``lake`` or ``harness``
# run on both; the ones that look at local files themselves use ``make_harness(tmp_path / ...)``.
LAKES = ["dir", "s3"]


@pytest.fixture(params=LAKES)
def any_lake(request: pytest.FixtureRequest, tmp_path: Path) -> Lake:
    if request.param == "s3":
        return s3_lake(request.getfixturevalue("moto"))
    return Lake(tmp_path / "lake")


@pytest.fixture
def harness(any_lake: Lake) -> Harness:
    return make_harness(any_lake)


@pytest.fixture
def lake(any_lake: Lake) -> Lake:
    any_lake.ensure()
    return any_lake


def access(ts: str, **extra: Any) -> dict[str, Any]:
    record: dict[str, Any] = {"ts": ts, "service": "shop", "host": "h1", "method": "GET", "path": "/p",
                              "status": 200, "latency_ms": 12.5, "user_id": "u1", "client_ip": "10.0.0.1"}
    record.update(extra)
    return record


def land(lake: Lake, name: str, data: bytes) -> str:
    """Put a file into the lake's ``raw/``; returns its key."""
    key = f"{RAW}/{name}"
    lake.storage.write_bytes(key, data)
    return key


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
    return rows(read_partition(lake.silver, "event_date", day))


def gold_day(lake: Lake, day: date) -> pa.Table | None:
    return read_partition(lake.gold, "event_date", day)


def all_rows(table: Any) -> list[dict[str, Any]]:
    return rows(read_all(table))


def partition_hashes(lake: Lake, table: str, exclude: str) -> dict[str, str]:
    """sha256 of every data file under the Delta table ``table`` (a key) except the partition
    directory ``exclude``."""
    out = {}
    for key in lake.storage.files(table):
        rel = key[len(table) + 1:]
        if not key.endswith(".parquet") or exclude in rel:
            continue
        out[rel] = hashlib.sha256(lake.storage.read_bytes(key)).hexdigest()
    return out

