"""Leases of workers that no longer exist are handed back at once (local bus on a SQLite inbox file),
never those of a live worker: owner lock files (``gate.OwnerLocks``), the sweep a new consumer runs,
the periodic one, and a supervisor's release by process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from lily.bus.base import InboundMessage
from lily.bus.local import LocalBus
from lily.bus.local.gate import TEMPORARY_SECONDS, OwnerLocks
from lily.inbound.worker import worker_id_prefix
from lily.store import Store, inbox
from lily.store.tables_inbound import inbound_events

LEASE = 60.0  # far longer than any test here waits: only a release can hand events back in time


def message(i: int, partitions: int = 8) -> InboundMessage:
    return InboundMessage(id=uuid.uuid4(), tenant_id="default", source="generic", key=f"k{i}", partition=i % partitions,
                          payload=b"{}", received_at=datetime.now(UTC))


@pytest.fixture
def store(sqlite_url: str) -> Store:
    s = Store.from_url(sqlite_url, migrate=True)
    yield s
    s.dispose()


@pytest.fixture
def bus(store: Store) -> LocalBus:
    b = LocalBus(store, partitions=8, lease_seconds=LEASE, poll_interval=0.05)
    yield b
    b.close()


def leased(store: Store) -> dict[str, int]:
    with store.inbox_read() as conn:
        owners = conn.execute(select(inbound_events.c.lease_owner).where(inbound_events.c.lease_owner.is_not(None)))
        out: dict[str, int] = {}
        for owner in owners.scalars():
            out[owner] = out.get(owner, 0) + 1
        return out


@contextmanager
def sigkilled(script: str) -> Iterator[int]:
    """Run ``script`` (a worker that prints how many deliveries it holds, then waits) in a process
    of its own; yield the count it printed and SIGKILL the process when the block ends."""
    victim = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert victim.stdout is not None
        yield int(victim.stdout.readline())
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
    finally:
        if victim.poll() is None:
            victim.kill()


def test_owner_locks_tell_live_from_dead(tmp_path: Path) -> None:
    locks = OwnerLocks(str(tmp_path / "owners"))
    assert (tmp_path / "owners").stat().st_mode & 0o777 == 0o700
    fd = locks.hold("host-1-0-abc")
    assert locks.dead(["host-1-0-abc"]) == []  # held (by another open file description of this process)
    assert locks.dead(["never-existed"]) == ["never-existed"]
    assert Path(locks.path("host-1-0-abc")).read_text() == "host-1-0-abc"
    assert locks.sweep_files() == 0  # a held file stays
    os.close(fd)  # what the kernel does when the process dies
    assert locks.dead(["host-1-0-abc"]) == ["host-1-0-abc"]
    assert locks.sweep_files() == 1 and os.listdir(locks.directory) == []
    # A temporary file left by a process that died creating its file is removed once it is old; a
    # fresh one (a process creating its file right now) is not.
    left, fresh = tmp_path / "owners" / "x.123.1.tmp", tmp_path / "owners" / f"y.{os.getpid()}.1.tmp"
    left.write_text("")
    fresh.write_text("")
    old = time.time() - TEMPORARY_SECONDS - 1
    os.utime(left, (old, old))
    assert locks.sweep_files() == 1 and os.listdir(locks.directory) == [fresh.name]


def test_a_new_consumer_takes_over_what_a_dead_one_held_never_a_live_ones(bus: LocalBus, store: Store) -> None:
    bus.publish([message(i) for i in range(40)])
    alive = bus.consumer("alive-worker")
    dying = bus.consumer("dying-worker")
    held_alive = alive.fetch(4, 1.0)  # partitions 0-3
    held_dying = dying.fetch(40, 1.0)  # the other partitions' events
    assert held_alive and held_dying and {m.message.partition for m in held_alive}.isdisjoint(
        {m.message.partition for m in held_dying})
    assert set(leased(store)) == {"alive-worker", "dying-worker"}
    os.close(dying._lock_fd)  # SIGKILL: the kernel drops the lock, nothing else happens
    dying._lock_fd = None
    t0 = time.monotonic()
    taker = bus.consumer("taker")  # a start sweeps at once
    got = taker.fetch(40, 1.0)
    assert time.monotonic() - t0 < 2.0
    assert {d.message.id for d in got} == {d.message.id for d in held_dying}
    assert all(d.attempt == 2 for d in got)  # the delivery count goes on (markers are looked for)
    assert set(leased(store)) == {"alive-worker", "taker"}  # the live owner kept its leases
    assert not Path(bus.settling.owners.path("dying-worker")).exists()
    for consumer in (alive, taker):
        consumer.close()
    assert leased(store) == {}


def test_running_consumers_sweep_about_every_second(bus: LocalBus, store: Store) -> None:
    bus.publish([message(i) for i in range(8)])
    first = bus.consumer("first")
    waiting = bus.consumer("waiting")  # started before the other dies: only the periodic sweep can help
    assert len(first.fetch(8, 1.0)) == 8
    os.close(first._lock_fd)
    first._lock_fd = None
    t0 = time.monotonic()
    got = waiting.fetch(8, 5.0)
    assert len(got) == 8 and time.monotonic() - t0 < 3.0
    waiting.close()


def test_release_by_process_prefix(bus: LocalBus, store: Store) -> None:
    """What the supervisor of ``lily serve``'s worker process does when the process exits (it works
    without lock files too, e.g. a local bus on PostgreSQL)."""
    bus.publish([message(i) for i in range(8)])
    pid = 4_000_000  # no such process
    dead = bus.consumer(f"{worker_id_prefix(pid)}0-abcdef")
    live = bus.consumer(f"{worker_id_prefix(pid + 1)}0-abcdef")
    assert dead.fetch(4, 1.0) and live.fetch(4, 1.0)
    assert bus.release_dead_owners(worker_id_prefix(pid)) == 4
    assert set(leased(store)) == {f"{worker_id_prefix(pid + 1)}0-abcdef"}
    live.close()
    dead.close()


def test_a_sigkilled_process_s_leases_are_taken_over_at_once(sqlite_url: str, store: Store, bus: LocalBus) -> None:
    bus.publish([message(i) for i in range(20)])
    script = textwrap.dedent(f"""
        import sys, time
        from lily.bus.local import LocalBus
        from lily.store import Store, inbox
        bus = LocalBus(Store.from_url({sqlite_url!r}), partitions=8, lease_seconds={LEASE})
        print(len(bus.consumer("victim").fetch(100, 5.0)), flush=True)
        time.sleep(600)
    """)
    with sigkilled(script) as fetched:
        assert fetched == 20
        assert leased(store) == {"victim": 20}
    t0 = time.monotonic()
    survivor = bus.consumer("survivor")
    assert len(survivor.fetch(100, 2.0)) == 20 and time.monotonic() - t0 < 2.0
    survivor.close()


def test_finding_lease_owners_reads_only_leased_rows(store: Store) -> None:
    """The sweep runs about every second: its query goes through the partial index of leased rows
    (as small as the work in flight), never the backlog."""
    from sqlalchemy import event

    sent: list[str] = []

    def capture(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(statement)

    event.listen(store.inbox_engine, "before_cursor_execute", capture)
    try:
        with store.inbox_read() as conn:
            inbox.lease_owners(conn)
    finally:
        event.remove(store.inbox_engine, "before_cursor_execute", capture)
    [sql] = [s for s in sent if "lease_owner" in s]
    with store.inbox_read() as conn:
        plan = " ".join(str(row) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", (None,) * sql.count("?")))
    assert "ix_inbound_events_leased" in plan, plan


def test_nats_a_sigkilled_worker_s_partitions_are_taken_over_at_once(sqlite_url: str, store: Store,
                                                                     nats_server: Any) -> None:
    """NATS: the partitions of a worker whose lock file nobody holds get a fresh consumer (its
    unacknowledged deliveries are handed out again at once, in stream order) and lose their lease;
    a new worker pulls them right away. The ack wait here is a minute: only the release can help."""
    from lily.bus.nats import NatsBus

    n = f"dead{uuid.uuid4().hex[:8]}"
    options = {"partitions": 4, "stream": n.upper(), "subject_prefix": f"{n}.in", "leases_bucket": f"{n}_leases",
               "ack_wait": 60.0, "lease_ttl": 62.0}
    bus = NatsBus(store, nats_server.url, **options)
    try:
        sent = [message(i, partitions=4) for i in range(40)]
        bus.publish(sent)
        script = textwrap.dedent(f"""
            import time
            from lily.bus.nats import NatsBus
            from lily.store import Store, inbox
            bus = NatsBus(Store.from_url({sqlite_url!r}), {nats_server.url!r}, **{options!r})
            consumer = bus.consumer("victim")
            got = []
            deadline = time.monotonic() + 20
            while len(got) < 40 and time.monotonic() < deadline:
                got += consumer.fetch(40, 1.0)
            print(len(got), flush=True)
            time.sleep(600)
        """)
        with sigkilled(script) as fetched:
            assert fetched == 40  # all delivered, none acked
        t0 = time.monotonic()
        survivor = bus.consumer("survivor")  # its start sweeps: the victim's lock file is unlocked
        got: list[Any] = []
        while len(got) < 40 and time.monotonic() - t0 < 10:
            got += survivor.fetch(40, 0.5)
        took = time.monotonic() - t0
        assert sorted(d.message.id for d in got) == sorted(m.id for m in sent) and took < 5.0, took
        for p in range(4):  # each partition in stream order
            mine = [d.message.id for d in got if d.message.partition == p]
            assert mine == [m.id for m in sent if m.partition == p]
        survivor.ack(got)
        survivor.close()
    finally:
        bus.close()


def test_nats_lease_bucket_of_another_ttl_is_updated(store: Store, nats_server: Any) -> None:
    """An install whose lease bucket was made with another ack wait (the 30 s of before) starts."""
    from lily.bus.nats import NatsBus

    n = f"ttl{uuid.uuid4().hex[:8]}"
    options = {"partitions": 2, "stream": n.upper(), "subject_prefix": f"{n}.in", "leases_bucket": f"{n}_leases"}
    NatsBus(store, nats_server.url, ack_wait=30.0, **options).close()
    bus = NatsBus(store, nats_server.url, ack_wait=5.0, **options)
    try:
        async def ttl() -> float:
            return float((await bus._js.stream_info(f"KV_{n}_leases")).config.max_age)

        assert bus.call(ttl()) == bus.lease_ttl == 7.0
    finally:
        bus.close()
