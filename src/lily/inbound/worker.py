"""The inbound worker: parse → enrich → apply, one event at a time, many events per transaction.

For each delivery the worker parses the stored payload (pure, outside any transaction), then in the
batch transaction: takes the inbox row (a row already settled means a redelivery and is skipped),
enriches against the catalog, applies through the store's one apply path (``cause_event_id`` = the
event id) and settles the inbox row. State, changes and the event's status commit together, so a
crash at any point leaves the event either untouched (and redelivered) or applied exactly once.

A batch is settled optimistically: no savepoint per event, and the change, audit and event-asset
rows of all its events written together at the end (one change-sequence bump per tenant). If an
event raises, the batch is rolled back, the events before it are settled again and that event is
handled alone; what only a savepoint can undo (a lease lost meanwhile) is redone event by event.
On SQLite the rows a batch read stay cached for the next one while no other writer commits.

Failures never block the events behind them: a bad payload or an operation the store refuses marks
that event ``failed`` with the reason; anything else (database trouble) is retried with backoff and
ends ``dead`` after ``max_attempts`` deliveries.
"""

from __future__ import annotations

import os
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import ValidationError
from sqlalchemy import Connection
from sqlalchemy.exc import DataError, StatementError

from lily.bus.base import Bus, Consumer, Delivery
from lily.bus.commits import notify_committed
from lily.inbound.enrich import enrich
from lily.inbound.settle import Plan, Settle, Settler
from lily.inbound.sources import InboundError, get_source
from lily.model import ChangeSet, MetadataEvent
from lily.observability import Metrics, log
from lily.store import ApplyError, Store, inbox
from lily.store.apply import ApplyResult, apply_in, write_deferred
from lily.store.apply_cache import ApplyCache

# Errors that will happen again on every attempt: the event fails at once with the reason.
PERMANENT = (InboundError, ApplyError, ValidationError)


def is_permanent(error: BaseException) -> bool:
    """Whether ``error`` comes back on every attempt: a bad payload, a rejected operation, a value
    the database refuses (a NUL in a PostgreSQL text column, a number out of range: ``DataError``),
    or a value that cannot be converted for a statement at all (SQLAlchemy wraps the TypeError or
    ValueError of a bind processor in a bare ``StatementError``; its subclasses are driver errors,
    some of them transient)."""
    if isinstance(error, (*PERMANENT, DataError)):
        return True
    return type(error) is StatementError and isinstance(error.orig, TypeError | ValueError)

OptionsLoader = Callable[[str, str], Any]  # (tenant, source) -> parse options


@dataclass
class WorkerConfig:
    batch_size: int = 256
    max_attempts: int = 5  # deliveries before an event that keeps failing transiently is dead
    backoff_base: float = 0.5  # seconds; doubles per attempt, capped, with jitter
    backoff_max: float = 60.0
    # A transaction stops taking more events after this long, so the accept path (which needs the
    # write lock on SQLite) never waits behind a long batch.
    txn_budget_ms: float = 25.0
    # ...but it keeps the write lock at least this long before it lets a waiting accept request go
    # first: each transaction has a fixed cost (claim, sequence bump, one insert per table, commit),
    # and under a steady stream of requests transactions of one event would not keep up.
    min_txn_ms: float = 20.0
    prefetch: int = 8  # events whose rows are read in one go, ahead of applying them
    fetch_timeout: float = 1.0


@dataclass
class _Parsed:
    delivery: Delivery
    operations: list[MetadataEvent] = field(default_factory=list)
    error: str | None = None
    parse_ms: float = 0.0


