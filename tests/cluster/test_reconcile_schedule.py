"""`lily scheduler` runs `lily reconcile` on LILY_RECONCILE_SCHEDULE: once per fire, never at start."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lily.bootstrap import ensure_tenant
from lily.cluster.reconcile import ReconcileSchedule, reconcile_runner
from lily.observability import Metrics
from lily.settings import Settings
from lily.store import Store


def test_fires_once_per_cron_fire_after_start() -> None:
    runs: list[int] = []
    start = datetime(2026, 1, 5, 2, 30, tzinfo=UTC)
    schedule = ReconcileSchedule("0 3 * * *", lambda: runs.append(1), clock=lambda: start)
    assert not schedule.tick(start)  # started at 02:30: nothing due yet (a start never reconciles)
    assert not schedule.tick(datetime(2026, 1, 5, 2, 59, tzinfo=UTC))
    assert schedule.tick(datetime(2026, 1, 5, 3, 0, 5, tzinfo=UTC))
    assert not schedule.tick(datetime(2026, 1, 5, 3, 0, 35, tzinfo=UTC))  # the same fire
    assert schedule.tick(datetime(2026, 1, 6, 3, 1, tzinfo=UTC))
    assert runs == [1, 1]
    with pytest.raises(ValueError):
        ReconcileSchedule("not cron", lambda: None)


def test_the_runner_reconciles_every_tenant(sqlite_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = Store.from_url(sqlite_url)
    ensure_tenant(store, "t1")
    report = reconcile_runner(store, Settings(data_dir=tmp_path, database_url=sqlite_url), Metrics())()
    assert "t1" in report.propagation and report.targets == []
    store.dispose()
