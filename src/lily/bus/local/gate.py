"""Taking turns on a SQLite inbox file: the write gate (producers first, within a bound) and the
owner locks (which workers still exist). Both are ``flock`` on files next to the inbox file.

SQLite has one writer at a time, and a connection that finds the database locked sleeps in SQLite's
busy handler (up to 100 ms per try) while the worker, committing and immediately starting its next
transaction, keeps winning the lock: accept latency then grows to seconds under load. The gate hands
the write turn over in Python instead, across the processes of ``lily serve`` (the API and its
worker process): waiting producers go first, and a worker lets them for at most ``max_yield``.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

TEMPORARY_SECONDS = 60.0  # an owner's file is renamed within microseconds: older temporaries are leftovers


class WriteGate:
    """The write turn on one database file, producers (accept requests) first.

    Two lock files next to it: ``<db>.gate`` is the turn itself (``flock`` exclusive); ``<db>.intent``
    announces waiting producers — a producer holds it shared while it waits for the turn, and a worker,
    before taking the turn, waits (at most ``max_yield``) while an exclusive non-blocking ``flock`` of
    it fails. ``flock`` locks belong to an open file description, which the threads of a process
    share, so a thread lock in front of the turn keeps the threads of one process apart (a release
    wakes one waiter, not all of them), and the producers of a process share one intent lock, held
    while any of them waits.
    """

    def __init__(self, path: str, max_yield: float = 0.02) -> None:
        self.max_yield = max_yield
        self._lock = threading.Lock()  # the turn among this process's threads
        self._count = threading.Lock()  # guards _waiting and _announced
        self._waiting = 0  # this process's producers waiting for the turn
        self._announced = False  # a producer that only tries counts as waiting (``announce``)
        flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC
        self._gate_fd = os.open(f"{path}.gate", flags, 0o600)
        self._intent_fd = os.open(f"{path}.intent", flags, 0o600)  # producers: shared while waiting
        self._probe_fd = os.open(f"{path}.intent", flags, 0o600)  # workers: an open file description of its own
        self._probe = threading.Lock()
        self._fds: tuple[int, ...] = (self._gate_fd, self._intent_fd, self._probe_fd)

    def other_producers_waiting(self) -> bool:
        """True while a producer (of any process) holds the intent lock."""
        with self._probe:
            try:
                fcntl.flock(self._probe_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(self._probe_fd, fcntl.LOCK_UN)
            return False

    def waiting(self) -> bool:
        """True while a producer of this process or another waits for the turn."""
        return self._waiting > 0 or self.other_producers_waiting()

    def _wait_more(self, n: int) -> None:
        """Count ``n`` (±1) more waiting producers of this process (under ``_count``); the first
        announces them to other processes, the last withdraws."""
        self._waiting += n
        if self._waiting == n == 1:
            fcntl.flock(self._intent_fd, fcntl.LOCK_SH)
        elif self._waiting == 0:
            fcntl.flock(self._intent_fd, fcntl.LOCK_UN)

    @contextmanager
    def producer(self) -> Iterator[None]:
        with self._count:
            self._wait_more(1)
        try:
            self._lock.acquire()
            try:
                fcntl.flock(self._gate_fd, fcntl.LOCK_EX)
            except BaseException:
                self._lock.release()
                raise
        finally:
            with self._count:
                self._wait_more(-1)
        try:
            yield
        finally:
            fcntl.flock(self._gate_fd, fcntl.LOCK_UN)
            self._lock.release()

    @contextmanager
    def try_producer(self) -> Iterator[bool]:
        """The write turn if it is free right now (True), else nothing (False): never waits."""
        if not self._lock.acquire(blocking=False):
            yield False
            return
        try:
            try:
                fcntl.flock(self._gate_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:  # another process has the turn
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(self._gate_fd, fcntl.LOCK_UN)
        finally:
            self._lock.release()

    def announce(self) -> None:
        """A producer that only tries (``try_producer``) and will try again counts as waiting until
        ``withdraw``: workers let it go first as they do a producer blocked in ``producer``."""
        with self._count:
            if not self._announced:
                self._announced = True
                self._wait_more(1)

    def withdraw(self) -> None:
        with self._count:
            if self._announced:
                self._announced = False
                self._wait_more(-1)

    @contextmanager
    def consumer(self) -> Iterator[None]:
        deadline = time.monotonic() + self.max_yield
        while self.waiting() and time.monotonic() < deadline:
            time.sleep(0.0005)  # let the waiting producers (this process's or another's) go first
        with self._lock:
            fcntl.flock(self._gate_fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._gate_fd, fcntl.LOCK_UN)

    def close(self) -> None:
        fds, self._fds = getattr(self, "_fds", ()), ()
        for fd in fds:
            with contextlib.suppress(OSError):
                os.close(fd)

    def __del__(self) -> None:
        self.close()


class OwnerLocks:
    """Which lease owners (inbound workers) still exist, told by ``flock`` on files next to the inbox.

    Every worker holds an exclusive ``flock`` on a file of its own (``<inbox db>.owners/<hash of its
    id>``, holding the id) from before its first claim until it has handed its leases back. The
    kernel drops the lock when the process dies however it dies (SIGKILL included), so a lease
    owner whose file can be locked by someone else, or that has no file, no longer exists: its
    leases can be released at once instead of after the lease time. A live owner's file is locked,
    so a sweep never mistakes it for dead (and if it did, the inbox's markers would still keep its
    events applied once: a lost lease is a case the settle path handles).

    A file is locked before it gets its name (created under a temporary name, locked, renamed), so
    a sweep never finds an owner's file unlocked while the owner lives. The descriptors are
    close-on-exec: a child process (``lily serve``'s worker process) must not keep its parent's
    owners alive.
    """

    def __init__(self, directory: str) -> None:
        self.directory = directory
        os.makedirs(directory, mode=0o700, exist_ok=True)

    def path(self, owner: str) -> str:
        return os.path.join(self.directory, hashlib.sha256(owner.encode()).hexdigest()[:32])

    def hold(self, owner: str) -> int:
        """Lock ``owner``'s file for as long as the returned descriptor is open (``drop``)."""
        final = self.path(owner)
        temporary = f"{final}.{os.getpid()}.{threading.get_ident()}.tmp"
        fd = os.open(temporary, os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a new file: nobody else has it
            os.write(fd, owner.encode())
            os.rename(temporary, final)
        except BaseException:
            os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        return fd

    def drop(self, owner: str, fd: int) -> None:
        """The owner is done (its leases handed back): remove its file, then unlock it."""
        with contextlib.suppress(OSError):
            os.unlink(self.path(owner))
        with contextlib.suppress(OSError):
            os.close(fd)

    def dead(self, owners: list[str], *, missing_is_dead: bool = True) -> list[str]:
        """Those of ``owners`` that no longer exist: a file nobody holds locked, or (``missing_is_dead``)
        no file at all (an owner of an older Lily, or one swept already)."""
        gone = []
        for owner in owners:
            try:
                fd = os.open(self.path(owner), os.O_RDONLY | os.O_CLOEXEC)
            except FileNotFoundError:
                if missing_is_dead:
                    gone.append(owner)
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # held: alive
            finally:
                os.close(fd)  # also drops the lock we may have taken
            gone.append(owner)
        return gone

    def forget(self, owners: list[str]) -> None:
        """Remove the files of owners found dead (their leases released)."""
        for owner in owners:
            with contextlib.suppress(OSError):
                os.unlink(self.path(owner))

    def sweep_files(self) -> int:
        """Remove files left behind by owners that died holding no lease (a file nobody holds
        locked), and temporary files of processes that died while creating theirs; how many."""
        removed = 0
        try:
            names = os.listdir(self.directory)
        except FileNotFoundError:
            return 0
        for name in names:
            path = os.path.join(self.directory, name)
            if name.endswith(".tmp"):
                # Not locked yet while being created (for microseconds): judged by its age, never by its lock.
                with contextlib.suppress(OSError):
                    if time.time() - os.stat(path).st_mtime > TEMPORARY_SECONDS:
                        os.unlink(path)
                        removed += 1
                continue
            try:
                fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                os.unlink(path)  # unlocked: its owner is gone (a live one holds it locked)
                removed += 1
            except (BlockingIOError, FileNotFoundError):
                pass
            finally:
                os.close(fd)
        return removed

