"""Fixtures for declared pipelines: a lake, fixed keys, a frozen clock, small pipeline files."""

from __future__ import annotations

import hashlib
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from deltalake import DeltaTable

from lily.anonymize import KeyRing
from lily.medallion.demo_crm import generate, write_files
from lily.medallion.runner import MedallionRunner, RunnerConfig
from lily.medallion.validate import load_pipeline
from lily.pipelines.lake import Lake
from lily.pipelines.runs import InMemoryRunRecorder

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
        uri = self.lake.root / zone / self.runner.pipeline.name / name
        return DeltaTable(str(uri)).to_pyarrow_table() if DeltaTable.is_deltatable(str(uri)) else None

    def steps(self, run_id: str) -> dict[str, Any]:
        return {s.step: s for s in self.recorder.steps(run_id)}


def make_harness(root: Path, pipeline: Path = CRM_YAML, *, clock: Callable[[], datetime] | None = None,
                 env: Mapping[str, str] | None = None) -> Harness:
    lake = Lake(root.resolve())
    lake.ensure()
    recorder = InMemoryRunRecorder()
    runner = MedallionRunner(load_pipeline(pipeline), RunnerConfig(lake, threads=1, env=env), recorder=recorder,
                             clock=clock or FrozenClock(), keys=KEYS)
    return Harness(lake, runner, recorder)


def demo(lake: Lake, days: int = 1, *, customers: int = 100, orders: int = 40, first: date = D1) -> None:
    write_files(lake.root, generate(first, days, 7, customers=customers, orders_per_day=orders))


def write_pipeline(directory: Path, name: str, body: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.yaml"
    path.write_text(textwrap.dedent(body).lstrip())
    return path


def land(lake: Lake, name: str, data: bytes | str) -> Path:
    """Write a source file at ``name`` (relative to the lake root)."""
    path = lake.root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def files_digest(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root`` except Delta logs (relative path -> digest)."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and "_delta_log" not in p.parts}


@pytest.fixture
def harness(tmp_path: Path) -> Harness:
    h = make_harness(tmp_path / "lake")
    demo(h.lake)
    return h
