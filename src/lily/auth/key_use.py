"""When each API key was last used (``api_keys.last_used_at``), kept off the request path.

Authenticating a request only compares the clock with the time this process last recorded a use of
the key: within ``interval`` seconds it does nothing more, so a producer posting an event per
request costs no database write. Past it the use is queued in memory, and a background thread
writes the queued uses together, a moment later, in one transaction. On SQLite that write takes
the file's one writer lock, which the inbound worker wants too: one short batch per interval
instead of one transaction per request.

Each API process keeps its own record, so N processes write a key's row at most N times per
interval. A use is written at the time it happened, and a row never goes back in time. Uses still
queued when the process dies are lost; the next use after the interval records the key again.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from lily.observability import log
from lily.store import Store, accounts

# Past this many keys the record of recent uses is forgotten: it only costs a write per key again.
MAX_KEYS = 10_000


class KeyUseRecorder:
    """Records API key uses at most once per ``interval`` seconds per key (see the module doc).

    :meth:`used` is the request path; :meth:`start` runs the writer thread (the API's lifespan
    does), :meth:`flush` writes what is queued now and :meth:`stop` writes the rest and ends it.
    """

    def __init__(self, store: Store, interval: float = 60.0, delay: float = 1.0,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.interval = interval
        self.delay = delay  # seconds a queued use waits for others, to be written in one transaction
        self.clock = clock  # seconds since the epoch; replaceable so tests need not wait a minute
        self._recorded: dict[uuid.UUID, float] = {}  # key -> time of its last use that was queued
        self._queued: dict[uuid.UUID, float] = {}
        self._lock = threading.Lock()
        self._flushing = threading.Lock()  # one batch at a time
        self._due = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def used(self, key_id: uuid.UUID) -> None:
        """Note that ``key_id`` authenticated a request now. A clock read and a dict lookup unless
        the key's last recorded use is ``interval`` old; never I/O."""
        now = self.clock()
        last = self._recorded.get(key_id)
        if last is not None and 0 <= now - last < self.interval:
            return
        with self._lock:
            last = self._recorded.get(key_id)
            if last is not None and 0 <= now - last < self.interval:
                return  # another request of the same key got here first
            if len(self._recorded) >= MAX_KEYS:
                self._recorded.clear()
            self._recorded[key_id] = now
            self._queued[key_id] = now
            self._due.set()

    def flush(self) -> int:
        """Write the queued uses in one transaction; how many were written. A batch that fails is
        queued again (under any newer use of the same key) and the error raised."""
        with self._flushing:
            with self._lock:
                batch, self._queued = self._queued, {}
                self._due.clear()
            if not batch:
                return 0
            try:
                with self.store.write() as conn:
                    accounts.touch_api_keys(conn, {k: datetime.fromtimestamp(t, UTC) for k, t in batch.items()})
            except BaseException:
                with self._lock:
                    self._queued = {**batch, **self._queued}
                    self._due.set()
                raise
            return len(batch)

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="lily-api-key-use", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """End the thread after it writes what is queued."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stopping.set()
        self._due.set()
        thread.join()

    def _run(self) -> None:
        while True:
            self._due.wait()
            if not self._stopping.is_set():
                self._stopping.wait(self.delay)  # let the uses of other keys join this batch
            try:
                self.flush()
            except Exception:
                # The store is failing for everyone; retry later rather than spin (the uses stay queued).
                log.exception("api_key_use_write_failed")
                if not self._stopping.wait(max(self.delay, 5.0)):
                    continue
            if self._stopping.is_set():
                return
