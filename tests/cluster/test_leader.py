"""Leader election for `lily scheduler`: one lock holder at a time, on PostgreSQL and on SQLite, and
a lock that comes free when its holder's session (or process) is gone."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from sqlalchemy.pool import NullPool

from lily.cluster.leader import AlwaysLeader, FileLeaderLock, PostgresLeaderLock, leader_lock
from lily.cluster.scheduler import LeaderLoop
from lily.store.db import make_engine


@pytest.mark.postgres
def test_postgres_lock_has_one_holder_and_frees_when_the_session_dies(postgres_url: str) -> None:
    engine = make_engine(postgres_url, poolclass=NullPool)
    first, second = PostgresLeaderLock(engine), PostgresLeaderLock(engine)
    assert isinstance(leader_lock(engine), PostgresLeaderLock)
    assert first.try_acquire()
    assert first.held()
    assert not second.try_acquire()
    # The leader's session ends (as when its process is SIGKILLed or PostgreSQL drops it).
    with psycopg.connect(postgres_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        killed = conn.execute("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'"
                              " AND objid = %s", [first.key & 0xFFFFFFFF]).fetchall()
    assert killed == [(True,)]
    assert not first.held()  # it notices, and stops leading
    assert second.try_acquire()
    assert not first.try_acquire()
    second.release()
    assert first.try_acquire()
    first.release()
    engine.dispose()


def test_sqlite_file_lock_has_one_holder(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'lily.db'}")
    lock = leader_lock(engine)
    assert isinstance(lock, FileLeaderLock) and lock.path == tmp_path / "lily.db.scheduler.lock"
    other = FileLeaderLock(lock.path)
    assert lock.try_acquire() and lock.held()
    assert not other.try_acquire()
    lock.release()
    assert not lock.held()
    assert other.try_acquire()
    other.release()
    assert isinstance(leader_lock(make_engine("sqlite://")), AlwaysLeader)


class _Service:
    def __init__(self, log: list[str], name: str) -> None:
        self.log, self.name = log, name

    def start(self) -> None:
        self.log.append(f"start {self.name}")

    def stop(self) -> None:
        self.log.append(f"stop {self.name}")


def test_leader_loop_starts_services_on_lead_and_stops_them_when_lost(tmp_path: Path) -> None:
    path = tmp_path / "lock"
    holder = FileLeaderLock(path)
    assert holder.try_acquire()
    events: list[str] = []
    lock = FileLeaderLock(path)
    loop = LeaderLoop(lock, lambda: [_Service(events, "a"), _Service(events, "b")], poll_s=0.01)
    loop.step()
    assert not loop.leading and events == []  # a follower while another holds the lock
    holder.release()
    loop.step()
    assert loop.leading and loop.terms == 1 and events == ["start a", "start b"]
    lock.release()  # lost (as a dropped PostgreSQL session): services stop, in reverse
    loop.step()
    assert not loop.leading and events[2:] == ["stop b", "stop a"]
    loop.step()
    assert loop.leading and loop.terms == 2  # fresh services for the new term
    assert events[4:] == ["start a", "start b"]
