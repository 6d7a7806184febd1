"""Settling inbox rows after a worker applied (or gave up on) events.

With the inbox in the catalog's database, an event's row is settled in the transaction that applies
it: state, changes and status commit together. With the inbox in a database of its own (a SQLite
catalog file, ``lily.store.inbox_db``) that takes two commits, and exactly-once rests on three rules:

1. The catalog transaction records each applied event in ``inbound_applied`` (a marker with the
   outcome and the touched assets); the inbox row is settled right after that commit, and the marker
   is deleted in the worker's next catalog transaction.
2. At the start of every catalog transaction the worker reads, for the events it is about to apply,
   their inbox rows and markers. An event no longer leased to it (or already settled) is skipped; an
   event with a marker was applied by an attempt that died before settling it, and is settled from
   the marker instead of applied again.
3. That read happens inside the catalog's write transaction. SQLite has one writer, so no other
   worker can apply (or settle and forget) the same event between the read and the commit.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from lily.bus.base import Bus, Delivery, InboundMessage
from lily.observability import log
from lily.store import Store, bulk, inbox

SWEEP_SECONDS = 60.0  # how often a worker looks for markers a dead worker left behind
FORGET_BATCH = 512  # markers of settled events deleted together...
FORGET_SECONDS = 2.0  # ...or this long after the last deletion


@dataclass
class Settle:
    """How one event settles: its outcome and the assets its application touched."""

    delivery: Delivery
    outcome: inbox.Outcome
    assets: set[uuid.UUID] = field(default_factory=set)
    marked: bool = False  # its marker is in the catalog already (settled from it after a crash)


@dataclass
class Plan:
    """What the start of a catalog transaction found out about the events it is about to apply."""

    skip: set[uuid.UUID] = field(default_factory=set)  # not ours (any more), or settled already
    recovered: dict[uuid.UUID, Settle] = field(default_factory=dict)  # applied before; settle only


class Settler:
    """One worker's settling, transaction by transaction: ``begin`` → ``one``/``many`` → ``after_commit``."""

    def __init__(self, store: Store, bus: Bus, worker_id: str) -> None:
        self.store = store
        self.bus = bus
        self.worker_id = worker_id
        self.apart = store.inbox_apart
        self._queued: list[Settle] = []
        self._forget: list[uuid.UUID] = []  # markers whose inbox rows are settled
        self._forgetting: list[uuid.UUID] = []
        self._next_sweep = 0.0  # the first transaction looks for markers left behind
        self._next_forget = 0.0

    def begin(self, conn: Connection, deliveries: Sequence[Delivery]) -> Plan:
        """Start settling a catalog transaction (``conn``) about to apply ``deliveries``."""
        self._queued = []
        plan = Plan()
        if not self.apart:
            return plan
        now = time.monotonic()
        # Deleted in bulk, not every transaction: until then a settled event's marker is harmless
        # (a settled event is not delivered again; replaying one deletes its marker first).
        if len(self._forget) >= FORGET_BATCH or (self._forget and now >= self._next_forget):
            self._forgetting = list(self._forget)
        if now >= self._next_sweep:
            self._forgetting.extend(self._orphans(conn))
            self._next_sweep = now + SWEEP_SECONDS
        if self._forgetting:
            inbox.forget_applied(conn, self._forgetting)
            self._next_forget = now + FORGET_SECONDS
        if not deliveries:
            return plan
        self._check_leases(deliveries, plan)
        # Of leased rows, only a delivery after the first can have a marker (an attempt applied it,
        # then died). A bus carrying events itself may deliver a republished event afresh.
        again = [d.message.id for d in deliveries
                 if (d.attempt > 1 or not d.leased) and d.message.id not in plan.skip]
        marks = inbox.applied_marks(conn, again) if again else {}
        for d in deliveries:
            if d.message.id in marks:
                outcome, assets = marks[d.message.id]
                outcome.attempts = d.attempt  # deliveries, this one included
                plan.recovered[d.message.id] = Settle(d, outcome, set(assets), marked=True)
        return plan

    def _check_leases(self, deliveries: Sequence[Delivery], plan: Plan) -> None:
        """Skip the deliveries that are not ours any more: one count in the common case (every
        leased event still leased to this worker), the rows only when that count falls short."""
        leased = [d.message.id for d in deliveries if d.leased]
        with self.store.inbox_read() as inbox_conn:
            if len(leased) == len(deliveries) and inbox.count_leased(inbox_conn, self.worker_id, leased) == len(leased):
                return
            rows = inbox.leases(inbox_conn, [d.message.id for d in deliveries])
        for d in deliveries:
            status, owner = rows.get(d.message.id, (None, None))
            if status in inbox.SETTLED or (d.leased and (status != inbox.RECEIVED or owner != self.worker_id)):
                plan.skip.add(d.message.id)

    def one(self, conn: Connection, settle: Settle) -> bool:
        """Settle one event in ``conn`` (inside its savepoint); False: it is not ours to settle (the
        caller rolls back what it applied for it)."""
        if not self.apart:
            d = settle.delivery
            return inbox.finish(conn, d.message.id, self.worker_id, settle.outcome, leased=d.leased,
                                tenant_id=d.message.tenant_id, asset_ids=settle.assets) is not None
        self._mark(conn, [settle])
        self._queued.append(settle)
        return True

    def many(self, conn: Connection, settles: Sequence[Settle]) -> bool:
        """Settle the events of a batch; False: not all of them were ours to settle (roll back)."""
        if self.apart:
            self._mark(conn, settles)
            self._queued.extend(settles)
            return True
        return _settle_rows(conn, self.worker_id, settles, known_seq=True) is not None

    def after_commit(self) -> bool:
        """The catalog transaction committed: settle its events in the inbox (when it is apart).

        False when that failed: the events stay leased, and their next delivery settles them from
        their markers (the caller hands them back to the bus)."""
        forgotten, self._forgetting = set(self._forgetting), []
        self._forget = [i for i in self._forget if i not in forgotten]
        queued, self._queued = self._queued, []
        if not self.apart or not queued:
            return True
        try:
            # The common case (every event leased to us, its inbox seq known) converted before taking
            # the inbox's write turn, which accept requests wait for.
            fast, rest = _split(self.store.inbox_engine.dialect, self.worker_id, queued)
            with self.bus.inbox_turn(), self.store.inbox_write() as conn:
                settled = _settle_rows(conn, self.worker_id, rest, known_seq=False)
                if fast is not None:
                    settled |= fast.run(conn, self.worker_id)
        except Exception as exc:
            log.warning("inbound_settle_failed", worker=self.worker_id, events=len(queued), error=str(exc))
            return False
        assert settled is not None
        self._forget.extend(s.delivery.message.id for s in queued
                            if s.delivery.message.id in settled and (s.marked or s.outcome.status == inbox.APPLIED))
        return True

    def _orphans(self, conn: Connection) -> list[uuid.UUID]:
        """Markers of events settled already: a worker that died between settling the inbox and
        deleting the markers (in its next transaction) leaves them behind."""
        marked = inbox.marked_ids(conn)
        if not marked:
            return []
        with self.store.inbox_read() as inbox_conn:
            rows = inbox.leases(inbox_conn, marked)
        return [i for i in marked if rows.get(i, (None, None))[0] in inbox.SETTLED]

    def close(self) -> None:
        """Delete the markers of events settled since the last catalog transaction."""
        if self.apart and self._forget:
            with self.store.write() as conn:
                inbox.forget_applied(conn, self._forget)
            self._forget = []

    def _mark(self, conn: Connection, settles: Sequence[Settle]) -> None:
        marks = [(s.delivery.message.id, s.delivery.message.tenant_id, s.outcome, s.assets)
                 for s in settles if s.outcome.status == inbox.APPLIED and not s.marked]
        if not marks:
            return
        inbox.mark_applied(conn, marks)
        if self._forget:  # an event applied again (replayed): its old marker's deletion must not take the new one
            new = {m[0] for m in marks}
            self._forget = [i for i in self._forget if i not in new]


