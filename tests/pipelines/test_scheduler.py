"""The schedule inside ``lily serve``: which days a tick submits, restarts, the thread, the lifespan."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from lily.bootstrap import ensure_tenant
from lily.pipelines import demo
from lily.pipelines.lake import Lake
from lily.pipelines.runs import RunRecord, State
from lily.pipelines.scheduler import PipelineScheduler, PipelineSchedules
from lily.pipelines.service import PipelineService
from lily.store import Store

CRON = "0 2 * * *"  # 02:00 UTC daily processes yesterday


class SetClock:
    """A clock the test moves; each read advances a millisecond so records keep their order."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def set(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now


@pytest.fixture
def store(sqlite_url: str) -> Iterator[Store]:
    s = Store.from_url(sqlite_url)
    ensure_tenant(s, "default")
    yield s
    s.dispose()


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2024, 3, day, hour, minute, tzinfo=UTC)


def test_ticks_submit_due_days_once_and_a_restart_catches_up(store: Store, tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    lake.ensure()
    demo.write_files(lake, demo.generate(date(2024, 3, 4), 1, seed=2, per_file=10))
    clock = SetClock(at(5, 2, 30))
    service = PipelineService(store, lake, clock=clock, threads=1)
    scheduler = PipelineScheduler(service, CRON, clock=clock)

    assert scheduler.tick() == [date(2024, 3, 4)]  # first start: only the latest fire
    assert service.wait_idle(60)
    clock.set(at(5, 23))
    assert scheduler.tick() == []  # no fire since
    clock.set(at(6, 2, 10))
    assert scheduler.tick() == [date(2024, 3, 5)]
    assert service.wait_idle(60)

    runs = service.recorder().runs("logs")
    assert [(r.process_date, r.trigger, r.state) for r in runs] == [
        (date(2024, 3, 4), "schedule", State.SUCCEEDED), (date(2024, 3, 5), "schedule", State.SUCCEEDED)]
    norm = next(s for s in service.recorder().steps(runs[0].run_id) if s.step == "normalize")
    assert norm.rows_out > 0

    # A new process three days later: the fires it missed are run, the ones already run are not.
    clock.set(at(9, 3))
    restarted = PipelineScheduler(PipelineService(store, lake, clock=clock, threads=1), CRON, clock=clock)
    assert restarted.tick() == [date(2024, 3, 6), date(2024, 3, 7), date(2024, 3, 8)]
    assert restarted.service.wait_idle(60)
    assert [r.process_date.day for r in restarted.service.recorder().runs("logs")] == [4, 5, 6, 7, 8]
    service.stop()
    restarted.service.stop()


class RecordingService(PipelineService):
    """The real service with submissions recorded and execution left out (thread test)."""

    def __init__(self, store: Store, lake: Lake) -> None:
        super().__init__(store, lake)
        self.submitted: list[tuple[list[date], str]] = []
        self.ticked = threading.Event()

    def submit(self, pipeline: str, days: list[date], *, trigger: str, parallel: int = 1) -> list[RunRecord]:
        self.submitted.append((days, trigger))
        self.ticked.set()
        return []


def test_thread_ticks_at_start_and_stops_without_waiting_for_the_poll(store: Store, tmp_path: Path) -> None:
    service = RecordingService(store, Lake(tmp_path / "lake"))
    scheduler = PipelineSchedules(service, CRON, clock=lambda: at(10, 2, 1), poll_s=3600)
    scheduler.start()
    assert service.ticked.wait(10)
    scheduler.stop()  # returns at once although the next poll is an hour away
    assert service.submitted == [([date(2024, 3, 9)], "schedule")]
    assert scheduler._thread is None


def test_invalid_cron_is_refused_up_front(store: Store, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cron"):
        PipelineScheduler(PipelineService(store, Lake(tmp_path)), "every day at two")
