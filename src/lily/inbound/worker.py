"""The inbound worker: claim a batch, parse each event with its source, apply the batch in one
transaction, settle.

The bus hands out deliveries (``Consumer.fetch``) and each payload is parsed by its source, outside
any transaction (pure). The events are then applied in one catalog transaction the bus opens for them
(``Consumer.transaction``): each is enriched and goes through the store's one apply path (a run of
independent events, such as S3 records, as one change set: ``lily.inbound.together``), except
those the bus says are no longer this worker's (``txn.skip``) or were applied by an attempt that died
before settling them (``txn.done``: only settled). Their change rows are written together, their
inbox rows settled (``txn.settle``), the transaction commits, and only then are they acknowledged, so
a crash leaves each event untouched (delivered again) or applied once. An event that raises rolls the
transaction back; the events before it are applied again and it is tried alone under a savepoint,
then ``failed`` with its reason if it would fail every time (``is_permanent``), else handed back
with a backoff and ``dead`` after ``max_attempts``: it never blocks the events behind it. Events
another worker took over meanwhile (``LeaseLost``) roll the transaction back, and it is done again
without them; a failure that is no event's (the commit) hands the events back and the rest of the
batch goes one event per transaction. A transaction takes no more events after ``txn_budget_ms``,
reads the rows of the next ones ahead (``prefetch``), and on SQLite keeps them cached for the next
transaction (``ApplyCache``).
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

from lily import tracing
from lily.bus.base import Bus, Consumer, Delivery, InboundMessage, LeaseLost, Transaction, Unsettled
from lily.bus.commits import notify_committed
from lily.inbound.enrich import enrich
from lily.inbound.sources import InboundError, get_source
from lily.inbound.sources.contract import Enriched
from lily.inbound.together import apply_together, independent
from lily.model import ChangeSet, MetadataEvent
from lily.observability import Metrics, log
from lily.store import ApplyError, Store
from lily.store.apply import ApplyResult, apply_in, write_deferred
from lily.store.apply_cache import ApplyCache, for_transaction
from lily.store.inbox import APPLIED, DEAD, FAILED, Outcome, touched_text

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
    txn_budget_ms: float = 25.0  # a transaction takes no more events after this long
    prefetch: int = 8  # events whose rows are read in one go, ahead of applying them...
    prefetch_ops: int = 128  # ...or more while they hold fewer operations (small events: S3 records)
    fetch_timeout: float = 1.0


@dataclass
class _Event:
    """One delivery on its way through a batch."""

    delivery: Delivery
    operations: list[MetadataEvent] = field(default_factory=list)
    error: str | None = None  # why parsing failed: the event fails
    parse_ms: float = 0.0
    outcome: Outcome | None = None  # how it settles in the transaction at hand (None: skipped)
    applied: ApplyResult | None = None
    retry: str | None = None  # handed back to the bus with this error after the transaction

    @property
    def id(self) -> uuid.UUID:
        return self.delivery.message.id


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


class _Redo(Exception):
    """Roll back and go again over the first ``end`` events: the last one alone under a savepoint
    (``alone``: it raised), or without ``lost`` (events another worker took over meanwhile)."""

    def __init__(self, end: int, *, alone: bool = False, lost: frozenset[uuid.UUID] = frozenset()) -> None:
        super().__init__(end)
        self.end, self.alone, self.lost = end, alone, lost


class _Failed(Exception):
    """The transaction failed for no event's fault (rolled back, or never begun)."""


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
        self._cache: ApplyCache | None = None  # kept between transactions where that is sound (SQLite)

    @property
    def consumer(self) -> Consumer:
        if self._consumer is None:
            self._consumer = self.bus.consumer(self.worker_id)
        return self._consumer

    def partitions_owned(self) -> int:
        consumer = self._consumer
        return (consumer.partitions_owned() or 0) if consumer is not None else 0

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
        if self._consumer is not None:
            self._consumer.close()
            self._consumer = None

    # ------------------------------------------------------------------------------ processing
    def process(self, deliveries: Sequence[Delivery]) -> BatchResult:
        events = [self._parse(d) for d in deliveries]
        result = BatchResult()
        for event in events:  # the database could not be read (restarting, say): later, not failed
            if event.retry is not None:
                self._nak(event.delivery, event.retry)
                result.retried += 1
        events = [e for e in events if e.retry is None]
        start, one_by_one, touched = 0, False, time.monotonic()
        while start < len(events):
            if time.monotonic() - touched > self.bus.lease_seconds / 3:
                # A long batch (slow database, busy machine): keep the rest ours, or another worker
                # takes it over and one of us does the work for nothing.
                self.consumer.in_progress([e.delivery for e in events[start:]])
                touched = time.monotonic()
            taken = self._transaction(events[start:start + 1] if one_by_one else events[start:], result,
                                      alone=one_by_one)
            if taken is None:  # no event's fault: the rest one by one, each alone
                one_by_one = True
                continue
            start += taken
        return result

    def _parse(self, delivery: Delivery) -> _Event:
        msg = delivery.message
        t0 = time.perf_counter()
        try:
            options = self.options(msg.tenant_id, msg.source)
        except Exception as exc:  # a database read (a restart, a dead connection): next time, unless
            if is_permanent(exc):  # it would fail every time
                return _Event(delivery, error=f"parse: {type(exc).__name__}: {exc}", parse_ms=_ms(t0))
            return _Event(delivery, retry=f"source options: {type(exc).__name__}: {exc}", parse_ms=_ms(t0))
        try:
            payload = orjson.loads(msg.payload)
            ops = get_source(msg.source).parse(payload, received_at=msg.received_at, options=options)
            return _Event(delivery, list(ops), parse_ms=_ms(t0))
        except Exception as exc:  # a parser raising anything is deterministic: the event fails
            reason = str(exc) if isinstance(exc, InboundError) else f"{type(exc).__name__}: {exc}"
            return _Event(delivery, error=f"parse: {reason}", parse_ms=_ms(t0))

    def _transaction(self, batch: list[_Event], result: BatchResult, *, alone: bool) -> int | None:
        """Apply events from the start of ``batch`` in one transaction (``alone``: the last one
        under a savepoint); how many it took, or None when it failed for no event's fault with
        more than one event in it (nothing of it happened)."""
        exact, lost = alone, set[uuid.UUID]()
        while True:
            try:
                return self._attempt(batch, result, exact=exact, alone=alone, lost=lost)
            except _Redo as redo:
                batch, exact, alone, lost = batch[:redo.end], True, alone or redo.alone, lost | redo.lost
            except _Failed as exc:
                if len(batch) > 1:
                    return None
                self._nak(batch[0].delivery, str(exc))
                result.retried += 1
                return 1

    def _attempt(self, batch: list[_Event], result: BatchResult, *, exact: bool, alone: bool,
                 lost: set[uuid.UUID]) -> int:
        """One transaction over the start of ``batch`` (all of it when ``exact``); how many it took."""
        taken, t0 = 0, time.perf_counter()
        try:
            with self.consumer.transaction([e.delivery for e in batch]) as txn:
                txn.skip |= lost  # taken over by another worker since the bus looked
                cache = self._cache = for_transaction(txn.conn, self._cache)
                seen: set[uuid.UUID] = set()
                loaded = 0
                while taken < len(batch) and (exact or taken == 0 or taken < loaded
                                              or _ms(t0) < self.config.txn_budget_ms):
                    if taken == loaded:  # read the next few events' rows in one go
                        loaded = self._read_ahead(batch, taken)
                        self._prefetch(txn, cache, batch[taken:loaded])
                    event = batch[taken]
                    event.outcome, event.applied, event.retry = None, None, None
                    if event.id in txn.done:
                        event.outcome = txn.done[event.id]
                    elif not (event.id in txn.skip or event.id in seen):
                        if alone and taken == len(batch) - 1:
                            self._alone(txn.conn, event, cache)
                        else:
                            run = self._run(txn, batch, taken, loaded, seen, alone)
                            if len(run) > 1 and self._apply_run(txn.conn, run, cache):
                                seen.update(e.id for e in run)
                                taken += len(run)
                                continue
                            try:
                                event.outcome, event.applied = self._apply(txn.conn, event, cache)
                            except Exception as exc:  # the events before it together, then it alone
                                raise _Redo(taken + 1, alone=True) from exc
                    seen.add(event.id)
                    taken += 1
                write_deferred(txn.conn, cache)  # the change and audit rows of them all; fills in their results
                settled = batch[:taken]
                for event in settled:
                    if event.applied is not None and event.outcome is not None:
                        _record(event.outcome, event.applied, cache)
                txn.settle([(e.delivery, e.outcome) for e in settled if e.outcome is not None])
        except Unsettled as exc:  # committed; their next delivery settles them
            for event in batch[:taken]:
                if event.outcome is not None:
                    event.outcome, event.retry = None, str(exc)
        except _Redo:
            self._cache = None  # it holds rows the rollback undid
            raise
        except LeaseLost as exc:  # the same events, without those another worker has now
            self._cache = None
            if exc.ids - lost:
                raise _Redo(taken, lost=frozenset(exc.ids)) from exc
            log.warning("inbound_settle_refused", worker=self.worker_id, events=taken)
            raise _Failed(f"{type(exc).__name__}: {exc}") from exc
        except Exception as exc:  # the commit (or the connection) failed: nothing of it happened
            self._cache = None
            log.warning("inbound_transaction_failed", worker=self.worker_id, error=str(exc))
            raise _Failed(f"{type(exc).__name__}: {exc}") from exc
        self._committed(batch[:taken], result)
        return taken

    def _apply(self, conn: Connection, event: _Event, cache: ApplyCache) -> tuple[Outcome, ApplyResult | None]:
        """Enrich and apply one event; its outcome and what the apply path did (raises what it raised)."""
        delivery, msg = event.delivery, event.delivery.message
        if event.error is not None:
            return Outcome(FAILED, _now(), delivery.attempt, error=event.error, parse_ms=event.parse_ms), None
        with tracing.span("lily.inbound.apply", parent=msg.headers.get("traceparent"), event=str(msg.id),
                          source=msg.source, tenant=msg.tenant_id):
            t1 = time.perf_counter()
            enriched = enrich(conn, msg.tenant_id, msg.source, event.operations, cache)
            enrich_ms = _ms(t1)
            t2 = time.perf_counter()
            applied = (apply_in(conn, _changeset(msg, enriched.operations, tracing.traceparent()), cache)
                       if enriched.operations else None)
        return _applied(event, enriched, enrich_ms, _ms(t2)), applied

    def _run(self, txn: Transaction, batch: list[_Event], start: int, end: int, seen: set[uuid.UUID],
             alone: bool) -> list[_Event]:
        """The events from ``start`` (read ahead, up to ``end``) to apply as one change set: parsed,
        this worker's, of one tenant, source and actor, and independent (``lily.inbound.together``)."""
        first = batch[start].delivery.message
        if not independent([batch[start].operations]):
            return []
        run: list[_Event] = []
        ids: set[uuid.UUID] = set()
        for event in batch[start:min(end, len(batch) - 1 if alone else len(batch))]:
            msg = event.delivery.message
            if (event.error is not None or event.id in txn.done or event.id in txn.skip or event.id in seen
                    or event.id in ids or (msg.tenant_id, msg.source, msg.actor) != (first.tenant_id, first.source,
                                                                                       first.actor)):
                break
            run.append(event)
            ids.add(event.id)
        return run[:independent(e.operations for e in run)]

    def _apply_run(self, conn: Connection, run: list[_Event], cache: ApplyCache) -> bool:
        """Apply ``run`` as one change set, each event with its own change rows, audit row and result;
        False when nothing of it happened (it raised, or a change was not attributable): its events
        are then applied one by one."""
        savepoint, deferred = conn.begin_nested(), len(cache.deferred or ())
        try:
            t1, enriched, enrich_ms = time.perf_counter(), [], []
            for event in run:
                t2, msg = time.perf_counter(), event.delivery.message
                enriched.append(enrich(conn, msg.tenant_id, msg.source, event.operations, cache))
                enrich_ms.append(_ms(t2))
            # One span per event of the run, begun and ended around the run's one change set.
            spans = [tracing.started("lily.inbound.apply", e.delivery.message.headers.get("traceparent"),
                                     event=str(e.id), source=e.delivery.message.source, together=len(run))
                     for e in run]
            try:
                results = apply_together(conn, [_changeset(e.delivery.message, x.operations, trace)
                                                for e, x, (_, trace) in zip(run, enriched, spans, strict=True)
                                                if x.operations], cache, apply_in)
            finally:
                for handle, _ in spans:
                    tracing.end(handle)
        except Exception:  # one by one, each meeting its own error
            results = None
        if results is None:
            savepoint.rollback()
            cache.clear()  # it may hold rows the rollback undid
            del (cache.deferred or [])[deferred:]  # and change sets it undid
            return False
        savepoint.commit()
        apply_ms, applied = (_ms(t1) - sum(enrich_ms)) / len(run), iter(results)
        for event, x, ms in zip(run, enriched, enrich_ms, strict=True):
            event.outcome, event.retry = _applied(event, x, ms, apply_ms), None
            event.applied = next(applied) if x.operations else None
        return True

    def _alone(self, conn: Connection, event: _Event, cache: ApplyCache) -> None:
        """Apply an event that raised in its batch once more, alone under a savepoint. If it raises
        again: failed (permanent), dead (attempts used up) or handed back after the transaction."""
        write_deferred(conn, cache)  # the events before it: the savepoint holds this event's writes only
        savepoint = conn.begin_nested()
        try:
            event.outcome, event.applied = self._apply(conn, event, cache)
            write_deferred(conn, cache)  # its own change rows: what fails there is this event's too
            savepoint.commit()
            return
        except Exception as exc:
            savepoint.rollback()
            cache.clear()  # it may hold rows the rollback undid
            error = exc
        delivery = event.delivery
        event.applied = None
        if is_permanent(error):
            event.outcome = Outcome(FAILED, _now(), delivery.attempt, error=f"apply: {error}"[:4000],
                                    parse_ms=event.parse_ms)
            return
        reason = f"{type(error).__name__}: {error}"
        if delivery.attempt >= self.config.max_attempts:
            event.outcome = Outcome(DEAD, _now(), delivery.attempt, parse_ms=event.parse_ms,
                                    error=f"gave up after {delivery.attempt} attempts: {reason}"[:4000])
        else:
            event.outcome, event.retry = None, reason

    def _read_ahead(self, batch: list[_Event], start: int) -> int:
        """Where the events read ahead from ``start`` end: ``prefetch`` of them, more while they hold
        fewer than ``prefetch_ops`` operations (an S3 record is two: one read per 8 cost 7 % of the
        worker's CPU on S3 records)."""
        end, ops = start, 0
        while end < len(batch) and (end - start < self.config.prefetch or ops < self.config.prefetch_ops):
            ops += len(batch[end].operations)
            end += 1
        return end

    def _prefetch(self, txn: Transaction, cache: ApplyCache, events: Sequence[_Event]) -> None:
        """Load the assets and edges the events to apply restate into the transaction's cache."""
        by_tenant: dict[str, list[MetadataEvent]] = {}
        for event in events:
            if not (event.id in txn.skip or event.id in txn.done):
                by_tenant.setdefault(event.delivery.message.tenant_id, []).extend(event.operations)
        for tenant, operations in by_tenant.items():
            cache.prefetch(txn.conn, tenant, operations)

    def _committed(self, events: Sequence[_Event], result: BatchResult) -> None:
        """After the commit: acknowledge, wake change-feed consumers, count, and hand back events to retry."""
        self.consumer.ack([e.delivery for e in events if e.retry is None])
        # Change-feed consumers in this process (propagation, outbound) wait for commits, not polls.
        applied = [e for e in events if e.outcome is not None and e.outcome.status == APPLIED]
        for tenant in sorted({e.delivery.message.tenant_id for e in applied}):
            notify_committed(self.store.engine, tenant)
        for event in events:
            if event.retry is not None:
                self._nak(event.delivery, event.retry)
                result.retried += 1
            elif event.outcome is None:
                result.skipped += 1
            else:
                setattr(result, event.outcome.status, getattr(result, event.outcome.status) + 1)
                self._observe(event.delivery, event.outcome)

    def _nak(self, delivery: Delivery, error: str) -> None:
        delay = min(self.config.backoff_max, self.config.backoff_base * 2 ** max(0, delivery.attempt - 1))
        delay *= random.uniform(0.8, 1.2)  # jitter spreads retries of a burst
        try:
            self.consumer.nak(delivery, delay, error[:4000])
        except Exception:  # the bus will redeliver after the lease runs out anyway
            log.exception("inbound_nak_failed", worker=self.worker_id, event_id=str(delivery.message.id))
        if self.metrics is not None:
            self.metrics.inbound_retried.labels(delivery.message.source).inc()

    def _observe(self, delivery: Delivery, outcome: Outcome) -> None:
        if self.metrics is None:
            return
        source = delivery.message.source
        {APPLIED: self.metrics.inbound_applied, FAILED: self.metrics.inbound_failed,
         DEAD: self.metrics.inbound_dead}[outcome.status].labels(source).inc()
        stages = {"parse": outcome.parse_ms}
        if outcome.status == APPLIED:
            stages |= {"enrich": outcome.enrich_ms, "apply": outcome.apply_ms}
            lag = (datetime.now(UTC) - delivery.message.received_at).total_seconds()
            self.metrics.inbound_end_to_end_seconds.labels(source).observe(max(0.0, lag))
        for stage, ms in stages.items():
            self.metrics.inbound_stage_seconds.labels(source, stage).observe((ms or 0.0) / 1000)