@dataclass
class _Prepared:
    """Leased events of known inbox seq, their settling converted ahead of the write turn."""

    settles: list[Settle]
    finish: bulk.Batch
    assets: bulk.Batch

    def run(self, conn: Connection, owner: str) -> set[uuid.UUID]:
        if inbox.finish_prepared(conn, self.finish):
            bulk.run(conn, self.assets)
            return {s.delivery.message.id for s in self.settles}
        # Some leases moved on (a stalled worker): settle what is still ours, one by one.
        return _settle_rows(conn, owner, self.settles, known_seq=False) or set()


def _split(dialect: Any, owner: str, settles: Sequence[Settle]) -> tuple[_Prepared | None, list[Settle]]:
    fast = [s for s in settles if s.delivery.leased and s.delivery.inbox_seq is not None]
    if not fast or not dialect.supports_sane_multi_rowcount:
        return None, list(settles)
    finish = inbox.prepare_finish(dialect, owner, [(s.delivery.message.id, s.outcome) for s in fast])
    assets = inbox.prepare_event_assets(dialect, [(s.delivery.inbox_seq, s.delivery.message.tenant_id, s.assets)
                                                  for s in fast if s.assets])  # type: ignore[misc]
    chosen = {id(s) for s in fast}
    return _Prepared(fast, finish, assets), [s for s in settles if id(s) not in chosen]


