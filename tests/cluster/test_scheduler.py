"""Two `lily scheduler` processes on one PostgreSQL: one leads and fires the schedule, the other
waits; SIGKILL the leader and the other takes over without firing the same day again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from lily.bootstrap import ensure_tenant
from lily.cluster.ports import free_port
from lily.pipelines.sql_recorder import SqlRunRecorder
from lily.store import Store

pytestmark = pytest.mark.postgres


class Scheduler:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        with log.open("ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "lily.cli", "scheduler", "--health-host", "127.0.0.1",
                                          "--health-port", str(self.port)], env=env, stdout=out,
                                         stderr=subprocess.STDOUT)

    def readyz(self) -> dict:
        try:
            r = httpx.get(f"http://127.0.0.1:{self.port}/readyz", timeout=2)
            return r.json() if r.status_code == 200 else {}
        except httpx.HTTPError:
            return {}


def until(what: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not what():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


@pytest.fixture
def schedulers(postgres_url: str, tmp_path: Path) -> Iterator[tuple[list[Scheduler], Store]]:
    store = Store.from_url(postgres_url)
    ensure_tenant(store, "default")
    env = {**os.environ, "LILY_DATABASE_URL": postgres_url, "LILY_DATA_DIR": str(tmp_path / "data"),
           "LILY_LAKE_ROOT": str(tmp_path / "lake"), "LILY_PIPELINES_DIR": str(tmp_path / "pipelines"),
           "LILY_CONNECTORS_FILE": str(tmp_path / "connectors.yaml"),
           "LILY_PIPELINE_SCHEDULE": "0 2 * * *", "LILY_PIPELINE_SCHEDULE_POLL_S": "0.2",
           "LILY_SCHEDULER_LEADER_POLL_S": "0.2"}
    started = [Scheduler(env, tmp_path / f"scheduler-{i}.log") for i in (1, 2)]
    try:
        yield started, store
    finally:
        for s in started:
            if s.proc.poll() is None:
                s.proc.terminate()
                s.proc.wait(15)
        store.dispose()


def test_one_leader_fires_once_and_the_follower_takes_over_after_sigkill(
        schedulers: tuple[list[Scheduler], Store]) -> None:
    started, store = schedulers
    until(lambda: all(s.readyz() for s in started))
    scheduled = lambda: [r for r in SqlRunRecorder(store, "default").runs("logs") if r.trigger == "schedule"]  # noqa: E731
    until(lambda: len(scheduled()) == 1)
    roles = {s.readyz()["role"] for s in started}
    assert roles == {"leader", "follower"}
    leader = next(s for s in started if s.readyz()["role"] == "leader")
    follower = next(s for s in started if s is not leader)
    time.sleep(1.0)  # several ticks of both: still one run of the day
    fired = scheduled()
    assert len(fired) == 1

    leader.proc.send_signal(signal.SIGKILL)
    leader.proc.wait(10)
    until(lambda: follower.readyz().get("role") == "leader", timeout=30)
    assert follower.readyz()["terms"] == 1
    metrics = httpx.get(f"http://127.0.0.1:{follower.port}/metrics").text
    assert "lily_scheduler_leader 1.0" in metrics
    time.sleep(1.0)  # the new leader's schedule ticked: the day it fired before is not fired again
    assert [(r.run_id, r.process_date) for r in scheduled()] == [(fired[0].run_id, fired[0].process_date)]
