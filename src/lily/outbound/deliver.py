"""Outbound planning and delivery: desired policy state -> deliveries -> statements applied.

*Planning* (pure computation over store reads, written in the caller's transaction): for each
affected table, the tenant's rules give the desired policy of every target object
(``rules.evaluate``); each target that governs the object diffs it against the state Lily last
applied there (``plan``) and renders only the statements needed. One open delivery per target object:
a newer plan supersedes an unfinished one, and a plan equal to what is already queued is kept.

*Delivering*: due deliveries are claimed (a lease renewed while they run, so several workers can
run and a dead worker's are taken over soon: ``lily.outbound.lease``), applied through the
target's connection, and either recorded as applied (new applied state, one audit record per
statement with the cause's correlation id, latency metric) or as failed with a retry time from
``retry.decide`` (exponential backoff, full jitter) until the budget runs out: dead letter.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from lily import tracing
from lily.governance.rules import GovernedTable, evaluate, governed_tables
from lily.model.identity import AssetRef, asset_id
from lily.model.policy import ObjectKey, ObjectPolicy
from lily.model.rules import SecurityRule
from lily.observability import Metrics, log
from lily.outbound import lease
from lily.outbound.config import ConfigError
from lily.outbound.connections import ConfiguredTarget, configured
from lily.outbound.errors import is_retryable
from lily.outbound.plan import plan
from lily.outbound.retry import RetryPolicy, decide
from lily.outbound.secrets import SecretError
from lily.outbound.targets.base import Statement
from lily.store import Store
from lily.store import governance as repo
from lily.store.feed import write_audit

ACTOR = "system:outbound"
EVENT_KEY_PREFIX = "event:"  # object_key of notification deliveries (``lily.outbound.notify``)


def is_event_delivery(object_key: str) -> bool:
    """A notification (events to send), not a policy to converge."""
    return object_key.startswith(EVENT_KEY_PREFIX)


@dataclass(frozen=True, slots=True)
class Cause:
    """The change a delivery answers to: its seq, when it happened, its correlation id."""

    seq: int | None = None
    at: datetime | None = None
    correlation_id: str | None = None
    traceparent: str | None = None  # the trace its deliveries continue (lily.tracing)


@dataclass(slots=True)
class PlanReport:
    """What planning created: the deliveries and how many statements they hold."""

    deliveries: list[uuid.UUID] = field(default_factory=list)
    statements: int = 0


def load_rules(conn: Connection, tenant_id: str) -> list[SecurityRule]:
    """The tenant's rules; one that no longer validates (stored by an older version) is logged and skipped."""
    out = []
    for row in repo.list_rules(conn, tenant_id):
        try:
            out.append(SecurityRule.model_validate(row["body"]))
        except ValueError as e:
            log.error("rule_unusable", tenant=tenant_id, rule=row["rule_id"], error=str(e))
    return out


def load_targets(conn: Connection, tenant_id: str, fernet_key: str) -> list[ConfiguredTarget]:
    """The tenant's usable targets; one that cannot be decrypted or validated is logged and skipped."""
    out = []
    for row in repo.list_targets(conn, tenant_id):
        try:
            out.append(configured(row, fernet_key))
        except (SecretError, ConfigError) as e:
            log.error("target_unusable", tenant=tenant_id, target=row["name"], error=str(e))
    return out


def load_governed(conn: Connection, tenant_id: str,
                  table_ids: set[uuid.UUID] | None) -> tuple[list[GovernedTable], set[tuple[str, str]]]:
    """Governed tables (live datasets + columns + tags) and the ``(namespace, name)`` of deleted ones."""
    rows, gone = repo.governed_assets(conn, tenant_id, table_ids)
    tags = repo.tags_on(conn, tenant_id, [r.id for r in rows])
    return governed_tables(rows, _Tagged.of(tags)), gone


class _Tagged:
    """Minimal classification stand-ins for ``governed_tables`` (it reads only asset_id and tag)."""

    __slots__ = ("asset_id", "tag")

    def __init__(self, aid: uuid.UUID, tag: str) -> None:
        self.asset_id, self.tag = aid, tag

    @classmethod
    def of(cls, pairs: Iterable[tuple[uuid.UUID, str]]) -> list[Any]:
        return [cls(a, t) for a, t in pairs]


def desired_for(conn: Connection, tenant_id: str, key: ObjectKey, rules: list[SecurityRule]) -> ObjectPolicy | None:
    """Current desired policy of one target object."""
    table = asset_id(tenant_id, AssetRef(namespace=key.namespace, name=key.name))
    tables, _ = load_governed(conn, tenant_id, {table})
    return evaluate(rules, tables).get(key)


