"""A write gate for SQLite: producers (the accept path) go before the worker, within a bound.

SQLite has one writer at a time, and a connection that finds the database locked sleeps in SQLite's
busy handler (up to 100 ms per try) while the worker, committing and immediately starting its next
transaction, keeps winning the lock: accept latency then grows to seconds under load. Inside one
process (``lily serve``: API + worker threads) this gate hands the write lock over in Python
instead: producers queue on a plain lock (a release wakes one waiter, not all of them), and the
worker lets waiting producers go first for at most ``max_yield`` seconds, so neither side starves.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class WriteGate:
    def __init__(self, max_yield: float = 0.02) -> None:
        self.max_yield = max_yield
        self._lock = threading.Lock()
        self._count = threading.Lock()  # guards _producers_waiting
        self._producers_waiting = 0

    @property
    def producers_waiting(self) -> int:
        return self._producers_waiting

    @contextmanager
    def producer(self) -> Iterator[None]:
        with self._count:
            self._producers_waiting += 1
        try:
            self._lock.acquire()
        finally:
            with self._count:
                self._producers_waiting -= 1
        try:
            yield
        finally:
            self._lock.release()

    @contextmanager
    def consumer(self) -> Iterator[None]:
        deadline = time.monotonic() + self.max_yield
        while self._producers_waiting and time.monotonic() < deadline:
            time.sleep(0.0005)  # let the waiting producers take the lock first
        with self._lock:
            yield
