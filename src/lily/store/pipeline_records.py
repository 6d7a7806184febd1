"""Repository of pipeline run records (``pipeline_runs`` / ``pipeline_steps``), one tenant per call.

Saves are upserts (``rows.upsert``), so concurrent backfill threads never race an update against
an insert. Rows come back as they are stored;
``lily.pipelines.sql_recorder`` turns them into run and step records.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, Row, func, select

from lily.store.chunks import rows_in
from lily.store.rows import given, upsert
from lily.store.tables_pipelines import pipeline_runs, pipeline_steps


def save_run(conn: Connection, values: dict[str, Any]) -> None:
    """Insert or replace a run (``values`` holds every column, ``tenant_id`` and ``run_id`` included)."""
    upsert(conn, pipeline_runs, values, ["tenant_id", "run_id"])


def save_step(conn: Connection, values: dict[str, Any]) -> None:
    """Insert or replace a step (every column but ``position``): a new step is placed after the run's
    existing steps, a step saved again keeps its place."""
    t = pipeline_steps.c
    position = (select(func.coalesce(func.max(t.position), 0) + 1)
                .where(t.tenant_id == values["tenant_id"], t.run_id == values["run_id"]).scalar_subquery())
    upsert(conn, pipeline_steps, {**values, "position": position}, ["tenant_id", "run_id", "step"],
            keep=["position"])


def runs(conn: Connection, tenant_id: str, *, pipeline: str | None = None, process_date: date | None = None,
         state: str | None = None, start: date | None = None, end: date | None = None) -> list[Row[Any]]:
    """Runs ordered by ``(process_date, attempt, run_id)``; ``start``/``end`` bound the process date (inclusive)."""
    t = pipeline_runs.c
    q = select(pipeline_runs).where(t.tenant_id == tenant_id).filter_by(
        **given(pipeline=pipeline, process_date=process_date, state=state))
    if start is not None:
        q = q.where(t.process_date >= start)
    if end is not None:
        q = q.where(t.process_date <= end)
    return list(conn.execute(q.order_by(t.process_date, t.attempt, t.run_id)).all())


def get_run(conn: Connection, tenant_id: str, run_id: str) -> Row[Any] | None:
    t = pipeline_runs.c
    return conn.execute(select(pipeline_runs).where(t.tenant_id == tenant_id, t.run_id == run_id)).first()


def steps_of(conn: Connection, tenant_id: str, run_ids: list[str]) -> list[Row[Any]]:
    """Steps of the runs ``run_ids``, ordered by run and then by first save."""
    t = pipeline_steps.c
    return rows_in(conn, select(pipeline_steps).where(t.tenant_id == tenant_id).order_by(t.run_id, t.position),
                   t.run_id, run_ids)
