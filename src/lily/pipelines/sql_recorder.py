"""``RunRecorder`` on the store: pipeline runs and steps in ``pipeline_runs`` / ``pipeline_steps``.

One recorder is bound to one tenant; every query filters on it. Saves are upserts (the runner saves
a new value of the same run or step on each state change), written with the dialect's
``INSERT ... ON CONFLICT DO UPDATE`` so concurrent backfill threads never race an update against
an insert. Run records are operational state, not catalog metadata, so they do not go through
``Store.apply`` (no change-feed entry per step transition).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Table, func, select
from sqlalchemy.dialects import postgresql, sqlite

from lily.pipelines.runs import RunRecord, State, StepRecord
from lily.store import Store
from lily.store.tables_pipelines import pipeline_runs, pipeline_steps


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
        # Both dialects spell an upsert the same way (ON CONFLICT ... DO UPDATE SET col = excluded.col).
        self._insert = postgresql.insert if store.dialect == "postgresql" else sqlite.insert

    def _upsert(self, conn: Connection, table: Table, values: dict[str, Any], keys: list[str],
                keep: Iterable[str] = ()) -> None:
        stmt = self._insert(table).values(**values)
        update = {name: stmt.excluded[name] for name in values if name not in keys and name not in set(keep)}
        conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=update))

    def save_run(self, run: RunRecord) -> None:
        values = {"tenant_id": self.tenant_id, "run_id": run.run_id, "pipeline": run.pipeline,
                  "process_date": run.process_date, "attempt": run.attempt, "state": run.state.value,
                  "trigger": run.trigger, "started_at": _utc(run.started_at), "finished_at": _utc(run.finished_at),
                  "error": run.error}
        with self.store.write() as conn:
            self._upsert(conn, pipeline_runs, values, ["tenant_id", "run_id"])

    def save_step(self, step: StepRecord) -> None:
        t = pipeline_steps
        # First save of a step appends it after the run's existing steps; later saves keep that place.
        position = (select(func.coalesce(func.max(t.c.position), 0) + 1)
                    .where(t.c.tenant_id == self.tenant_id, t.c.run_id == step.run_id).scalar_subquery())
        values = {"tenant_id": self.tenant_id, "run_id": step.run_id, "step": step.step, "position": position,
                  "state": step.state.value, "started_at": _utc(step.started_at),
                  "finished_at": _utc(step.finished_at), "rows_in": step.rows_in, "rows_out": step.rows_out,
                  "rows_rejected": step.rows_rejected, "error": step.error, "details": step.details}
        with self.store.write() as conn:
            self._upsert(conn, t, values, ["tenant_id", "run_id", "step"], keep=["position"])

    def runs(self, pipeline: str | None = None, process_date: date | None = None, *,
             state: State | None = None, start: date | None = None, end: date | None = None) -> list[RunRecord]:
        """Runs ordered by ``(process_date, attempt)``; ``start``/``end`` bound the process date (inclusive)."""
        t = pipeline_runs
        q = select(t).where(t.c.tenant_id == self.tenant_id)
        if pipeline is not None:
            q = q.where(t.c.pipeline == pipeline)
        if process_date is not None:
            q = q.where(t.c.process_date == process_date)
        if state is not None:
            q = q.where(t.c.state == state.value)
        if start is not None:
            q = q.where(t.c.process_date >= start)
        if end is not None:
            q = q.where(t.c.process_date <= end)
        with self.store.read() as conn:
            rows = conn.execute(q.order_by(t.c.process_date, t.c.attempt, t.c.run_id)).all()
        return [_run_from(r) for r in rows]

    def get_run(self, run_id: str) -> RunRecord | None:
        t = pipeline_runs
        with self.store.read() as conn:
            row = conn.execute(select(t).where(t.c.tenant_id == self.tenant_id, t.c.run_id == run_id)).first()
        return _run_from(row) if row else None

    def steps(self, run_id: str) -> list[StepRecord]:
        return self.steps_of([run_id]).get(run_id, [])

    def steps_of(self, run_ids: Iterable[str]) -> dict[str, list[StepRecord]]:
        """Steps of several runs in one query (run listings), each list in first-saved order."""
        ids = list(dict.fromkeys(run_ids))
        out: dict[str, list[StepRecord]] = {}
        if not ids:
            return out
        t = pipeline_steps
        with self.store.read() as conn:
            # Bounded IN lists: PostgreSQL and SQLite both cap bind parameters per statement.
            for k in range(0, len(ids), 500):
                rows = conn.execute(select(t).where(t.c.tenant_id == self.tenant_id, t.c.run_id.in_(ids[k:k + 500]))
                                    .order_by(t.c.run_id, t.c.position)).all()
                for r in rows:
                    out.setdefault(r.run_id, []).append(_step_from(r))
        return out


__all__ = ["SqlRunRecorder"]
