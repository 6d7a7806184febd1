"""Run records: what the runner tells a ``RunRecorder`` about each pipeline run and step.

The Protocol is deliberately small — upsert a run, upsert a step, read them back — so a SQL-store
implementation is a couple of tables. ``InMemoryRunRecorder`` backs the tests; ``JsonFileRunRecorder``
lets the CLI work standalone (state in ``<lake>/_lily/runs.json``).

Records are immutable values; the runner saves a new value on every state change (RUNNING, then
SUCCEEDED/FAILED), keyed by ``run_id`` (and ``step`` for steps). Times come from the runner's
injected clock; pipeline *outputs* never depend on them.
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from lily.pipelines.storage import LakeStorage, open_storage


class State(StrEnum):
    QUEUED = "QUEUED"  # accepted (API, schedule) and waiting for a worker; run id already fixed
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"  # already succeeded in an earlier attempt of the same run (resume)


@dataclass(frozen=True)
class RunRecord:
    """One run of a pipeline for one ``process_date``. ``attempt`` counts fresh runs of that day;
    resuming a failed run keeps its ``run_id`` and ``attempt``."""

    run_id: str
    pipeline: str
    process_date: date
    attempt: int
    state: State
    started_at: datetime
    finished_at: datetime | None = None
    error: str | None = None
    trigger: str = "manual"  # manual | schedule | backfill | reopened


@dataclass(frozen=True)
class StepRecord:
    """One step of a run, with row counts. ``details`` holds step-specific extras (reject reasons,
    rejected files) as JSON-compatible values."""

    run_id: str
    step: str
    state: State
    started_at: datetime
    finished_at: datetime | None = None
    rows_in: int = 0
    rows_out: int = 0
    rows_rejected: int = 0
    error: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def duration_s(self) -> float | None:
        return (self.finished_at - self.started_at).total_seconds() if self.finished_at else None


@runtime_checkable
class RunRecorder(Protocol):
    """Persistence of runs and steps. Implementations must be safe to call from several threads."""

    def save_run(self, run: RunRecord) -> None:
        """Insert or replace the run with ``run.run_id``."""
        ...

    def save_step(self, step: StepRecord) -> None:
        """Insert or replace the step ``(step.run_id, step.step)``."""
        ...

    def runs(self, pipeline: str | None = None, process_date: date | None = None) -> list[RunRecord]:
        """Runs, optionally filtered, ordered by ``(process_date, attempt)``."""
        ...

    def steps(self, run_id: str) -> list[StepRecord]:
        """Steps of a run in the order they were first saved."""
        ...


def latest_run(recorder: RunRecorder, pipeline: str, process_date: date) -> RunRecord | None:
    found = recorder.runs(pipeline, process_date)
    return found[-1] if found else None


def _sort_key(run: RunRecord) -> tuple[date, int]:
    return (run.process_date, run.attempt)


class InMemoryRunRecorder:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._runs: dict[str, RunRecord] = {}
        self._steps: dict[str, dict[str, StepRecord]] = {}

    def save_run(self, run: RunRecord) -> None:
        with self._lock:
            self._runs[run.run_id] = run

    def save_step(self, step: StepRecord) -> None:
        with self._lock:
            self._steps.setdefault(step.run_id, {})[step.step] = step

    def runs(self, pipeline: str | None = None, process_date: date | None = None) -> list[RunRecord]:
        with self._lock:
            found = [r for r in self._runs.values()
                     if (pipeline is None or r.pipeline == pipeline)
                     and (process_date is None or r.process_date == process_date)]
        return sorted(found, key=_sort_key)

    def steps(self, run_id: str) -> list[StepRecord]:
        with self._lock:
            return list(self._steps.get(run_id, {}).values())


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _run_from(d: dict[str, Any]) -> RunRecord:
    return RunRecord(**{**d, "process_date": date.fromisoformat(d["process_date"]), "state": State(d["state"]),
                        "started_at": datetime.fromisoformat(d["started_at"]),
                        "finished_at": datetime.fromisoformat(d["finished_at"]) if d["finished_at"] else None})


def _step_from(d: dict[str, Any]) -> StepRecord:
    return StepRecord(**{**d, "state": State(d["state"]), "started_at": datetime.fromisoformat(d["started_at"]),
                         "finished_at": datetime.fromisoformat(d["finished_at"]) if d["finished_at"] else None})


class JsonFileRunRecorder(InMemoryRunRecorder):
    """``InMemoryRunRecorder`` persisted to one JSON file (rewritten atomically on each save): a
    local ``path``, or a key of a lake's storage (``in_lake``: the lake may be on S3)."""

    def __init__(self, path: Path | tuple[LakeStorage, str]) -> None:
        super().__init__()
        self._storage, self._key = (open_storage(path.parent), path.name) if isinstance(path, Path) else path
        if self._storage.exists(self._key):
            data = json.loads(self._storage.read_bytes(self._key))
            for d in data.get("runs", []):
                run = _run_from(d)
                self._runs[run.run_id] = run
            for d in data.get("steps", []):
                step = _step_from(d)
                self._steps.setdefault(step.run_id, {})[step.step] = step

    def _flush(self) -> None:
        with self._lock:
            data = {
                "runs": [{k: _encode(v) for k, v in asdict(r).items()} for r in self._runs.values()],
                "steps": [{k: _encode(v) for k, v in asdict(s).items()}
                          for steps in self._steps.values() for s in steps.values()],
            }
            self._storage.write_bytes(self._key, json.dumps(data, indent=1, sort_keys=True).encode())

    @classmethod
    def in_lake(cls, storage: LakeStorage, key: str = "_lily/runs.json") -> JsonFileRunRecorder:
        return cls((storage, key))

    def save_run(self, run: RunRecord) -> None:
        super().save_run(run)
        self._flush()

    def save_step(self, step: StepRecord) -> None:
        super().save_step(step)
        self._flush()


__all__ = ["InMemoryRunRecorder", "JsonFileRunRecorder", "RunRecord", "RunRecorder", "State", "StepRecord",
           "latest_run"]
