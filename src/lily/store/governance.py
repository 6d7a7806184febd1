"""Repositories for governance state: rules, targets, applied policy state, deliveries, bookkeeping,
and the outbound worker's reads of catalog state (the tables changes touch, governed assets, tags).

Every function takes the caller's connection (the caller owns the transaction, so a consumer can
commit its writes and its feed offset together) and filters on ``tenant_id``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, case, delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from lily.model import Asset
from lily.store.chunks import chunked, mappings_in, rows_in
from lily.store.feed import lags
from lily.store.governance_snapshot import asset_rows
from lily.store.rows import asset_from_row, first_dict, given
from lily.store.tables import assets, audit_log, changes, classifications, consumer_offsets, tenants
from lily.store.tables_governance import (
    deliveries,
    governance_requests,
    outbound_applied,
    outbound_targets,
    propagation_pending,
    security_rules,
)

OPEN = ("pending", "failed")  # delivery statuses that will still run


# --- feed consumers -------------------------------------------------------------------------------
def lock_offset(conn: Connection, consumer: str, tenant_id: str, at: datetime) -> int:
    """The consumer's offset for the tenant, row-locked until the transaction ends.

    The no-op UPDATE takes PostgreSQL's row lock, so two workers of the same consumer serialise per
    tenant instead of processing one batch twice (SQLite writers are already serialised).
    """
    c = consumer_offsets.c
    seq = conn.execute(update(consumer_offsets).where(c.consumer == consumer, c.tenant_id == tenant_id)
                       .values(seq=c.seq).returning(c.seq)).scalar()
    if seq is None:
        # The first offset. Two workers of one consumer (`lily worker propagation` twice) can both
        # get here: the second's insert waits for the first's row and does nothing (no unique
        # violation), and its UPDATE then waits for the row lock like any later call.
        first = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(consumer_offsets)
        conn.execute(first.values(consumer=consumer, tenant_id=tenant_id, seq=0, updated_at=at)
                     .on_conflict_do_nothing())
        seq = conn.execute(update(consumer_offsets).where(c.consumer == consumer, c.tenant_id == tenant_id)
                           .values(seq=c.seq).returning(c.seq)).scalar()
    return int(seq or 0)


def tenants_behind(conn: Connection, consumer: str) -> list[str]:
    """Tenants with changes the consumer has not processed yet."""
    return sorted(tenant for (_, tenant), behind in lags(conn, consumer).items() if behind)


def all_tenants(conn: Connection) -> list[str]:
    return list(conn.execute(select(tenants.c.id).order_by(tenants.c.id)).scalars())


# --- propagation bookkeeping ----------------------------------------------------------------------
def pending_origins(conn: Connection, tenant_id: str) -> set[uuid.UUID]:
    q = select(propagation_pending.c.origin_id).where(propagation_pending.c.tenant_id == tenant_id)
    return set(conn.execute(q).scalars())


def tenants_with_pending(conn: Connection) -> list[str]:
    return list(conn.execute(select(propagation_pending.c.tenant_id).distinct()).scalars())


def set_pending(conn: Connection, tenant_id: str, done: set[uuid.UUID], deferred: set[uuid.UUID],
                at: datetime) -> None:
    p = propagation_pending.c
    gone = done - deferred
    if gone:
        conn.execute(delete(propagation_pending).where(p.tenant_id == tenant_id, p.origin_id.in_(list(gone))))
    have = pending_origins(conn, tenant_id)
    new = [{"tenant_id": tenant_id, "origin_id": o, "requested_at": at} for o in deferred - have]
    if new:
        conn.execute(insert(propagation_pending), new)


# --- re-plan requests -----------------------------------------------------------------------------
def request_replan(conn: Connection, tenant_id: str, reason: str, at: datetime, target_id: uuid.UUID | None = None,
                   correlation_id: str | None = None) -> None:
    conn.execute(insert(governance_requests).values(id=uuid.uuid4(), tenant_id=tenant_id, target_id=target_id,
                                                    reason=reason, correlation_id=correlation_id, requested_at=at))


def take_requests(conn: Connection, tenant_id: str) -> list[dict[str, Any]]:
    rows = [dict(r) for r in conn.execute(select(governance_requests).where(
        governance_requests.c.tenant_id == tenant_id).order_by(governance_requests.c.requested_at)).mappings()]
    if rows:
        conn.execute(delete(governance_requests).where(governance_requests.c.id.in_([r["id"] for r in rows])))
    return rows


def tenants_with_requests(conn: Connection) -> list[str]:
    return list(conn.execute(select(governance_requests.c.tenant_id).distinct()).scalars())


# --- security rules -------------------------------------------------------------------------------
def list_rules(conn: Connection, tenant_id: str) -> list[dict[str, Any]]:
    q = select(security_rules).where(security_rules.c.tenant_id == tenant_id).order_by(security_rules.c.rule_id)
    return [dict(r) for r in conn.execute(q).mappings()]


def get_rule(conn: Connection, tenant_id: str, rule_id: str) -> dict[str, Any] | None:
    r = security_rules.c
    return first_dict(conn, select(security_rules).where(r.tenant_id == tenant_id, r.rule_id == rule_id))


def insert_rule(conn: Connection, tenant_id: str, rule_id: str, body: dict[str, Any], enabled: bool, actor: str,
                at: datetime) -> None:
    conn.execute(insert(security_rules).values(tenant_id=tenant_id, rule_id=rule_id, body=body, enabled=enabled,
                                               version=1, created_by=actor, updated_by=actor, created_at=at,
                                               updated_at=at))


def update_rule(conn: Connection, tenant_id: str, rule_id: str, body: dict[str, Any], enabled: bool, actor: str,
                at: datetime) -> bool:
    r = security_rules.c
    return conn.execute(update(security_rules).where(r.tenant_id == tenant_id, r.rule_id == rule_id).values(
        body=body, enabled=enabled, version=r.version + 1, updated_by=actor, updated_at=at)).rowcount > 0


def delete_rule(conn: Connection, tenant_id: str, rule_id: str) -> bool:
    r = security_rules.c
    return conn.execute(delete(security_rules).where(r.tenant_id == tenant_id, r.rule_id == rule_id)).rowcount > 0


# --- targets --------------------------------------------------------------------------------------
def list_targets(conn: Connection, tenant_id: str) -> list[dict[str, Any]]:
    q = select(outbound_targets).where(outbound_targets.c.tenant_id == tenant_id).order_by(outbound_targets.c.name)
    return [dict(r) for r in conn.execute(q).mappings()]


def get_target(conn: Connection, tenant_id: str, target_id: uuid.UUID) -> dict[str, Any] | None:
    t = outbound_targets.c
    return first_dict(conn, select(outbound_targets).where(t.tenant_id == tenant_id, t.id == target_id))


def get_target_by_name(conn: Connection, tenant_id: str, name: str) -> dict[str, Any] | None:
    t = outbound_targets.c
    return first_dict(conn, select(outbound_targets).where(t.tenant_id == tenant_id, t.name == name))


def insert_target(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(insert(outbound_targets).values(**row))


def update_target(conn: Connection, tenant_id: str, target_id: uuid.UUID, values: dict[str, Any]) -> bool:
    t = outbound_targets.c
    return conn.execute(update(outbound_targets).where(t.tenant_id == tenant_id, t.id == target_id)
                        .values(**values)).rowcount > 0


def delete_target(conn: Connection, tenant_id: str, target_id: uuid.UUID) -> bool:
    """Forget the target, its applied state and its unfinished deliveries (policies in the target stay)."""
    t = outbound_targets.c
    if not conn.execute(delete(outbound_targets).where(t.tenant_id == tenant_id, t.id == target_id)).rowcount:
        return False
    conn.execute(delete(outbound_applied).where(outbound_applied.c.target_id == target_id))
    conn.execute(update(deliveries).where(deliveries.c.target_id == target_id, deliveries.c.status.in_(OPEN))
                 .values(status="superseded", next_attempt_at=None, last_error="target deleted"))
    return True


# --- applied state --------------------------------------------------------------------------------
def applied_for(conn: Connection, tenant_id: str, names: set[tuple[str, str]] | None = None,
                target_id: uuid.UUID | None = None) -> list[dict[str, Any]]:
    """Applied-state rows of the tenant, optionally only for ``(namespace, name)`` objects / one target."""
    a = outbound_applied.c
    q = select(outbound_applied).where(a.tenant_id == tenant_id).filter_by(**given(target_id=target_id))
    if names is None:
        return [dict(r) for r in conn.execute(q).mappings()]
    out: list[dict[str, Any]] = []
    # 200 pairs per statement: each binds two parameters.
    for chunk in chunked(sorted(names), 200):
        cond = or_(*(and_(a.namespace == ns, a.name == n) for ns, n in chunk))
        out += [dict(r) for r in conn.execute(q.where(cond)).mappings()]
    return out


def put_applied(conn: Connection, tenant_id: str, target_id: uuid.UUID, object_key: str, namespace: str, name: str,
                policy: dict[str, Any] | None, delivery_id: uuid.UUID | None, at: datetime) -> None:
    """Record what is now applied; ``None`` (no policy) removes the row."""
    a = outbound_applied.c
    conn.execute(delete(outbound_applied).where(a.target_id == target_id, a.object_key == object_key))
    if policy is not None:
        conn.execute(insert(outbound_applied).values(
            target_id=target_id, object_key=object_key, tenant_id=tenant_id, namespace=namespace, name=name,
            policy=policy, delivery_id=delivery_id, updated_at=at))


# --- deliveries -----------------------------------------------------------------------------------
def insert_delivery(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(insert(deliveries).values(**row))


def open_deliveries(conn: Connection, target_id: uuid.UUID, object_key: str) -> list[dict[str, Any]]:
    d = deliveries.c
    q = select(deliveries).where(d.target_id == target_id, d.object_key == object_key, d.status.in_(OPEN))
    return [dict(r) for r in conn.execute(q).mappings()]


def supersede(conn: Connection, ids: list[uuid.UUID], at: datetime, reason: str) -> None:
    if ids:
        conn.execute(update(deliveries).where(deliveries.c.id.in_(ids)).values(
            status="superseded", next_attempt_at=None, claimed_until=None, last_error=reason, updated_at=at))


def due_deliveries(conn: Connection, now: datetime, limit: int = 100,
                   tenant_id: str | None = None) -> list[dict[str, Any]]:
    d = deliveries.c
    q = (select(deliveries).where(d.status.in_(OPEN), d.next_attempt_at <= now,
                                  or_(d.claimed_until.is_(None), d.claimed_until < now))
         .filter_by(**given(tenant_id=tenant_id)))
    return [dict(r) for r in conn.execute(q.order_by(d.next_attempt_at, d.created_at).limit(limit)).mappings()]


def next_due_at(conn: Connection) -> datetime | None:
    """When the next open delivery can be attempted (a delivery leased by a worker: when its lease ends)."""
    d = deliveries.c
    at = case((d.claimed_until > d.next_attempt_at, d.claimed_until), else_=d.next_attempt_at)
    return conn.execute(select(func.min(at)).where(d.status.in_(OPEN))).scalar()


def supersede_open(conn: Connection, target_id: uuid.UUID, at: datetime, reason: str) -> int:
    """Close every unfinished delivery of a target (it was disabled: nothing may be sent)."""
    d = deliveries.c
    return conn.execute(update(deliveries).where(d.target_id == target_id, d.status.in_(OPEN)).values(
        status="superseded", next_attempt_at=None, claimed_until=None, last_error=reason, updated_at=at)).rowcount


def claim(conn: Connection, delivery_id: uuid.UUID, now: datetime, until: datetime) -> bool:
    """Take a due delivery for one attempt (another worker that raced for it gets False)."""
    d = deliveries.c
    return conn.execute(update(deliveries).where(
        d.id == delivery_id, d.status.in_(OPEN), d.next_attempt_at <= now,
        or_(d.claimed_until.is_(None), d.claimed_until < now)).values(claimed_until=until)).rowcount > 0


def extend_claims(conn: Connection, delivery_ids: Sequence[uuid.UUID], until: datetime) -> int:
    """Renew the lease of claimed deliveries that are still running (``lily.outbound.lease``)."""
    d = deliveries.c
    return conn.execute(update(deliveries).where(
        d.id.in_(delivery_ids), d.status.in_(OPEN), d.claimed_until.is_not(None)).values(claimed_until=until)).rowcount


def update_delivery(conn: Connection, delivery_id: uuid.UUID, values: dict[str, Any]) -> None:
    conn.execute(update(deliveries).where(deliveries.c.id == delivery_id).values(**values))


def resolve_dead_letters(conn: Connection, target_id: uuid.UUID, object_key: str, applied_id: uuid.UUID,
                         created_at: datetime, at: datetime) -> None:
    """Close the dead letters of an object older than the delivery ``applied_id`` that was just applied."""
    d = deliveries.c
    conn.execute(update(deliveries).where(
        d.target_id == target_id, d.object_key == object_key, d.status == "dead", d.created_at <= created_at,
        d.id != applied_id).values(status="superseded", updated_at=at, last_error=f"resolved by delivery {applied_id}"))


def get_delivery(conn: Connection, tenant_id: str, delivery_id: uuid.UUID) -> dict[str, Any] | None:
    d = deliveries.c
    return first_dict(conn, select(deliveries).where(d.tenant_id == tenant_id, d.id == delivery_id))


def list_deliveries(conn: Connection, tenant_id: str, *, status: str | None = None,
                    target_id: uuid.UUID | None = None, limit: int = 100,
                    before: datetime | None = None) -> list[dict[str, Any]]:
    """Newest first; ``before`` pages back in time."""
    d = deliveries.c
    q = select(deliveries).where(d.tenant_id == tenant_id).filter_by(
        **given(status=status, target_id=target_id))
    if before:
        q = q.where(d.created_at < before)
    return [dict(r) for r in conn.execute(q.order_by(d.created_at.desc(), d.id).limit(limit)).mappings()]


# --- the outbound worker's catalog reads ---------------------------------------------------------
_ASSET = assets.c


def tables_of(conn: Connection, tenant_id: str, ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """The tables (datasets) the assets belong to: a column's parent, anything else but a job itself."""
    return {r.dataset or r.id for r in asset_rows(conn, tenant_id, set(ids)).values() if r.type != "job"}


