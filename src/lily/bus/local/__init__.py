"""The local bus (default): the store's inbox table is the queue.

Publishing commits inbox rows (concurrent publishers share a commit: ``group_commit``); workers
lease ready rows (oldest first, one worker per partition at a time), settle them through the bus's
settling (in the transaction that applies them, or for a SQLite file right after it:
``sqlite_file``), and give them back with a backoff on transient failures. Workers in this process
are woken by a condition variable the moment something is published, so latency is not a polling
interval; the worker process of ``lily serve`` through a pipe (``add_wake_pipe``, ``listen``:
``lily.inbound.supervisor``). Other processes (``lily worker inbound`` against a shared database)
fall back to polling every ``poll_interval`` seconds.

Leases of workers that no longer exist (a SIGKILLed process) are handed back at once instead of
after the lease time (``release_dead_owners``: owners whose lock file is unlocked, ``gate.OwnerLocks``,
checked by a new consumer and about once a second; and a worker process its supervisor saw exit).
Exactly-once does not depend on it: a released event's next delivery is one more attempt.
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from lily.bus.base import Bus, Consumer, Delivery, InboundMessage
from lily.bus.local.group_commit import GroupCommit
from lily.observability import log
from lily.store import Store, inbox

SWEEP_SECONDS = 1.0  # how often a process's consumers look for lease owners that died


class LocalBus(Bus):
    name = "local"

    def __init__(self, store: Store, *, partitions: int = 64, lease_seconds: float = 30.0,
                 poll_interval: float = 0.25) -> None:
        super().__init__(store)
        self.partitions = partitions
        self.lease_seconds = lease_seconds
        self.lease = timedelta(seconds=lease_seconds)
        self.poll_interval = poll_interval
        self._cond = threading.Condition()
        self._generation = 0
        # Wake pipes: write ends (the server, one per worker process) and the read end (a worker process).
        self._pipes_lock = threading.Lock()
        self._wake_writers: list[int] = []
        self._wake_reader: int | None = None
        self._wake_poll: select.poll | None = None
        self._reader_lock = threading.Lock()  # one thread of a worker process waits on the pipe
        self._on_eof: Callable[[], None] | None = None
        self._sweep_lock = threading.Lock()
        self._next_sweep = 0.0  # the first consumer sweeps at once (a start after a crash)
        # With an inbox file of its own (every writer of it takes the gate), the event loop of the
        # accept routes writes a group itself when the turn is free (a commit of a few rows,
        # nothing that waits). Otherwise (PostgreSQL) the committer thread does.
        self.gate = self.settling.gate
        self._group: GroupCommit[InboundMessage, list[bool]] = GroupCommit(
            self._write_groups, try_write=self._try_write_groups if self.gate is not None else None)

    def publish(self, messages: Sequence[InboundMessage]) -> list[bool]:
        if not messages:
            return []
        return self._group.submit(messages)

    async def publish_async(self, messages: Sequence[InboundMessage]) -> list[bool]:
        if not messages:
            return []
        return await self._group.submit_async(messages)

    def _write_groups(self, groups: list[Sequence[InboundMessage]]) -> list[list[bool]]:
        """Commit the messages of concurrent publishers in one transaction (see ``group_commit``)."""
        try:
            with self.gate.producer() if self.gate else contextlib.nullcontext():
                inserted = self._insert(groups)
        finally:
            if self.gate is not None:
                self.gate.withdraw()  # a group the loop gave up on is written: it waits no more
        return self._results(groups, inserted)

    def _try_write_groups(self, groups: list[Sequence[InboundMessage]]) -> list[list[bool]] | None:
        """``_write_groups`` if the write turn is free right now; None (nothing written) if not,
        and the loop counts as a waiting producer until it has written (workers yield to it)."""
        assert self.gate is not None
        with self.gate.try_producer() as free:
            if not free:
                self.gate.announce()
                return None
            try:
                inserted = self._insert(groups)
            finally:
                self.gate.withdraw()
        return self._results(groups, inserted)

    def _insert(self, groups: list[Sequence[InboundMessage]]) -> set[uuid.UUID]:
        # Keyed by the id's int: hashing a UUID object is a Python-level call, an int's is not.
        unique: dict[int, InboundMessage] = {}
        for messages in groups:
            for m in messages:
                unique.setdefault(m.id.int, m)
        with self.store.inbox_write() as conn:
            return inbox.insert_received(conn, [m.inbox_row() for m in unique.values()])

    def _results(self, groups: list[Sequence[InboundMessage]], inserted: set[uuid.UUID]) -> list[list[bool]]:
        self.wake()
        new = {eid.int for eid in inserted}
        results = []
        for messages in groups:
            out = []
            for m in messages:
                eid = m.id.int
                out.append(eid in new)
                new.discard(eid)  # an event twice in the group: the first occurrence is the new one
            results.append(out)
        return results

    def consumer(self, worker_id: str) -> LocalConsumer:
        return LocalConsumer(self, worker_id)

    def redeliver(self, message: InboundMessage) -> None:
        self.wake()  # the row is back to `received`; it is the queue

    def queue_depth(self) -> int:
        with self.store.inbox_read() as conn:
            return inbox.queue_depth(conn)

    def release_dead_owners(self, prefix: str | None = None) -> int:
        """(``Bus``) Here the events themselves; an owner without a lock file counts as gone."""
        owners = self.settling.owners
        if owners is None and not prefix:
            return 0  # nothing to tell the dead by (PostgreSQL, memory): the lease time is the bound
        with self.store.inbox_read() as conn:
            held = inbox.lease_owners(conn)
        dead = [o for o in held if prefix and o.startswith(prefix)]
        if owners is not None:
            dead += owners.dead([o for o in held if o not in dead])
        if not dead:
            return 0
        with self.settling.turn(), self.store.inbox_write() as conn:
            released = inbox.release_owners(conn, dead)
        if owners is not None:
            owners.forget(dead)
        log.warning("inbound_leases_released", owners=dead, events=released)
        if released:
            self.wake()  # this process's consumers (and a worker process) take them now
        return released

    def sweep(self, *, force: bool = False) -> None:
        """``release_dead_owners`` about every ``SWEEP_SECONDS`` (one thread of the process does it);
        ``force``: now (a consumer starting). Never raises: the lease time remains the bound."""
        now = time.monotonic()
        if (not force and now < self._next_sweep) or not self._sweep_lock.acquire(blocking=False):
            return
        try:
            self._next_sweep = now + SWEEP_SECONDS
            if force and self.settling.owners is not None:
                self.settling.owners.sweep_files()
            self.release_dead_owners()
        except Exception:
            log.exception("inbound_lease_sweep_failed")
        finally:
            self._sweep_lock.release()

    def wake(self) -> None:
        self._notify_local()
        with self._pipes_lock:
            for fd in self._wake_writers:
                # full: the worker process is woken already; broken: it is gone (restarted soon)
                with contextlib.suppress(BlockingIOError, BrokenPipeError):
                    os.write(fd, b"\0")

    def _notify_local(self) -> None:
        with self._cond:
            self._generation += 1
            self._cond.notify_all()

    def add_wake_pipe(self, fd: int) -> None:
        """Server side: write a byte to ``fd`` (a pipe's write end, made non-blocking) on every wake-up."""
        os.set_blocking(fd, False)
        with self._pipes_lock:
            self._wake_writers.append(fd)

    def remove_wake_pipe(self, fd: int) -> None:
        """Stop writing to ``fd``; once this returns the caller may close it."""
        with self._pipes_lock:
            if fd in self._wake_writers:
                self._wake_writers.remove(fd)

    def listen(self, fd: int, on_eof: Callable[[], None]) -> None:
        """Wait on the pipe in ``wait``: the server's wake-ups, then its end of file."""
        os.set_blocking(fd, False)
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        self._wake_reader, self._wake_poll, self._on_eof = fd, poller, on_eof

    def wait(self, seen: int, timeout: float) -> int:
        """Block until something was published after generation ``seen`` (or ``timeout``)."""
        if self._wake_reader is not None and self._reader_lock.acquire(blocking=False):
            try:
                # Re-checked under the reader lock: a thread that drained the pipe before we took it
                # has bumped the generation already.
                poller = self._wake_poll
                if self.generation == seen and poller is not None and poller.poll(max(0.0, timeout) * 1000):
                    self._drain_wake_pipe()
                return self.generation
            finally:
                self._reader_lock.release()
        with self._cond:
            if self._generation == seen:
                self._cond.wait(timeout)
            return self._generation

    def _drain_wake_pipe(self) -> None:
        fd = self._wake_reader
        if fd is None:
            return
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return
        if not data:  # end of file: the server process is gone
            self._wake_reader, self._wake_poll = None, None
            with contextlib.suppress(OSError):
                os.close(fd)
            if self._on_eof is not None:
                self._on_eof()
        self._notify_local()  # other threads of this process waiting on the condition

    @property
    def generation(self) -> int:
        with self._cond:
            return self._generation

    def close(self) -> None:
        self._group.close()
        super().close()


class LocalConsumer(Consumer):
    bus: LocalBus

    def __init__(self, bus: LocalBus, worker_id: str) -> None:
        self.bus = bus
        self.worker_id = self.owner = worker_id  # the inbox rows it claims are leased to it
        # Alive from before the first claim until the leases are handed back (``close``).
        owners = bus.settling.owners
        self._lock_fd = owners.hold(worker_id) if owners is not None else None
        bus.sweep(force=True)  # a start after a crash: what the dead held is taken over now

    def fetch(self, max_messages: int, timeout: float) -> list[Delivery]:
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            self.bus.sweep()
            seen = self.bus.generation  # read before claiming so a publish in between is not missed
            now = datetime.now(UTC)
            with self.bus.settling.turn(), self.bus.store.inbox_write() as conn:
                rows = inbox.claim_batch(conn, self.worker_id, max_messages, self.bus.lease, now)
            if rows:
                return [Delivery(InboundMessage.from_row(r), attempt=r["attempts"], inbox_seq=r["seq"]) for r in rows]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            self.bus.wait(seen, min(remaining, self.bus.poll_interval))

    def ack(self, deliveries: Sequence[Delivery]) -> None:
        # Settling (in the apply transaction) already cleared the lease: nothing left to do.
        del deliveries

    def nak(self, delivery: Delivery, delay: float, error: str) -> None:
        at = datetime.now(UTC) + timedelta(seconds=delay)
        with self.bus.settling.turn(), self.bus.store.inbox_write() as conn:
            inbox.reschedule(conn, delivery.message.id, self.worker_id, at, error)

    def in_progress(self, deliveries: Sequence[Delivery]) -> None:
        if not deliveries:
            return
        until = datetime.now(UTC) + self.bus.lease
        with self.bus.settling.turn(), self.bus.store.inbox_write() as conn:
            inbox.extend_leases(conn, self.worker_id, [d.message.id for d in deliveries], until)

    def close(self) -> None:
        with self.bus.settling.turn(), self.bus.store.inbox_write() as conn:
            inbox.release_owners(conn, [self.worker_id])
        if self._lock_fd is not None and self.bus.settling.owners is not None:
            self.bus.settling.owners.drop(self.worker_id, self._lock_fd)  # after the leases are back
            self._lock_fd = None
        self.bus.wake()

    def __del__(self) -> None:
        # Dropped without ``close``: unlock (do not remove) the file, so a sweep finds this owner
        # gone and hands its leases back instead of waiting for them to run out.
        fd, self._lock_fd = getattr(self, "_lock_fd", None), None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)