@dataclass
class BatchResult:
    applied: int = 0
    failed: int = 0
    dead: int = 0
    retried: int = 0
    skipped: int = 0  # redeliveries of settled events, or leases lost to another worker

    def add(self, other: BatchResult) -> None:
        for name in ("applied", "failed", "dead", "retried", "skipped"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def total(self) -> int:
        return self.applied + self.failed + self.dead + self.retried + self.skipped


def new_worker_id(index: int = 0) -> str:
    return f"{worker_id_prefix(os.getpid())}{index}-{uuid.uuid4().hex[:6]}"


def worker_id_prefix(pid: int) -> str:
    """What the ids of every worker of process ``pid`` on this host start with (the lease owners a
    supervisor releases when that process dies)."""
    return f"{socket.gethostname()[:40]}-{pid}-"


class InboundWorker:
    def __init__(self, store: Store, bus: Bus, *, metrics: Metrics | None = None,
                 config: WorkerConfig | None = None, options: OptionsLoader | None = None,
                 worker_id: str | None = None) -> None:
        self.store = store
        self.bus = bus
        self.metrics = metrics
        self.config = config or WorkerConfig()
        self.options = options or (lambda tenant, source: None)
        self.worker_id = worker_id or new_worker_id()
        self._consumer: Consumer | None = None
        # SQLite (one writer): the rows batches read and wrote, reused by the next batch when no other
        # writer committed meanwhile (``ApplyCache.revalidate``). Dropped whenever a batch aborts.
        self._warm: ApplyCache | None = None
        self.settler = Settler(store, bus, self.worker_id)

    @property
    def consumer(self) -> Consumer:
        if self._consumer is None:
            self._consumer = self.bus.consumer(self.worker_id)
        return self._consumer

    # ------------------------------------------------------------------------------------ loops
    def run(self, stop: threading.Event) -> None:
        """Process until ``stop`` is set (the in-process workers of ``lily serve``, ``lily worker``)."""
        log.info("inbound_worker_started", worker=self.worker_id, bus=self.bus.name)
        try:
            with self.store.pinned():  # its connections stay open between cycles
                while not stop.is_set():
                    try:
                        deliveries = self.consumer.fetch(self.config.batch_size, self.config.fetch_timeout)
                        if deliveries:
                            self.process(deliveries)
                    except Exception:  # keep the worker alive through database or bus outages
                        log.exception("inbound_worker_error", worker=self.worker_id)
                        stop.wait(1.0)
        finally:
            self.close()
            log.info("inbound_worker_stopped", worker=self.worker_id)

    def drain(self, timeout: float = 30.0, idle: float = 0.2) -> BatchResult:
        """Process until nothing is waiting (tests, CLI one-shots). Events backing off are waited for."""
        total = BatchResult()
        deadline = time.monotonic() + timeout
        with self.store.pinned():
            while time.monotonic() < deadline:
                deliveries = self.consumer.fetch(self.config.batch_size, idle)
                if deliveries:
                    total.add(self.process(deliveries))
                elif self.bus.queue_depth() == 0:
                    break
        return total

    def close(self) -> None:
        try:
            self.settler.close()
        except Exception:  # markers left behind are deleted when their events are next seen
            log.exception("inbound_settler_close_failed", worker=self.worker_id)
        if self._consumer is not None:
            self._consumer.close()
            self._consumer = None

    # ------------------------------------------------------------------------------ processing
    def process(self, deliveries: Sequence[Delivery]) -> BatchResult:
        parsed = [self._parse(d) for d in deliveries]
        result = BatchResult()
        start = 0
        touched = time.monotonic()
        while start < len(parsed):
            if time.monotonic() - touched > self.bus.lease_seconds / 3:
                # A long batch (slow database, busy machine): keep the rest leased to us, or another
                # worker takes it over and one of us does the work for nothing.
                self.consumer.in_progress([p.delivery for p in parsed[start:]])
                touched = time.monotonic()
            start, part = self._transaction(parsed, start)
            result.add(part)
        return result

    def _parse(self, delivery: Delivery) -> _Parsed:
        msg = delivery.message
        t0 = time.perf_counter()
        try:
            payload = orjson.loads(msg.payload)
            options = self.options(msg.tenant_id, msg.source)
            ops = get_source(msg.source).parse(payload, received_at=msg.received_at, options=options)
            return _Parsed(delivery, list(ops), parse_ms=_ms(t0))
        except Exception as exc:  # a parser raising anything is deterministic: the event fails
            reason = str(exc) if isinstance(exc, InboundError) else f"{type(exc).__name__}: {exc}"
            return _Parsed(delivery, error=f"parse: {reason}", parse_ms=_ms(t0))

    def _transaction(self, parsed: list[_Parsed], start: int) -> tuple[int, BatchResult]:
        """Settle events from ``start`` on in one transaction until the time budget is spent.

        First optimistically, without a savepoint per event and with the change, audit and
        event-asset rows of all events written together (``_batch``). If an event raises, the
        transaction is rolled back, the events before it are settled again the same way and that
        event alone gets the error handling of ``_settle`` (failed, retried or dead), so each
        attempt still applies an event once. Anything the batch cannot settle (a lost lease, a
        failed commit) is redone event by event with savepoints (``_careful``).
        """
        first = self._batch(parsed, start, len(parsed))
        if isinstance(first, tuple):
            return first
        if first.index is None:
            return self._careful(parsed, start)
        result = BatchResult()
        if first.index > start:
            again = self._batch(parsed, start, first.index, exact=True)
            if not isinstance(again, tuple):
                return self._careful(parsed, start)
            result.add(again[1])
        result.add(self._fail_alone(parsed[first.index], first.error))
        return first.index + 1, result

    def _batch(self, parsed: list[_Parsed], start: int, end: int, *, exact: bool = False
               ) -> tuple[int, BatchResult] | _Aborted:
        """Settle events ``start..end`` in one transaction without savepoints: within the time budget,
        or all of them (``exact``)."""
        observed: list[tuple[Delivery, str, dict[str, Any]]] = []
        t0 = time.perf_counter()
        index = start
        try:
            with self.bus.write_turn(), self.store.write() as conn:
                plan = self.settler.begin(conn, [p.delivery for p in parsed[start:end]])
                cache, loaded = self._batch_cache(conn), start
                pending: list[tuple[_Parsed, inbox.Outcome | None, ApplyResult | None, Settle | None]] = []
                while index < end and (exact or index == start or self._go_on(index < loaded, t0)):
                    if index == loaded:
                        loaded = min(end, index + self.config.prefetch)
                        self._prefetch(conn, cache, [p for p in parsed[index:loaded] if _fresh(p, plan)])
                    item = parsed[index]
                    eid = item.delivery.message.id
                    if eid in plan.skip or eid in plan.recovered:
                        pending.append((item, None, None, plan.recovered.get(eid)))
                    else:
                        try:
                            pending.append((item, *self._stage(conn, item, cache), None))
                        except Exception as exc:
                            raise _EventError(index, exc) from exc
                    index += 1
                write_deferred(conn, cache)
                settles: list[Settle] = []
                for item, outcome, applied, recovered in pending:
                    delivery = item.delivery
                    if recovered is not None:
                        settles.append(recovered)
                        observed.append((delivery, recovered.outcome.status, _timings(recovered.outcome)))
                        continue
                    if outcome is None:
                        observed.append((delivery, "skipped", {}))
                        continue
                    settles.append(_settle_of(delivery, outcome, applied, cache))
                    observed.append((delivery, outcome.status, _timings(outcome)))
                if not self.settler.many(conn, settles):
                    raise _Redo  # settled meanwhile or the lease moved on: only a savepoint can undo it
        except _EventError as exc:
            self._warm = None  # it holds rows the rollback undid
            return _Aborted(exc.index, exc.error)
        except Exception as exc:  # _Redo, or the commit failed: settle these events one by one
            self._warm = None
            if not isinstance(exc, _Redo):
                log.warning("inbound_batch_failed", worker=self.worker_id, error=str(exc))
            return _Aborted(None, exc)
        return index, self._committed(observed, [])

    def _go_on(self, prefetched: bool, t0: float) -> bool:
        """Whether a batch takes one more event: not while an accept request waits for the write
        lock (SQLite) once the batch has lasted ``min_txn_ms``, then within the time budget or the
        rows already read ahead."""
        if _ms(t0) >= self.config.min_txn_ms and self.bus.producers_waiting():
            # Rows read ahead stay valid in the kept cache (SQLite), so stopping mid-window is free.
            return False
        return prefetched or _ms(t0) < self.config.txn_budget_ms

    def _batch_cache(self, conn: Connection) -> ApplyCache:
        if self.store.dialect != "sqlite":  # concurrent writers: rows are only valid in one transaction
            return ApplyCache(defer_changes=True)
        if self._warm is None:
            self._warm = ApplyCache(defer_changes=True)
        self._warm.revalidate(conn)
        return self._warm

    def _stage(self, conn: Connection, item: _Parsed, cache: ApplyCache
               ) -> tuple[inbox.Outcome | None, ApplyResult | None]:
        """Enrich and apply one event; its outcome (None: a redelivery already settled) and what the
        apply path did. The caller settles the inbox row (raises what the application raised)."""
        delivery, msg = item.delivery, item.delivery.message
        if not delivery.leased and not self.settler.apart:  # apart: ``Settler.begin`` checked it
            if delivery.attempt > 1 and inbox.is_settled(conn, msg.id):
                return None, None
            inbox.ensure_row(conn, msg.inbox_row())
        if item.error is not None:
            return inbox.Outcome(inbox.FAILED, _now(), delivery.attempt, error=item.error,
                                 parse_ms=item.parse_ms), None
        t1 = time.perf_counter()
        enriched = enrich(conn, msg.tenant_id, msg.source, item.operations)
        enrich_ms = _ms(t1)
        t2 = time.perf_counter()
        applied = None
        if enriched.operations:
            applied = apply_in(conn, ChangeSet(
                tenant_id=msg.tenant_id, actor=msg.actor or f"inbound:{msg.source}",
                operations=enriched.operations, cause_event_id=str(msg.id),
                correlation_id=msg.correlation_id or str(msg.id)), cache)
        note = enriched.note or (None if enriched.operations else "no operations")
        return inbox.Outcome(inbox.APPLIED, _now(), delivery.attempt, note=note, parse_ms=item.parse_ms,
                             enrich_ms=enrich_ms, apply_ms=_ms(t2), changes=0), applied

    def _fail_alone(self, item: _Parsed, error: BaseException) -> BatchResult:
        """The error handling of ``_settle`` for an event whose application raised in a batch."""
        delivery = item.delivery
        self._warm = None
        try:
            with self.bus.write_turn(), self.store.write() as conn:
                self.settler.begin(conn, [])
                status, detail = self._on_error(conn, item, error)
        except Exception as exc:
            log.warning("inbound_transaction_failed", worker=self.worker_id, error=str(exc))
            status, detail = "retry", {"error": f"{type(exc).__name__}: {exc}"}
        if status == "retry":
            return self._committed([], [(delivery, detail["error"])])
        return self._committed([(delivery, status, detail)], [])

    def _careful(self, parsed: list[_Parsed], start: int) -> tuple[int, BatchResult]:
        """Settle events from ``start`` on, each in its own savepoint of one transaction."""
        self._warm = None
        settled: list[Delivery] = []
        retry: list[tuple[Delivery, str]] = []
        observed: list[tuple[Delivery, str, dict[str, float]]] = []
        t0 = time.perf_counter()
        index = start
        try:
            with self.bus.write_turn(), self.store.write() as conn:
                plan = self.settler.begin(conn, [p.delivery for p in parsed[start:]])
                cache, loaded = ApplyCache(), start
                # The budget is checked only between prefetched windows: rows read for an event are
                # used in this transaction (the cache does not outlive it).
                while index < len(parsed) and (index < loaded or _ms(t0) < self.config.txn_budget_ms):
                    if index == loaded:  # read the next few events' rows in one go
                        loaded = min(len(parsed), index + self.config.prefetch)
                        self._prefetch(conn, cache, [p for p in parsed[index:loaded] if _fresh(p, plan)])
                    item = parsed[index]
                    index += 1
                    status, detail = self._settle(conn, item, cache, plan)
                    if status == "retry":
                        retry.append((item.delivery, detail["error"]))
                    else:
                        settled.append(item.delivery)
                        observed.append((item.delivery, status, detail))
        except Exception as exc:  # the commit (or the connection) failed: nothing of it happened
            log.warning("inbound_transaction_failed", worker=self.worker_id, error=str(exc))
            result = BatchResult()
            for item in parsed[start:index]:
                self._nak(item.delivery, f"{type(exc).__name__}: {exc}")
            result.retried += index - start
            return index, result
        return index, self._committed(observed, retry)

    def _committed(self, observed: list[tuple[Delivery, str, dict[str, Any]]],
                   retry: list[tuple[Delivery, str]]) -> BatchResult:
        """After the catalog commit: settle the inbox where it is apart, then ``_settled``. If that
        fails, the events go back to the bus and their next delivery settles them (their markers)."""
        if self.settler.after_commit():
            return self._settled(observed, retry)
        error = "the inbox could not be settled after applying; settled on the next delivery"
        return self._settled([o for o in observed if o[1] == "skipped"],
                             retry + [(d, error) for d, status, _ in observed if status != "skipped"])

    def _settled(self, observed: list[tuple[Delivery, str, dict[str, Any]]],
                 retry: list[tuple[Delivery, str]]) -> BatchResult:
        """After the commit: ack, wake change-feed consumers, count, and hand back events to retry."""
        result = BatchResult()
        self.consumer.ack([d for d, _, _ in observed])
        # Change-feed consumers in this process (propagation, outbound) wait for commits, not polls.
        for tenant in sorted({d.message.tenant_id for d, status, _ in observed if status == "applied"}):
            notify_committed(self.store.engine, tenant)
        for delivery, status, detail in observed:
            setattr(result, status, getattr(result, status) + 1)
            self._observe(delivery, status, detail)
        for delivery, error in retry:
            self._nak(delivery, error)
            result.retried += 1
        return result

    @staticmethod
    def _prefetch(conn: Connection, cache: ApplyCache, items: Sequence[_Parsed]) -> None:
        """Load the assets and edges ``items`` restate into the transaction's cache."""
        by_tenant: dict[str, list[MetadataEvent]] = {}
        for item in items:
            by_tenant.setdefault(item.delivery.message.tenant_id, []).extend(item.operations)
        for tenant, operations in by_tenant.items():
            cache.prefetch(conn, tenant, operations)

    def _settle(self, conn: Connection, item: _Parsed, cache: ApplyCache, plan: Plan
                ) -> tuple[str, dict[str, Any]]:
        """Apply one event inside a savepoint; returns (applied|failed|dead|skipped|retry, details)."""
        delivery = item.delivery
        eid = delivery.message.id
        if eid in plan.skip:
            return "skipped", {}
        if eid in plan.recovered:  # applied by an attempt that died before settling it
            recovered = plan.recovered[eid]
            self.settler.one(conn, recovered)
            return recovered.outcome.status, _timings(recovered.outcome)
        savepoint = conn.begin_nested()
        try:
            outcome, applied = self._stage(conn, item, cache)
            if outcome is None:
                savepoint.commit()  # a redelivery of an event settled before a crash
                return "skipped", {}
            if not self.settler.one(conn, _settle_of(delivery, outcome, applied, cache)):
                savepoint.rollback()  # settled meanwhile, or the lease moved on: undo our application
                cache.clear()  # it may hold rows the rollback just undid
                return "skipped", {}
            savepoint.commit()
            return outcome.status, _timings(outcome)
        except Exception as exc:
            savepoint.rollback()
            cache.clear()
            return self._on_error(conn, item, exc)

    def _on_error(self, conn: Connection, item: _Parsed, error: BaseException) -> tuple[str, dict[str, Any]]:
        """An application that raised: failed at once (permanent), dead (attempts used up), or retry."""
        delivery = item.delivery
        if is_permanent(error):
            return self._give_up(conn, delivery, inbox.FAILED, f"apply: {error}", item.parse_ms)
        reason = f"{type(error).__name__}: {error}"
        if delivery.attempt >= self.config.max_attempts:
            return self._give_up(conn, delivery, inbox.DEAD, f"gave up after {delivery.attempt} attempts: {reason}",
                                 item.parse_ms)
        return "retry", {"error": reason}

    def _give_up(self, conn: Connection, delivery: Delivery, status: str, error: str,
                 parse_ms: float) -> tuple[str, dict[str, Any]]:
        """Record a failed/dead event in its own savepoint (the application's was rolled back)."""
        savepoint = conn.begin_nested()
        if not delivery.leased and not self.settler.apart:
            inbox.ensure_row(conn, delivery.message.inbox_row())
        outcome = inbox.Outcome(status, _now(), delivery.attempt, error=error[:4000], parse_ms=parse_ms)
        if not self.settler.one(conn, Settle(delivery, outcome)):
            savepoint.rollback()
            return "skipped", {}
        savepoint.commit()
        return status, {"parse": parse_ms}

    def _nak(self, delivery: Delivery, error: str) -> None:
        delay = min(self.config.backoff_max, self.config.backoff_base * 2 ** max(0, delivery.attempt - 1))
        delay *= random.uniform(0.8, 1.2)  # jitter spreads retries of a burst
        try:
            self.consumer.nak(delivery, delay, error[:4000])
        except Exception:  # the bus will redeliver after the lease runs out anyway
            log.exception("inbound_nak_failed", worker=self.worker_id, event_id=str(delivery.message.id))
        if self.metrics is not None:
            self.metrics.inbound_retried.labels(delivery.message.source).inc()

    def _observe(self, delivery: Delivery, status: str, timings: dict[str, float]) -> None:
        if self.metrics is None or status == "skipped":
            return
        source = delivery.message.source
        {"applied": self.metrics.inbound_applied, "failed": self.metrics.inbound_failed,
         "dead": self.metrics.inbound_dead}[status].labels(source).inc()
        for stage, ms in timings.items():
            self.metrics.inbound_stage_seconds.labels(source, stage).observe(ms / 1000)
        if status == "applied":
            lag = (datetime.now(UTC) - delivery.message.received_at).total_seconds()
            self.metrics.inbound_end_to_end_seconds.labels(source).observe(max(0.0, lag))


def _fresh(item: _Parsed, plan: Plan) -> bool:
    """To be applied in this transaction (not skipped, not settled from its marker)."""
    eid = item.delivery.message.id
    return eid not in plan.skip and eid not in plan.recovered


def _count_changes(outcome: inbox.Outcome, applied: ApplyResult | None) -> None:
    if applied is not None:  # after the change rows are written (a batch writes them at its end)
        outcome.changes = len(applied.changes)
        outcome.first_change_seq, outcome.last_change_seq = applied.first_seq, applied.last_seq


def _timings(outcome: inbox.Outcome) -> dict[str, float]:
    if outcome.status == inbox.FAILED:
        return {"parse": outcome.parse_ms or 0.0}
    return {"parse": outcome.parse_ms or 0.0, "enrich": outcome.enrich_ms or 0.0, "apply": outcome.apply_ms or 0.0}


def _settle_of(delivery: Delivery, outcome: inbox.Outcome, applied: ApplyResult | None, cache: ApplyCache) -> Settle:
    """How an applied event settles: its change range, the assets it touched (on its row) and the ones
    it is indexed under (a column under its dataset)."""
    if applied is None:
        return Settle(delivery, outcome)
    _count_changes(outcome, applied)
    touched = set(applied.asset_ids.values()) | {c["asset_id"] for c in applied.changes if c["asset_id"] is not None}
    outcome.touched_assets = inbox.touched_text(touched)
    return Settle(delivery, outcome, {cache.dataset_of(a) for a in touched})


class _Redo(Exception):
    """A batch cannot settle an event without undoing its application alone (needs a savepoint)."""


class _EventError(Exception):
    def __init__(self, index: int, error: Exception) -> None:
        super().__init__(str(error))
        self.index, self.error = index, error


@dataclass
class _Aborted:
    """A batch rolled back: ``index`` is the event that raised ``error`` (None: not one event's fault)."""

    index: int | None
    error: BaseException


def _ms(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000


def _now() -> datetime:
    return datetime.now(UTC)