def change_at(conn: Connection, tenant_id: str, seq: int) -> datetime | None:
    """When the tenant's change ``seq`` happened (None: no such change)."""
    return conn.execute(select(changes.c.at).where(changes.c.tenant_id == tenant_id, changes.c.seq == seq)).scalar()


def asset_names(conn: Connection, tenant_id: str, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """``id, namespace, name, field, type, parent_id`` of the assets among ``ids`` (live or deleted)."""
    q = select(_ASSET.id, _ASSET.namespace, _ASSET.name, _ASSET.field, _ASSET.type, _ASSET.parent_id).where(_ASSET.tenant_id == tenant_id)
    return {r["id"]: dict(r) for r in mappings_in(conn, q, _ASSET.id, set(ids))}


def governed_assets(conn: Connection, tenant_id: str,
                    table_ids: set[uuid.UUID] | None) -> tuple[list[Asset], set[tuple[str, str]]]:
    """Live tables among ``table_ids`` (None: every live asset) with their live columns, and the
    ``(namespace, name)`` of the tables among ``table_ids`` that are deleted."""
    tenant_assets = select(assets).where(_ASSET.tenant_id == tenant_id)
    if table_ids is None:
        return [asset_from_row(r) for r in conn.execute(tenant_assets.where(_ASSET.status == "active")).mappings()], set()
    live_columns = tenant_assets.where(_ASSET.type == "column", _ASSET.status == "active")
    rows = [asset_from_row(r) for r in (*mappings_in(conn, tenant_assets, _ASSET.id, table_ids),
                                        *mappings_in(conn, live_columns, _ASSET.parent_id, table_ids))]
    gone = {(r.ref.namespace, r.ref.name) for r in rows if r.status != "active" and r.type != "column"}
    return [r for r in rows if r.status == "active"], gone


def tags_on(conn: Connection, tenant_id: str, ids: list[uuid.UUID]) -> list[tuple[uuid.UUID, str]]:
    """``(asset_id, tag)`` of every classification on ``ids`` (any source)."""
    c = classifications.c
    return [(r.asset_id, r.tag) for r in rows_in(conn, select(c.asset_id, c.tag).where(c.tenant_id == tenant_id),
                                                 c.asset_id, ids)]


def write_audit_batch(conn: Connection, records: list[dict[str, Any]]) -> None:
    """Audit records (full ``audit_log`` rows) in one batched statement."""
    if records:
        conn.execute(insert(audit_log), records)