def _policy_json(p: ObjectPolicy | None) -> dict[str, Any] | None:
    return p.model_dump(mode="json") if p is not None and not p.is_empty else None


class Planner:
    def __init__(self, metrics: Metrics | None = None) -> None:
        self.metrics = metrics

    def plan(self, conn: Connection, tenant_id: str, targets: list[ConfiguredTarget], rules: list[SecurityRule],
             table_ids: set[uuid.UUID] | None, cause: Cause, now: datetime) -> PlanReport:
        """Deliveries for the tables ``table_ids`` (None: every table) on every enabled target."""
        with tracing.span("lily.outbound.plan", parent=cause.traceparent, tenant=tenant_id):
            return self._plan(conn, tenant_id, targets, rules, table_ids, replace(cause, traceparent=(
                tracing.traceparent() or cause.traceparent)), now)

    def _plan(self, conn: Connection, tenant_id: str, targets: list[ConfiguredTarget], rules: list[SecurityRule],
              table_ids: set[uuid.UUID] | None, cause: Cause, now: datetime) -> PlanReport:
        report = PlanReport()
        tables, gone = load_governed(conn, tenant_id, table_ids)
        desired = evaluate(rules, tables)
        live = {(t.ref.namespace, t.ref.name) for t in tables}
        applied_rows = repo.applied_for(conn, tenant_id, None if table_ids is None else live | gone)
        if table_ids is None:
            gone = {(r["namespace"], r["name"]) for r in applied_rows} - live
        applied: dict[uuid.UUID, dict[ObjectKey, ObjectPolicy]] = {}
        for r in applied_rows:
            p = ObjectPolicy.model_validate(r["policy"])
            applied.setdefault(r["target_id"], {})[p.key] = p
        for t in targets:
            if not t.enabled:
                continue
            want = {k: p for k, p in desired.items() if t.accepts(k)}
            have = applied.get(t.id, {})
            for key in sorted(set(want) | set(have), key=str):
                if (key.namespace, key.name) in gone:
                    # The table left the catalog: forget it rather than send DDL to a dropped object.
                    repo.put_applied(conn, tenant_id, t.id, str(key), key.namespace, key.name, None, None, now)
                    self._supersede(conn, t, key, now, "object deleted from the catalog")
                    continue
                self.object(conn, t, key, want.get(key), have.get(key), cause, now, report)
        return report

    def _supersede(self, conn: Connection, t: ConfiguredTarget, key: ObjectKey, now: datetime, reason: str,
                   keep: uuid.UUID | None = None) -> None:
        ids = [o["id"] for o in repo.open_deliveries(conn, t.id, str(key)) if o["id"] != keep]
        repo.supersede(conn, ids, now, reason)

    def object(self, conn: Connection, t: ConfiguredTarget, key: ObjectKey, want: ObjectPolicy | None,
               base: ObjectPolicy | None, cause: Cause, now: datetime, report: PlanReport | None = None,
               reuse: dict[str, Any] | None = None) -> uuid.UUID | None:
        """Plan one target object; returns the id of the delivery that will take it to ``want``.

        ``reuse``: an existing delivery row to re-plan in place (replay) instead of a new one.
        """
        report = report if report is not None else PlanReport()
        after = want or ObjectPolicy.empty(key)
        if reuse is None:
            for o in repo.open_deliveries(conn, t.id, str(key)):
                if ObjectPolicy.model_validate(o["desired"]) == after:
                    return o["id"]  # already queued: retries keep their schedule
        self._supersede(conn, t, key, now, "replaced by a newer plan", keep=reuse["id"] if reuse else None)
        diff = plan(want, base, key)
        statements = t.target.render(diff) if not diff.is_empty else []
        if not statements:
            # Nothing to send (converged, or a change this target does not express): record it.
            if not diff.is_empty:
                repo.put_applied(conn, t.tenant_id, t.id, str(key), key.namespace, key.name, _policy_json(want),
                                 None, now)
            if reuse is not None:
                repo.update_delivery(conn, reuse["id"], {
                    "status": "superseded", "next_attempt_at": None, "claimed_until": None, "updated_at": now,
                    "last_error": "nothing to apply: the target object is already converged"})
            return None
        values = {
            "status": "pending", "attempts": 0, "next_attempt_at": now, "first_attempt_at": None,
            "claimed_until": None, "statements": [_statement_json(s) for s in statements],
            "desired": after.model_dump(mode="json"), "updated_at": now,
        }
        if reuse is not None:
            did = reuse["id"]
            repo.update_delivery(conn, did, {**values, "replays": reuse["replays"] + 1})
        else:
            did = uuid.uuid4()
            repo.insert_delivery(conn, {
                **values, "id": did, "tenant_id": t.tenant_id, "target_id": t.id, "object_key": str(key),
                "namespace": key.namespace, "name": key.name, "replays": 0, "last_error": None,
                "cause_seq": cause.seq, "cause_at": cause.at, "correlation_id": cause.correlation_id,
                "traceparent": cause.traceparent, "created_at": now, "applied_at": None})
        report.deliveries.append(did)
        report.statements += len(statements)
        if self.metrics is not None:
            self.metrics.outbound_statements.labels(t.name, "planned").inc(len(statements))
        return did