def _settle_rows(conn: Connection, owner: str, settles: Sequence[Settle], *, known_seq: bool
                 ) -> set[uuid.UUID] | None:
    """Settle inbox rows in ``conn``; the ids settled. With ``known_seq`` (the transaction that
    applied them) every event must still be ours: None otherwise, and the caller rolls back. Without
    it (after the catalog committed, for what ``_split`` left over) one by one, and rows that are
    not ours any more are left to their new owner."""
    assets: list[tuple[int, str, set[uuid.UUID]]] = []
    settled: set[uuid.UUID] = set()
    together: list[Settle] = []  # leased rows of known seq: one statement
    many = known_seq and conn.dialect.supports_sane_multi_rowcount
    for s in settles:
        d = s.delivery
        if many and d.leased and d.inbox_seq is not None:
            together.append(s)
            continue
        if not d.leased and not known_seq:
            inbox.ensure_row(conn, d.message.inbox_row())
        seq = inbox.finish(conn, d.message.id, owner, s.outcome, leased=d.leased, tenant_id=d.message.tenant_id)
        if seq is None:
            if known_seq:
                return None
            continue
        settled.add(d.message.id)
        assets.append((seq, d.message.tenant_id, s.assets))
    if together:
        if not inbox.finish_leased(conn, owner, [(s.delivery.message.id, s.outcome) for s in together]):
            return None
        settled.update(s.delivery.message.id for s in together)
        assets.extend((s.delivery.inbox_seq, s.delivery.message.tenant_id, s.assets)  # type: ignore[misc]
                      for s in together)
    inbox.add_event_assets(conn, [a for a in assets if a[2]])
    return settled


class ReplayRefused(Exception):
    """A replay that cannot be done: ``status`` is the HTTP answer (404 unknown, 409 not settled)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


def replay(store: Store, bus: Bus, tenant_id: str, event_id: uuid.UUID) -> dict[str, Any]:
    """Put a settled event back to ``received`` and deliver it again; its inbox row.

    An event no worker has settled yet is refused: it will be applied anyway, and only a redelivery
    may find a marker (``Settler.begin``). With the inbox apart, a marker left behind is deleted
    first, or the replay would be settled from it instead of applied again.
    """
    with store.inbox_read() as conn:
        current = inbox.get_event(conn, tenant_id, event_id)
    if current is None:
        raise ReplayRefused(404, f"event {event_id} not found")
    if current["status"] not in inbox.SETTLED:
        raise ReplayRefused(409, f"event {event_id} is still {current['status']}: a worker has yet to settle it")
    if store.inbox_apart:
        with store.write() as conn:
            inbox.forget_applied(conn, [event_id])
    with bus.inbox_turn(), store.inbox_write() as conn:
        row = inbox.reset_for_replay(conn, tenant_id, event_id, datetime.now(UTC))
    if row is None:
        raise ReplayRefused(409, f"event {event_id} is being replayed already")
    bus.redeliver(InboundMessage.from_row(row))
    return row
