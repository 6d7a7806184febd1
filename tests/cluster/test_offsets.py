"""Two workers of one change-feed consumer (two `lily worker propagation`) taking the first offset of
a tenant at the same moment: the second waits for the first and continues from its progress,
instead of failing on a duplicate offset row (the cluster test found that error in a worker's log)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from lily.bootstrap import ensure_tenant
from lily.store import Store
from lily.store.feed import commit_offset
from lily.store.governance import lock_offset

pytestmark = pytest.mark.postgres


def test_second_worker_waits_for_the_first_offset_and_reads_its_progress(postgres_url: str) -> None:
    store = Store.from_url(postgres_url)
    ensure_tenant(store, "t1")
    now = datetime.now(UTC)
    first_locked, second_done = threading.Event(), threading.Event()
    seen: list[int] = []

    def second() -> None:
        first_locked.wait(10)
        with store.write() as conn:
            seen.append(lock_offset(conn, "propagation", "t1", now))
        second_done.set()

    thread = threading.Thread(target=second)
    thread.start()
    with store.write() as conn:
        assert lock_offset(conn, "propagation", "t1", now) == 0
        first_locked.set()
        assert not second_done.wait(0.5)  # held back by the first worker's uncommitted row
        commit_offset(conn, "propagation", "t1", 7, now)
    thread.join(10)
    assert seen == [7]  # no duplicate-row error, and the first worker's progress is not repeated
    store.dispose()
