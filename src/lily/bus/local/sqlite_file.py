"""A SQLite catalog file's inbox, in a file of its own: the one mechanism that exists because SQLite
has one writer per file.

Why: with the inbox in the catalog's file, every accept request waited for the inbound worker's
catalog transaction (tens of milliseconds) to commit its events. In a file of its own
(``lily.db`` → ``lily.inbox.db``, ``lily.store.inbox_db``) it shares the write lock only with the
workers' short inbox writes, and those take turns with the producers through a write gate that lets
waiting producers go first (``gate.WriteGate``); owner locks tell which workers still exist
(``gate.OwnerLocks``). The price: applying an event and settling its inbox row are two commits.

Exactly once, nonetheless:

1. A worker's catalog transaction records each event it applies in ``inbound_applied`` (a marker
   with the outcome), in the same commit as the state and changes; the inbox row is settled after
   that commit. So an event is applied, in the catalog, if and only if it has a marker or a settled
   row.
2. The catalog transaction begins (BEGIN IMMEDIATE: the catalog's only write lock) by reading the
   inbox rows and markers of its events: an event settled already, or leased to another worker, is
   skipped; an event with a marker was applied by an attempt that died before settling it, and is
   settled from the marker, not applied again. No other worker can apply, mark or unmark an event
   between that read and the commit: they all need the catalog's write lock.
3. A marker is deleted only once its event's inbox row is settled: by the process that settled it,
   and only that very marker (its content, application time included: ``inbox.forget_markers``),
   or by a catalog transaction that finds, under that lock, the row settled (``_collect``: markers
   a worker that died after settling left behind). Replaying an event deletes its marker before
   its row goes back to ``received``. So while an event is applied and unsettled, its marker is
   there for rule 2.

Settling after the commit can fail or find a row leased elsewhere (a stalled worker's lease taken
over): the events are then handed back (``Unsettled``) or left to their new owner, and their next
delivery settles them from their markers. Nothing here needs the owner locks or the gate to be right
about anything: they make the turn-taking fair and a dead worker's leases free early.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection

from lily.bus.base import Delivery, LeaseLost, Settling, Transaction, Unsettled
from lily.bus.local.gate import OwnerLocks, WriteGate
from lily.observability import log
from lily.store import Store, inbox

FORGET_BATCH = 256  # markers of events settled here, deleted together...
FORGET_SECONDS = 1.0  # ...or this long after the last deletion
SWEEP_SECONDS = 60.0  # how often a process looks for markers a dead worker left behind


class FileSettling(Settling):
    """Settling through applied-event markers, an inbox write gate and owner locks (module docstring)."""

    def __init__(self, store: Store) -> None:
        super().__init__(store)
        path = store.inbox_engine.url.database
        assert path, "an inbox file of its own has a path"
        self.gate = WriteGate(path)
        self.owners = OwnerLocks(f"{path}.owners")
        self._lock = threading.Lock()
        self._settled: list[dict[str, Any]] = []  # markers of events this process settled
        self._next_forget = 0.0
        self._next_sweep = 0.0  # the first transaction looks for markers left behind

    def turn(self) -> contextlib.AbstractContextManager[None]:
        return self.gate.consumer()

    @contextlib.contextmanager
    def transaction(self, deliveries: Sequence[Delivery], owner: str | None) -> Iterator[Transaction]:
        with self.store.write() as conn:
            self._collect(conn)
            txn = _Marking(conn, owner)
            self._look(txn, deliveries)
            yield txn
        if txn.settled:
            try:
                done = self._settle(owner, txn.settled)
            except Exception as exc:
                log.warning("inbound_settle_failed", events=len(txn.settled), error=str(exc))
                raise Unsettled("the inbox could not be settled after applying; settled on the next delivery") from exc
            with self._lock:  # rule 3: their rows are settled now
                self._settled.extend(m for m in txn.markers if m["event_id"] in done)

    def _look(self, txn: _Marking, deliveries: Sequence[Delivery]) -> None:
        """Rule 2: which events are not this worker's, and which were applied already."""
        owner, ids = txn.owner, [d.message.id for d in deliveries]
        with self.store.inbox_read() as conn:
            # The common case costs one count: every event still leased to this worker.
            mine = owner is not None and inbox.count_leased(conn, owner, ids) == len(ids)
        if not mine:
            txn.skip = self.not_ours(deliveries, owner)
        # Only a delivery after the first can have a marker (an attempt applied it, then died);
        # a bus carrying events itself may deliver a republished event afresh.
        again = {d.message.id: d.attempt for d in deliveries
                 if (d.attempt > 1 or owner is None) and d.message.id not in txn.skip}
        for eid, outcome in inbox.applied_marks(txn.conn, list(again)).items():
            outcome.attempts = again[eid]  # deliveries, this one included
            txn.done[eid] = outcome

    def _settle(self, owner: str | None, settled: list[inbox.Settle]) -> set[uuid.UUID]:
        """Settle a committed transaction's rows in one statement; the events settled. If some are
        not ours any more (a stalled worker's leases taken over), the others one by one, and those
        are left to their new owner, who settles them from their markers."""
        try:
            with self.turn(), self.store.inbox_write() as conn:
                if not inbox.settle(conn, owner, settled):
                    raise LeaseLost  # rolls the partial settling back
            return {row.id for row in settled}
        except LeaseLost:
            with self.turn(), self.store.inbox_write() as conn:
                return {row.id for row in settled if inbox.settle(conn, owner, [row])}

    def _collect(self, conn: Connection, *, now: bool = False) -> None:
        """Rule 3: delete the markers of events this process settled (batched), and about once a
        minute those whose inbox rows a read under the catalog's lock finds settled."""
        at = time.monotonic()
        with self._lock:
            mine: list[dict[str, Any]] = []
            if now or len(self._settled) >= FORGET_BATCH or (self._settled and at >= self._next_forget):
                mine, self._settled, self._next_forget = self._settled, [], at + FORGET_SECONDS
            sweep = now or at >= self._next_sweep
            if sweep:
                self._next_sweep = at + SWEEP_SECONDS
        inbox.forget_markers(conn, mine)  # (if this transaction rolls back, the sweep finds them)
        marked = inbox.marked_ids(conn) if sweep else []
        if marked:
            with self.store.inbox_read() as inbox_conn:
                rows = inbox.leases(inbox_conn, marked)
            inbox.forget_applied(conn, [i for i in marked if rows.get(i, ("", None))[0] in inbox.SETTLED])

    def forget(self, ids: Sequence[uuid.UUID]) -> None:
        with self.store.write() as conn:
            inbox.forget_applied(conn, ids)

    def close(self) -> None:
        try:
            with self.store.write() as conn:
                self._collect(conn, now=True)
        except Exception:  # markers left behind are deleted by the next process's first transaction
            log.exception("inbound_markers_collect_failed")
        self.gate.close()


class _Marking(Transaction):
    def __init__(self, conn: Connection, owner: str | None) -> None:
        super().__init__(conn, owner)
        self.settled: list[inbox.Settle] = []
        self.markers: list[dict[str, Any]] = []

    def settle(self, outcomes: Sequence[tuple[Delivery, inbox.Outcome]]) -> None:
        """Rule 1: markers now, the inbox rows after the commit."""
        self.markers = [inbox.marker(d.message.id, d.message.tenant_id, o) for d, o in outcomes
                        if o.status == inbox.APPLIED and d.message.id not in self.done]
        inbox.mark_applied(self.conn, self.markers)
        self.settled = [self.row(d, o) for d, o in outcomes]