def _statement_json(s: Statement) -> dict[str, Any]:
    return {"kind": s.kind, "text": s.text, "destination": s.destination}


@dataclass(slots=True)
class Outcome:
    delivery_id: uuid.UUID
    status: str  # applied | failed | dead
    error: str | None = None


class Deliverer:
    """Runs due deliveries (any tenant) and records each outcome in its own transaction."""

    def __init__(self, store: Store, fernet_key: str, retry: RetryPolicy, metrics: Metrics | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC), rng: random.Random | None = None,
                 lease_s: float = 15.0, planner: Planner | None = None) -> None:
        self.store = store
        self.fernet_key = fernet_key
        self.retry = retry
        self.metrics = metrics
        self.clock = clock
        self.rng = rng or random.Random()
        self.lease = timedelta(seconds=lease_s)
        self.planner = planner or Planner(metrics)

    def deliver_due(self, tenant_id: str | None = None, limit: int = 200) -> list[Outcome]:
        now = self.clock()
        with self.store.read() as conn:
            due = repo.due_deliveries(conn, now, limit, tenant_id)
        groups: dict[tuple[str, uuid.UUID], list[dict[str, Any]]] = {}
        for row in due:
            groups.setdefault((row["tenant_id"], row["target_id"]), []).append(row)
        out: list[Outcome] = []
        for (tenant, target_id), rows in groups.items():
            out += self._target_round(tenant, target_id, rows)
        return out

    def _target_round(self, tenant: str, target_id: uuid.UUID, rows: list[dict[str, Any]]) -> list[Outcome]:
        now = self.clock()
        with self.store.write() as conn:
            trow = repo.get_target(conn, tenant, target_id)
            if trow is None or not trow["enabled"]:
                reason = "target deleted" if trow is None else "target disabled"
                repo.supersede(conn, [r["id"] for r in rows], now, reason)
                return []
            claimed = [r for r in rows if repo.claim(conn, r["id"], now, now + self.lease)]
        if not claimed:
            return []
        with lease.kept(self.store, [r["id"] for r in claimed], self.lease, self.clock):
            return self._run_claimed(trow, claimed)

    def _run_claimed(self, trow: dict[str, Any], claimed: list[dict[str, Any]]) -> list[Outcome]:
        try:
            target = configured(trow, self.fernet_key)
        except (SecretError, ConfigError) as e:
            return [self._failed(None, r, e, retryable=False) for r in claimed]
        try:
            connection = target.connect()
        except Exception as e:
            # Refused, unreachable, unknown database, rotated credentials: the target is not
            # usable right now, which an operator can fix; retry within the budget.
            return [self._failed(target, r, e, retryable=True) for r in claimed]
        out = []
        try:
            for r in claimed:
                statements = [Statement(s["kind"], s["text"], None, s.get("destination")) for s in r["statements"]]
                try:
                    with tracing.span("lily.outbound.deliver", parent=r.get("traceparent"), target=target.name,
                                      object=r["object_key"], delivery=str(r["id"])), \
                            tracing.span("lily.warehouse.statements", **{
                                "db.system": target.kind.value, "db.statement": "\n".join(s.text for s in statements)[:8000],
                                "lily.statements": len(statements)}):
                        target.target.apply(statements, connection, delivery=r["id"])
                except Exception as e:
                    out.append(self._failed(target, r, e))
                    continue
                out.append(self._applied(target, r, statements))
        finally:
            close = getattr(connection, "close", None)
            if close is not None:
                try:
                    close()
                except Exception as e:  # a failed close must not hide the outcomes
                    log.warning("target_close_failed", target=target.name, error=str(e))
        return out

    def _applied(self, t: ConfiguredTarget, r: dict[str, Any], statements: list[Statement]) -> Outcome:
        # Notification deliveries (``lily.outbound.notify``) carry events, not a policy to record.
        desired = None if is_event_delivery(r["object_key"]) else ObjectPolicy.model_validate(r["desired"])
        with self.store.write() as conn:
            now = self.clock()
            current = repo.get_delivery(conn, t.tenant_id, r["id"])
            repo.update_delivery(conn, r["id"], {
                "status": "applied", "attempts": r["attempts"] + 1, "applied_at": now, "claimed_until": None,
                "next_attempt_at": None, "first_attempt_at": r["first_attempt_at"] or now, "updated_at": now})
            if desired is not None:
                repo.put_applied(conn, t.tenant_id, t.id, r["object_key"], r["namespace"], r["name"],
                                 _policy_json(desired), r["id"], now)
            # Older dead letters of this object are resolved by this delivery.
            repo.resolve_dead_letters(conn, t.id, r["object_key"], r["id"], r["created_at"], now)
            # One audit record per applied statement, written in one batch.
            repo.write_audit_batch(conn, [{
                "id": uuid.uuid4(), "tenant_id": t.tenant_id, "actor": ACTOR, "action": "outbound.statement",
                "entity_type": "delivery", "entity_id": str(r["id"]), "correlation_id": r["correlation_id"],
                "details": {"target": t.name, "target_kind": t.kind.value, "object": r["object_key"], "index": i,
                            "statement_kind": s.kind, "destination": s.destination, "text": s.text[:10000],
                            "cause_seq": r["cause_seq"]},
                "at": now} for i, s in enumerate(statements)])
            if desired is not None and current is not None and current["status"] not in repo.OPEN:
                # Superseded while it ran: the newer plan assumed the old state, so plan again.
                rules = load_rules(conn, t.tenant_id)
                self.planner.object(conn, t, desired.key, desired_for(conn, t.tenant_id, desired.key, rules),
                                    desired if not desired.is_empty else None,
                                    Cause(r["cause_seq"], r["cause_at"], r["correlation_id"], r.get("traceparent")), now)
        m = self.metrics
        if m is not None:
            m.outbound_statements.labels(t.name, "applied").inc(len(statements))
            m.outbound_deliveries.labels(t.name, "applied").inc()
            if r["cause_at"] is not None:
                m.governance_end_to_end_seconds.labels(t.name).observe(
                    max((now - _aware(r["cause_at"])).total_seconds(), 0.0))
        log.info("delivery_applied", tenant=t.tenant_id, target=t.name, object=r["object_key"],
                 delivery=str(r["id"]), statements=len(statements), correlation_id=r["correlation_id"])
        return Outcome(r["id"], "applied")

    def _failed(self, t: ConfiguredTarget | None, r: dict[str, Any], error: BaseException,
                retryable: bool | None = None) -> Outcome:
        message = str(error)[:4000] or type(error).__name__
        with self.store.write() as conn:
            now = self.clock()
            attempts = r["attempts"] + 1
            first = _aware(r["first_attempt_at"]) if r["first_attempt_at"] else now
            ok = is_retryable(error) if retryable is None else retryable
            decision = decide(self.retry, attempts, first, now, ok, self.rng)
            status = "failed" if decision.retry else "dead"
            repo.update_delivery(conn, r["id"], {
                "status": status, "attempts": attempts, "first_attempt_at": first, "last_error": message,
                "next_attempt_at": decision.next_attempt_at, "claimed_until": None, "updated_at": now})
            write_audit(conn, r["tenant_id"], ACTOR, "outbound.dead_letter" if status == "dead" else "outbound.retry",
                        at=now, entity_type="delivery", entity_id=str(r["id"]), correlation_id=r["correlation_id"],
                        details={"target": t.name if t else str(r["target_id"]), "object": r["object_key"],
                                 "attempts": attempts, "error": message, "decision": decision.reason})
        name = t.name if t else str(r["target_id"])
        if self.metrics is not None:
            self.metrics.outbound_statements.labels(name, "failed").inc()
            self.metrics.outbound_deliveries.labels(name, "dead" if status == "dead" else "retry").inc()
        log.warning("delivery_failed", tenant=r["tenant_id"], target=name, object=r["object_key"],
                    delivery=str(r["id"]), attempts=attempts, status=status, error=message,
                    correlation_id=r["correlation_id"])
        return Outcome(r["id"], status, message)


def _aware(at: datetime) -> datetime:
    """SQLite returns naive datetimes for timezone-aware columns; they are UTC."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)
