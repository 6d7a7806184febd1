"""Fixtures for declared pipelines: a lake, fixed keys, a frozen clock, small pipeline files."""

from __future__ import annotations

import hashlib
import textwrap
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from lily.anonymize import KeyRing
from lily.medallion.demo_crm import generate, write_files
from lily.medallion.runner import MedallionRunner, RunnerConfig
from lily.medallion.validate import load_pipeline
from lily.pipelines.delta import read_all
from lily.pipelines.lake import Lake
from lily.pipelines.runs import InMemoryRunRecorder
from tests.pipelines.conftest import s3_lake
from tests.support.motoserver import MotoServer

REPO = Path(__file__).resolve().parents[2]
CRM_YAML = REPO / "pipelines" / "crm.yaml"
KEYS = KeyRing(hmac_key=b"h" * 32, encryption_key=b"e" * 32)
FROZEN = datetime(2099, 12, 31, 23, 59, tzinfo=UTC)
D1, D2, D3 = date(2024, 1, 1), date(2024, 1, 2), date(2024, 1, 3)


class FrozenClock:
    def __init__(self, at: datetime = FROZEN) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@dataclass
class Harness:
    lake: Lake
    runner: MedallionRunner
    recorder: InMemoryRunRecorder

    def table(self, zone: str, name: str) -> pa.Table | None:
        return read_all(self.lake.table(f"{zone}/{self.runner.pipeline.name}/{name}"))

    def read(self, key: str) -> bytes:
        """A file of the lake (a directory or S3), by its key."""
        return self.lake.storage.read_bytes(key)

    def exists(self, key: str) -> bool:
        return self.lake.storage.exists(key)

    def steps(self, run_id: str) -> dict[str, Any]:
        return {s.step: s for s in self.recorder.steps(run_id)}


def make_harness(root: Path | Lake, pipeline: Path = CRM_YAML, *, clock: Callable[[], datetime] | None = None,
                 env: Mapping[str, str] | None = None) -> Harness:
    lake = root if isinstance(root, Lake) else Lake(root.resolve())
    lake.ensure()
    recorder = InMemoryRunRecorder()
    runner = MedallionRunner(load_pipeline(pipeline), RunnerConfig(lake, threads=1, env=env), recorder=recorder,
                             clock=clock or FrozenClock(), keys=KEYS)
    return Harness(lake, runner, recorder)


def demo(lake: Lake, days: int = 1, *, customers: int = 100, orders: int = 40, first: date = D1) -> None:
    write_files(lake.storage, generate(first, days, 7, customers=customers, orders_per_day=orders))


def write_pipeline(directory: Path, name: str, body: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.yaml"
    path.write_text(textwrap.dedent(body).lstrip())
    return path


def land(lake: Lake, name: str, data: bytes | str) -> str:
    """Write a source file at key ``name`` (relative to the lake root, on a directory or S3)."""
    lake.storage.write_bytes(name, data.encode() if isinstance(data, str) else data)
    return name


def files_digest(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root`` except Delta logs (relative path -> digest)."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and "_delta_log" not in p.parts}


@pytest.fixture(scope="session")
def moto() -> Iterator[MotoServer]:
    """One S3 server for the session; each lake gets a bucket of its own."""
    with MotoServer() as server:
        yield server


# The representative end-to-end runs (the demo CRM, quarantine and a fixed re-run) go over a
# directory and over S3 (moto); tests that look at engine or file details stay on a directory.
LAKES = ["dir", "s3"]


def lake_for(kind: str, request: pytest.FixtureRequest, directory: Path) -> Lake:
    return s3_lake(request.getfixturevalue("moto")) if kind == "s3" else Lake(directory.resolve())


@pytest.fixture
def harness(tmp_path: Path) -> Harness:
    h = make_harness(tmp_path / "lake")
    demo(h.lake)
    return h
