"""``RunRecorder`` on the store: pipeline runs and steps, through ``lily.store.pipeline_records``.

One recorder is bound to one tenant; every query filters on it. Saves are upserts (the runner saves
a new value of the same run or step on each state change), so concurrent backfill threads never race
an update against an insert. Run records are operational state, not catalog metadata, so they do
not go through ``Store.apply`` (no change-feed entry per step transition).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from lily.pipelines.runs import RunRecord, State, StepRecord
from lily.store import Store
from lily.store import pipeline_records as repo


def _utc(value: datetime | None) -> datetime | None:
    """To the database: UTC (SQLite stores no zone, so naive-in-UTC there)."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("run record times must be timezone-aware")
    return value.astimezone(UTC)


def _aware(value: datetime | None) -> datetime | None:
    """From the database: always aware, in UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _run_from(row: Any) -> RunRecord:
    return RunRecord(run_id=row.run_id, pipeline=row.pipeline, process_date=row.process_date, attempt=row.attempt,
                     state=State(row.state), started_at=_aware(row.started_at),  # type: ignore[arg-type]
                     finished_at=_aware(row.finished_at), error=row.error, trigger=row.trigger)


def _step_from(row: Any) -> StepRecord:
    return StepRecord(run_id=row.run_id, step=row.step, state=State(row.state),
                      started_at=_aware(row.started_at),  # type: ignore[arg-type]
                      finished_at=_aware(row.finished_at), rows_in=row.rows_in, rows_out=row.rows_out,
                      rows_rejected=row.rows_rejected, error=row.error, details=dict(row.details or {}))


class SqlRunRecorder:
    """Run records of one tenant in the Lily store (SQLite or PostgreSQL)."""

    def __init__(self, store: Store, tenant_id: str) -> None:
        self.store = store
        self.tenant_id = tenant_id

    def save_run(self, run: RunRecord) -> None:
        values = {"tenant_id": self.tenant_id, "run_id": run.run_id, "pipeline": run.pipeline,
                  "process_date": run.process_date, "attempt": run.attempt, "state": run.state.value,
                  "trigger": run.trigger, "started_at": _utc(run.started_at), "finished_at": _utc(run.finished_at),
                  "error": run.error}
        with self.store.write() as conn:
            repo.save_run(conn, values)

    def save_step(self, step: StepRecord) -> None:
        values = {"tenant_id": self.tenant_id, "run_id": step.run_id, "step": step.step,
                  "state": step.state.value, "started_at": _utc(step.started_at),
                  "finished_at": _utc(step.finished_at), "rows_in": step.rows_in, "rows_out": step.rows_out,
                  "rows_rejected": step.rows_rejected, "error": step.error, "details": step.details}
        with self.store.write() as conn:
            repo.save_step(conn, values)

    def runs(self, pipeline: str | None = None, process_date: date | None = None, *,
             state: State | None = None, start: date | None = None, end: date | None = None) -> list[RunRecord]:
        """Runs ordered by ``(process_date, attempt)``; ``start``/``end`` bound the process date (inclusive)."""
        with self.store.read() as conn:
            rows = repo.runs(conn, self.tenant_id, pipeline=pipeline, process_date=process_date,
                             state=state.value if state is not None else None, start=start, end=end)
        return [_run_from(r) for r in rows]

    def get_run(self, run_id: str) -> RunRecord | None:
        with self.store.read() as conn:
            row = repo.get_run(conn, self.tenant_id, run_id)
        return _run_from(row) if row else None

    def steps(self, run_id: str) -> list[StepRecord]:
        return self.steps_of([run_id]).get(run_id, [])

    def steps_of(self, run_ids: Iterable[str]) -> dict[str, list[StepRecord]]:
        """Steps of several runs in one query (run listings), each list in first-saved order."""
        ids = list(dict.fromkeys(run_ids))
        out: dict[str, list[StepRecord]] = {}
        if not ids:
            return out
        with self.store.read() as conn:
            rows = repo.steps_of(conn, self.tenant_id, ids)
        for r in rows:
            out.setdefault(r.run_id, []).append(_step_from(r))
        return out


__all__ = ["SqlRunRecorder"]