def _changeset(msg: InboundMessage, operations: list[MetadataEvent], traceparent: str | None) -> ChangeSet:
    # Not validated again: the operations are the parser's models, the rest the bus message's text
    # (validating the operations' union cost 2 % of the worker's CPU on S3 records).
    return ChangeSet.model_construct(tenant_id=msg.tenant_id, actor=msg.actor or f"inbound:{msg.source}",
                                     operations=operations, cause_event_id=str(msg.id),
                                     correlation_id=msg.correlation_id or str(msg.id), traceparent=traceparent)


def _applied(event: _Event, enriched: Enriched, enrich_ms: float, apply_ms: float) -> Outcome:
    note = enriched.note or (None if enriched.operations else "no operations")
    return Outcome(APPLIED, _now(), event.delivery.attempt, note=note, parse_ms=event.parse_ms, enrich_ms=enrich_ms,
                   apply_ms=apply_ms, changes=0)


def _record(outcome: Outcome, applied: ApplyResult, cache: ApplyCache) -> None:
    """What an applied event's row records once its change rows are written: its change range, the
    assets it touched, and the ones it is indexed under (a column under its dataset)."""
    outcome.changes = len(applied.changes)
    outcome.first_change_seq, outcome.last_change_seq = applied.first_seq, applied.last_seq
    touched = set(applied.asset_ids.values()) | {c["asset_id"] for c in applied.changes if c["asset_id"] is not None}
    outcome.touched_assets = touched_text(touched)
    outcome.indexed = frozenset(cache.dataset_of(a) for a in touched)


def _ms(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000


def _now() -> datetime:
    return datetime.now(UTC)
