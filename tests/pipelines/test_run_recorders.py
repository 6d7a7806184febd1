"""Contract: every ``RunRecorder`` (in memory, JSON file, SQL store on SQLite and PostgreSQL) behaves
the same for the cases the runner and the API rely on."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from lily.bootstrap import ensure_tenant
from lily.pipelines.runs import (
    InMemoryRunRecorder,
    JsonFileRunRecorder,
    RunRecord,
    RunRecorder,
    State,
    StepRecord,
    latest_run,
)
from lily.pipelines.sql_recorder import SqlRunRecorder
from lily.store import Store

T0 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
D1 = date(2024, 3, 1)


@dataclass
class Backend:
    make: Callable[[], RunRecorder]  # a recorder over the same storage each call
    durable: bool  # a new recorder sees what an earlier one saved


@pytest.fixture(params=["memory", "json", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "memory":
        shared = InMemoryRunRecorder()
        yield Backend(lambda: shared, durable=False)
        return
    if request.param == "json":
        yield Backend(lambda: JsonFileRunRecorder(tmp_path / "runs.json"), durable=True)
        return
    store = Store.from_url(request.getfixturevalue(f"{request.param}_url"))
    ensure_tenant(store, "default")
    yield Backend(lambda: SqlRunRecorder(store, "default"), durable=True)
    store.dispose()


def run(day: date = D1, attempt: int = 1, *, pipeline: str = "logs", state: State = State.RUNNING) -> RunRecord:
    return RunRecord(f"{pipeline}-{day}-{attempt}", pipeline, day, attempt, state, T0, trigger="backfill")


def test_saving_a_run_again_replaces_it(backend: Backend) -> None:
    rec = backend.make()
    first = run()
    rec.save_run(first)
    done = replace(first, state=State.FAILED, finished_at=T0 + timedelta(seconds=9), error="normalize: boom")
    rec.save_run(done)
    assert rec.runs() == [done]
    assert latest_run(rec, "logs", D1) == done


def test_runs_are_ordered_by_day_then_attempt_and_filtered(backend: Backend) -> None:
    rec = backend.make()
    saved = [run(D1 + timedelta(days=1), 1), run(D1, 2), run(D1, 1), run(D1, 1, pipeline="other")]
    for r in saved:
        rec.save_run(r)
    assert [(r.process_date, r.attempt) for r in rec.runs("logs")] == [(D1, 1), (D1, 2), (D1 + timedelta(days=1), 1)]
    assert rec.runs("logs", D1) == [saved[2], saved[1]]
    assert rec.runs("other") == [saved[3]]
    assert rec.runs("nope") == [] and rec.runs("logs", D1 - timedelta(days=1)) == []
    assert len(rec.runs()) == 4
    assert latest_run(rec, "logs", D1) == saved[1]
    assert latest_run(rec, "logs", D1 - timedelta(days=9)) is None


def test_steps_keep_first_saved_order_and_their_values(backend: Backend) -> None:
    rec = backend.make()
    r = run()
    rec.save_run(r)
    for name in ("ingest", "normalize", "aggregate"):
        rec.save_step(StepRecord(r.run_id, name, State.RUNNING, T0))
    details = {"unit": "records", "reject_reasons": {"invalid_status": 2}, "rejected_files": [{"file": "a"}]}
    final = StepRecord(r.run_id, "ingest", State.SUCCEEDED, T0, T0 + timedelta(seconds=2.5), 10, 8, 2,
                       details=details)
    rec.save_step(final)  # a later save of the first step does not move it
    steps = rec.steps(r.run_id)
    assert [s.step for s in steps] == ["ingest", "normalize", "aggregate"]
    assert steps[0] == final and steps[0].duration_s == 2.5
    assert steps[1] == StepRecord(r.run_id, "normalize", State.RUNNING, T0)
    assert rec.steps("unknown-run") == []


def test_times_come_back_aware_and_equal_whatever_offset_they_had(backend: Backend) -> None:
    rec = backend.make()
    plus2 = timezone(timedelta(hours=2))
    r = replace(run(), started_at=datetime(2030, 5, 1, 9, 30, 15, 123456, tzinfo=plus2),
                finished_at=datetime(2030, 5, 1, 7, 45, tzinfo=UTC), state=State.SUCCEEDED)
    rec.save_run(r)
    back = rec.runs()[0]
    assert back == r
    assert back.started_at.utcoffset() is not None and back.finished_at is not None
    assert back.started_at.astimezone(UTC) == datetime(2030, 5, 1, 7, 30, 15, 123456, tzinfo=UTC)


def test_records_survive_a_new_recorder_when_durable(backend: Backend) -> None:
    rec = backend.make()
    r = replace(run(state=State.SUCCEEDED), finished_at=T0 + timedelta(minutes=1))
    rec.save_run(r)
    rec.save_step(StepRecord(r.run_id, "ingest", State.SKIPPED, T0, T0, details={"why": "ingest not requested"}))
    again = backend.make()
    if backend.durable:
        assert again is not rec
    assert again.runs() == [r]
    assert [s.details for s in again.steps(r.run_id)] == [{"why": "ingest not requested"}]


def test_concurrent_saves_from_backfill_threads_all_land(backend: Backend) -> None:
    rec = backend.make()
    days = [D1 + timedelta(days=k) for k in range(12)]

    def one_day(day: date) -> None:
        r = run(day)
        rec.save_run(r)
        for name in ("ingest", "normalize"):
            rec.save_step(StepRecord(r.run_id, name, State.RUNNING, T0))
            rec.save_step(StepRecord(r.run_id, name, State.SUCCEEDED, T0, T0 + timedelta(seconds=1), 5, 5))
        rec.save_run(replace(r, state=State.SUCCEEDED, finished_at=T0 + timedelta(seconds=3)))

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(one_day, days))
    found = rec.runs("logs")
    assert [r.process_date for r in found] == days and {r.state for r in found} == {State.SUCCEEDED}
    for r in found:
        steps = rec.steps(r.run_id)
        assert [(s.step, s.state) for s in steps] == [("ingest", State.SUCCEEDED), ("normalize", State.SUCCEEDED)]


def test_sql_recorder_is_tenant_scoped(sqlite_url: str) -> None:
    store = Store.from_url(sqlite_url)
    for tenant in ("default", "other"):
        ensure_tenant(store, tenant)
    mine, theirs = SqlRunRecorder(store, "default"), SqlRunRecorder(store, "other")
    r = run()
    mine.save_run(r)
    mine.save_step(StepRecord(r.run_id, "ingest", State.RUNNING, T0))
    assert theirs.runs() == [] and theirs.steps(r.run_id) == [] and theirs.get_run(r.run_id) is None
    # the same deterministic run id in another tenant is a separate record
    theirs.save_run(replace(r, state=State.FAILED))
    assert mine.get_run(r.run_id) == r and theirs.runs()[0].state is State.FAILED
    assert mine.runs(state=State.FAILED) == [] and mine.runs(start=D1, end=D1) == [r]
    store.dispose()
