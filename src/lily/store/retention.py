"""Retention: what the store prunes in the background, and how, so the write path never waits on it.

Pruned, each past its own age (``Retention``; 0 keeps it for ever):
- the inbox rows of applied events (their raw payloads, timings, touched assets); failed and dead
  events are kept longer, for inspection;
- the change feed, but never past the offset of any consumer that reads it (a consumer that has not
  read a tenant's feed yet holds that whole feed), so no consumer ever finds a gap;
- finished deliveries (applied, superseded, dead) — never pending or failed ones;
- the audit log, kept longest;
- run history (off unless set): a run whose last event is past its age, with the datasets it read
  and wrote, except the latest run of each job, so a job keeps its current inputs, outputs and
  state. An event that arrives later for a pruned run starts it again.

Each step deletes at most ``batch`` rows in its own short transaction: on SQLite a transaction holds
the one write lock, and a prune of a year of changes in one statement would stall the inbound worker
for seconds.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Column, Connection, Table, delete, exists, func, select

from lily.observability import log
from lily.store import Store
from lily.store.tables import audit_log, changes, consumer_offsets
from lily.store.tables_governance import deliveries
from lily.store.tables_inbound import inbound_event_assets, inbound_events
from lily.store.tables_runs import run_io, runs

FINISHED_DELIVERIES = ("applied", "superseded", "dead")
Finder = Callable[[Connection, datetime, int], list[Any]]
Deleter = Callable[[Connection, list[Any]], None]


@dataclass(frozen=True)
class Retention:
    applied_events_days: float = 7
    failed_events_days: float = 30
    changes_days: float = 30
    deliveries_days: float = 30
    audit_days: float = 365
    runs_days: float = 0
    batch: int = 500


# Each kind: (find at most ``batch`` keys past ``before``, in a read; delete them, in a short write).
# Finding may walk many rows; only the delete holds a write lock (SQLite's one, for the inbox file the
# accepting routes write to).


def _events(statuses: tuple[str, ...]) -> tuple[Finder, Deleter]:
    e = inbound_events

    def find(conn: Connection, before: datetime, batch: int) -> list[Any]:
        return [s for (s,) in conn.execute(select(e.c.seq).where(
            e.c.status.in_(statuses), func.coalesce(e.c.applied_at, e.c.received_at) < before)
            .order_by(e.c.seq).limit(batch))]

    def drop(conn: Connection, seqs: list[Any]) -> None:
        conn.execute(delete(inbound_event_assets).where(inbound_event_assets.c.event_seq.in_(seqs)))
        conn.execute(delete(e).where(e.c.seq.in_(seqs), e.c.status.in_(statuses)))
    return find, drop


def feed_floor(conn: Connection, tenant: str) -> int:
    """The highest change seq of ``tenant`` every consumer has read (0: some consumer has not started)."""
    known = {name for (name,) in conn.execute(select(consumer_offsets.c.consumer).distinct())}
    read = dict(conn.execute(select(consumer_offsets.c.consumer, consumer_offsets.c.seq).where(
        consumer_offsets.c.tenant_id == tenant)).all())
    return min((read.get(name, 0) for name in known), default=0)


def _find_changes(conn: Connection, before: datetime, batch: int) -> list[Any]:
    found: list[Any] = []
    for (tenant,) in conn.execute(select(changes.c.tenant_id).distinct()).all():
        found += [(tenant, s) for (s,) in conn.execute(select(changes.c.seq).where(
            changes.c.tenant_id == tenant, changes.c.seq <= feed_floor(conn, tenant), changes.c.at < before)
            .order_by(changes.c.seq).limit(batch - len(found)))]
        if len(found) >= batch:
            break
    return found


def _drop_changes(conn: Connection, keys: list[Any]) -> None:
    for tenant in {t for t, _ in keys}:
        conn.execute(delete(changes).where(changes.c.tenant_id == tenant,
                                           changes.c.seq.in_([s for t, s in keys if t == tenant])))


_NEWER = runs.alias("newer")
_SUPERSEDED = exists().where(_NEWER.c.tenant_id == runs.c.tenant_id, _NEWER.c.job_id == runs.c.job_id,
                             _NEWER.c.first_event_at > runs.c.first_event_at)


def _find_runs(conn: Connection, before: datetime, batch: int) -> list[Any]:
    return [tuple(r) for r in conn.execute(select(runs.c.tenant_id, runs.c.run_id).where(
        runs.c.last_event_at < before, _SUPERSEDED).limit(batch))]


def _drop_runs(conn: Connection, keys: list[Any]) -> None:
    for tenant in {t for t, _ in keys}:
        ids = [r for t, r in keys if t == tenant]
        conn.execute(delete(run_io).where(run_io.c.tenant_id == tenant, run_io.c.run_id.in_(ids)))
        conn.execute(delete(runs).where(runs.c.tenant_id == tenant, runs.c.run_id.in_(ids)))


def _by_id(table: Table, when: Column[Any], *where: Any) -> tuple[Finder, Deleter]:
    def find(conn: Connection, before: datetime, batch: int) -> list[Any]:
        return [i for (i,) in conn.execute(select(table.c.id).where(when < before, *where).limit(batch))]

    def drop(conn: Connection, ids: list[Any]) -> None:
        conn.execute(delete(table).where(table.c.id.in_(ids)))
    return find, drop


def prune(store: Store, policy: Retention, now: datetime, *, pause: Callable[[], bool] = lambda: False
          ) -> dict[str, int]:
    """Prune everything past its age, one bounded transaction at a time; rows deleted per kind.
    ``pause`` is called between transactions (the service sleeps there; True stops early)."""
    inbox, catalog = (store.inbox_read, store.inbox_write), (store.read, store.write)
    plan = [("applied_events", inbox, policy.applied_events_days, _events(("applied",))),
            ("failed_events", inbox, policy.failed_events_days, _events(("failed", "dead"))),
            ("changes", catalog, policy.changes_days, (_find_changes, _drop_changes)),
            ("deliveries", catalog, policy.deliveries_days,
             _by_id(deliveries, deliveries.c.updated_at, deliveries.c.status.in_(FINISHED_DELIVERIES))),
            ("audit", catalog, policy.audit_days, _by_id(audit_log, audit_log.c.at)),
            ("runs", catalog, policy.runs_days, (_find_runs, _drop_runs))]
    counts: dict[str, int] = {}
    for name, (read, write), days, (find, drop) in plan:
        if days <= 0:
            continue
        before, counts[name] = now - timedelta(days=days), 0
        while True:
            with read() as conn:
                keys = find(conn, before, policy.batch)
            if keys:
                with write() as conn:
                    drop(conn, keys)
            counts[name] += len(keys)
            if len(keys) < policy.batch:
                break
            if pause():
                return counts
    return counts


class RetentionService:
    """``lily serve``'s (and the scheduler's) thread: prune every ``interval_s``, pausing ``gap_s``
    between transactions so writers always get the lock in between."""

    def __init__(self, store: Store, policy: Retention, interval_s: float, gap_s: float = 0.05,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.store, self.policy, self.interval_s, self.gap_s, self.clock = store, policy, interval_s, gap_s, clock
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="lily-retention", daemon=True)

    def _run(self) -> None:
        wait = min(60.0, self.interval_s)  # soon after start too: a process restarted hourly still prunes
        while not self.stopping.wait(wait):
            wait = self.interval_s
            try:
                counts = prune(self.store, self.policy, self.clock(), pause=lambda: self.stopping.wait(self.gap_s))
                if any(counts.values()):
                    log.info("retention_pruned", **counts)
            except Exception:
                log.exception("retention_failed")

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(10)
