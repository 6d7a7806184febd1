"""The outbound worker: change feed + re-plan requests -> deliveries -> applied statements.

Planning is a change-feed consumer (``outbound``): per tenant and batch, in one transaction, it maps
classification and asset changes to the tables they touch, plans those tables (a rule or target
change re-plans the whole tenant) and commits its offset with the deliveries it created. Delivering
then runs whatever is due, including retries whose backoff has elapsed.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection

from lily.governance.consumer import root_cause
from lily.model.change import Change, ChangeKind
from lily.observability import Metrics
from lily.outbound.deliver import Cause, Deliverer, Outcome, Planner, load_rules, load_targets
from lily.outbound.notify import NOTIFIED, plan_notifications
from lily.outbound.retry import RetryPolicy
from lily.store import Store
from lily.store import governance as repo
from lily.store.feed import changes_after, commit_offset, get_offset

CONSUMER = "outbound"
_RELEVANT = {ChangeKind.CLASSIFICATION_ADDED, ChangeKind.CLASSIFICATION_REMOVED, ChangeKind.ASSET_CREATED,
             ChangeKind.ASSET_UPDATED, ChangeKind.ASSET_DELETED, ChangeKind.ASSET_RENAMED}


def cause_of(conn: Connection, tenant_id: str, change: Change) -> Cause:
    """The root cause of ``change`` (a propagated tag answers to the tag that was set upstream)."""
    seq, corr = root_cause(change)
    at = change.at
    if seq != change.seq:
        at = repo.change_at(conn, tenant_id, seq) or change.at
    return Cause(seq, at, corr, change.traceparent)


@dataclass(frozen=True, slots=True)
class _Batch:
    offset: int
    batch: list[Change]
    relevant: list[Change]  # changes of assets: the tables they touch may need a new plan
    notified: list[Change]  # changes a notify rule may send


@dataclass(slots=True)
class PlanRound:
    tenant_id: str
    changes: int = 0
    deliveries: int = 0
    statements: int = 0


class OutboundWorker:
    def __init__(self, store: Store, fernet_key: str, retry: RetryPolicy | None = None,
                 metrics: Metrics | None = None, clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 rng: random.Random | None = None, batch_size: int = 1000, lease_s: float = 15.0) -> None:
        self.store = store
        self.fernet_key = fernet_key
        self.clock = clock
        self.batch_size = batch_size
        self.planner = Planner(metrics)
        self.deliverer = Deliverer(store, fernet_key, retry or RetryPolicy(), metrics, clock, rng, lease_s,
                                   self.planner)

    def _read_batch(self, conn: Connection, tenant_id: str, offset: int) -> _Batch:
        batch = changes_after(conn, tenant_id, offset, self.batch_size)
        return _Batch(offset, batch, [c for c in batch if c.kind in _RELEVANT and c.asset_id is not None],
                      [c for c in batch if c.kind in NOTIFIED])

    def plan_tenant(self, tenant_id: str) -> PlanRound:
        result = PlanRound(tenant_id)
        # Read before the write transaction, as propagation does (``PropagationConsumer.run_tenant``):
        # on SQLite it holds the one write lock, and reading a burst's changes inside it held the
        # inbound worker back every round.
        with self.store.read() as conn:
            read = self._read_batch(conn, tenant_id, get_offset(conn, CONSUMER, tenant_id))
        with self.store.write() as conn:
            now = self.clock()
            offset = repo.lock_offset(conn, CONSUMER, tenant_id, now)
            if offset != read.offset:  # another worker moved it meanwhile: read again, under the lock
                read = self._read_batch(conn, tenant_id, offset)
            batch, relevant, notified = read.batch, read.relevant, read.notified
            requests = repo.take_requests(conn, tenant_id)
            if not batch and not requests:
                return result
            targets = load_targets(conn, tenant_id, self.fernet_key) if (relevant or requests or notified) else []
            if targets and notified:
                result.deliveries += len(plan_notifications(
                    conn, tenant_id, targets, load_rules(conn, tenant_id), notified,
                    lambda change: cause_of(conn, tenant_id, change), now))
            if targets and (relevant or requests):
                rules = load_rules(conn, tenant_id)
                if requests:  # rules or targets changed: everything may differ
                    table_ids = None
                    scoped = {r["target_id"] for r in requests}
                    if None not in scoped:
                        targets = [t for t in targets if t.id in scoped]
                    cause = Cause(None, requests[-1]["requested_at"], requests[-1]["correlation_id"])
                    if relevant:
                        cause = cause_of(conn, tenant_id, relevant[-1])
                else:
                    table_ids = repo.tables_of(conn, tenant_id, (c.asset_id for c in relevant if c.asset_id))
                    cause = cause_of(conn, tenant_id, relevant[-1])
                if table_ids is None or table_ids:
                    report = self.planner.plan(conn, tenant_id, targets, rules, table_ids, cause, now)
                    result.deliveries += len(report.deliveries)
                    result.statements = report.statements
            if batch:
                commit_offset(conn, CONSUMER, tenant_id, batch[-1].seq, now)
            result.changes = len(batch)
        return result

    def plan_all(self, max_rounds: int = 10_000) -> list[PlanRound]:
        done = []
        for _ in range(max_rounds):
            with self.store.read() as conn:
                todo = sorted(set(repo.tenants_behind(conn, CONSUMER)) | set(repo.tenants_with_requests(conn)))
            if not todo:
                break
            done += [self.plan_tenant(t) for t in todo]
        return done

    def deliver_due(self, tenant_id: str | None = None) -> list[Outcome]:
        return self.deliverer.deliver_due(tenant_id)

    def drain(self) -> tuple[list[PlanRound], list[Outcome]]:
        """Plan everything pending, then deliver everything due now (one pass; retries wait)."""
        rounds = self.plan_all()
        outcomes: list[Outcome] = []
        while True:
            batch = self.deliverer.deliver_due()
            outcomes += batch
            if not batch:
                break
        return rounds, outcomes

    def next_due_in(self) -> float | None:
        """Seconds until the next retry is due (None: nothing scheduled)."""
        with self.store.read() as conn:
            at = repo.next_due_at(conn)
        if at is None:
            return None
        at = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
        return max((at - self.clock()).total_seconds(), 0.0)
