"""The change feed and the audit log, read per tenant."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, String, and_, case, func, insert, select, type_coerce

from lily.model import Change
from lily.store.rows import given, upsert
from lily.store.tables import audit_log, changes, consumer_offsets, tenants


def changes_after(conn: Connection, tenant_id: str, after: int = 0, limit: int = 1000,
                  kinds: list[str] | None = None, upto: int | None = None) -> list[Change]:
    q = select(changes).where(changes.c.tenant_id == tenant_id, changes.c.seq > after)
    if kinds:
        q = q.where(changes.c.kind.in_(kinds))
    if upto is not None:
        q = q.where(changes.c.seq <= upto)
    rows = conn.execute(q.order_by(changes.c.seq).limit(limit)).mappings()
    return [Change(**dict(r)) for r in rows]


class Touch(NamedTuple):
    """What a change touched, without its before/after images: the lean read of a consumer that
    only needs to know which assets changed (the contract monitor reads every change, a thousand a
    second; building ``Change`` models with parsed ids and images was most of its cost)."""

    seq: int
    kind: str
    actor: str | None
    at: datetime
    raw_asset_id: Any  # parsed on demand by ``asset_id``: most touches never need it
    after: dict[str, Any] | None  # only for ``with_after`` kinds

    @property
    def asset_id(self) -> uuid.UUID | None:
        raw = self.raw_asset_id
        return raw if raw is None or isinstance(raw, uuid.UUID) else uuid.UUID(raw)


def touches_after(conn: Connection, tenant_id: str, after: int, limit: int, kinds: list[str],
                  with_after: str, upto: int | None = None) -> list[Touch]:
    """Changes of ``kinds`` after ``after`` (and up to ``upto``) as ``Touch`` rows; the after image
    only of ``with_after``."""
    q = select(changes.c.seq, changes.c.kind, changes.c.actor, changes.c.at,
               type_coerce(changes.c.asset_id, String),
               case((changes.c.kind == with_after, changes.c.after), else_=None).label("after")).where(
        changes.c.tenant_id == tenant_id, changes.c.seq > after, changes.c.kind.in_(kinds))
    if upto is not None:
        q = q.where(changes.c.seq <= upto)
    return [Touch(*row) for row in conn.execute(q.order_by(changes.c.seq).limit(limit))]


def window_end(conn: Connection, tenant_id: str, after: int, size: int) -> int:
    """Where a read of at most ``size`` change numbers after ``after`` ends: the tenant's last
    committed change at most (``after`` when there is nothing new). A reader that filters by kind
    reads up to here and moves on from here, so a long run of other kinds costs one bounded scan each,
    not a rescan of everything after ``after`` on every read."""
    head = int(conn.execute(select(tenants.c.change_seq).where(tenants.c.id == tenant_id)).scalar() or 0)
    return max(after, min(head, after + size))


def audit_records(conn: Connection, tenant_id: str, *, actor: str | None = None, action: str | None = None,
                  since: datetime | None = None, before: datetime | None = None,
                  limit: int = 100) -> list[dict[str, Any]]:
    q = select(audit_log).where(audit_log.c.tenant_id == tenant_id).filter_by(
        **given(actor=actor, action=action))
    if since:
        q = q.where(audit_log.c.at >= since)
    if before:
        q = q.where(audit_log.c.at < before)
    rows = conn.execute(q.order_by(audit_log.c.at.desc(), audit_log.c.id).limit(limit)).mappings()
    return [dict(r) for r in rows]


def write_audit(conn: Connection, tenant_id: str, actor: str, action: str, *, at: datetime,
                entity_type: str | None = None, entity_id: str | None = None,
                correlation_id: str | None = None, details: dict[str, Any] | None = None) -> None:
    """Audit a mutation that is not a catalog change (tokens, users, tenants)."""
    conn.execute(insert(audit_log).values(
        id=uuid.uuid4(), tenant_id=tenant_id, actor=actor, action=action, entity_type=entity_type,
        entity_id=entity_id, correlation_id=correlation_id, details=details or {}, at=at))


def get_offset(conn: Connection, consumer: str, tenant_id: str) -> int:
    """Last change seq ``consumer`` has processed for ``tenant_id`` (0 when it never ran)."""
    seq = conn.execute(select(consumer_offsets.c.seq).where(consumer_offsets.c.consumer == consumer,
                                                            consumer_offsets.c.tenant_id == tenant_id)).scalar()
    return int(seq or 0)


def commit_offset(conn: Connection, consumer: str, tenant_id: str, seq: int, at: datetime) -> None:
    """Record progress; call in the same transaction as the consumer's own writes (exactly-once)."""
    upsert(conn, consumer_offsets, {"consumer": consumer, "tenant_id": tenant_id, "seq": seq,
                                    "updated_at": at}, ["consumer", "tenant_id"])


def lags(conn: Connection, consumer: str | None = None, tenant_id: str | None = None) -> dict[tuple[str, str], int]:
    """Changes written but not yet processed, per (consumer, tenant): the tenant's change-sequence
    head minus the consumer's offset. Every consumer with an offset, or only ``consumer``, for every
    tenant (before its first offset it has every change to process); only ``tenant_id`` if given."""
    o, t = consumer_offsets, tenants
    on = o.c.tenant_id == t.c.id if consumer is None else and_(o.c.tenant_id == t.c.id, o.c.consumer == consumer)
    q = select(t.c.id, o.c.consumer, t.c.change_seq - func.coalesce(o.c.seq, 0)).select_from(t.outerjoin(o, on))
    if consumer is None:
        q = q.where(o.c.consumer.is_not(None))
    if tenant_id is not None:
        q = q.where(t.c.id == tenant_id)
    return {(consumer or name, tenant): max(0, int(n)) for tenant, name, n in conn.execute(q)}
