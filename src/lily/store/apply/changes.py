"""The change and audit rows of applied change sets (the transactional outbox of the catalog).

Each state change becomes one ``changes`` row numbered by its tenant's ``change_seq``, bumped under
a row lock, so per-tenant sequence order is commit order; each change set adds one ``audit_log``
row. The inbound worker defers them (``ApplyCache(defer_changes=True)``) and writes the rows of a
whole batch at once with ``write_deferred``: one bump per tenant, one multi-row insert each.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, bindparam, insert, update

from lily.model import ChangeSet
from lily.store import bulk
from lily.store.apply import search_docs
from lily.store.apply.context import ApplyError, ChangeSetContext
from lily.store.apply_cache import ApplyCache
from lily.store.tables import audit_log, changes, tenants

Staged = list[tuple[ChangeSetContext, ChangeSet]]

# Built once (every change set runs them): statement construction costs more than the queries.
_BUMP_SEQ = (update(tenants).where(tenants.c.id == bindparam("tenant"))
             .values(change_seq=tenants.c.change_seq + bindparam("n")).returning(tenants.c.change_seq))
_INSERT_CHANGES = insert(changes)
_INSERT_AUDIT = insert(audit_log)


def write_changes(conn: Connection, ctx: ChangeSetContext, cs: ChangeSet) -> None:
    """Append the change rows and the audit record of one change set."""
    _write(conn, [(ctx, cs)])


def write_deferred(conn: Connection, cache: ApplyCache) -> None:
    """Rebuild the search documents the change sets applied with ``cache`` (``defer_changes``)
    marked, write their change and audit rows in the order they were applied, and fill in their
    results."""
    cache.runs.flush(conn)
    if cache.deferred:
        search_docs.refresh_deferred(conn, (ctx for ctx, _ in cache.deferred))
        heads = _write(conn, cache.deferred)
        cache.deferred.clear()
        if cache.heads is not None:
            cache.heads.update(heads)


def _write(conn: Connection, staged: Staged) -> dict[str, int]:
    """Write the rows; returns each tenant's new change-sequence head (tenants with changes only)."""
    next_seq, heads = _reserve_sequences(conn, staged)
    change_rows: list[dict[str, Any]] = []
    audit_rows: list[dict[str, Any]] = []
    for ctx, cs in staged:
        n = len(ctx.pending)
        if n:
            first = next_seq[ctx.tenant]
            next_seq[ctx.tenant] = first + n
            rows = [{
                "tenant_id": ctx.tenant, "seq": first + i, "kind": p.kind.value, "entity_type": p.entity_type,
                "entity_id": p.entity_id, "asset_id": p.asset_id, "before": p.before, "after": p.after,
                "actor": ctx.actor, "cause_event_id": cs.cause_event_id, "correlation_id": cs.correlation_id,
                "traceparent": cs.traceparent, "at": ctx.at,
            } for i, p in enumerate(ctx.pending)]
            change_rows.extend(rows)
            ctx.result.changes = rows
            ctx.result.first_seq, ctx.result.last_seq = first, first + n - 1
        audit_rows.append(_audit_row(ctx, cs, n))
    bulk.executemany(conn, _INSERT_CHANGES, change_rows)
    bulk.executemany(conn, _INSERT_AUDIT, audit_rows)
    return heads


def _reserve_sequences(conn: Connection, staged: Staged) -> tuple[dict[str, int], dict[str, int]]:
    """Bump each tenant's ``change_seq`` by its number of changes: the first number of the range
    reserved, and the new head, per tenant."""
    counts: dict[str, int] = {}
    for ctx, _ in staged:
        if ctx.pending:
            counts[ctx.tenant] = counts.get(ctx.tenant, 0) + len(ctx.pending)
    next_seq: dict[str, int] = {}
    heads: dict[str, int] = {}
    for tenant, n in counts.items():
        # Row lock on the tenant: per-tenant sequence numbers follow commit order.
        bumped = bulk.query(conn, _BUMP_SEQ, {"tenant": tenant, "n": n})
        last = bumped[0][0] if bumped else None
        if last is None:
            raise ApplyError(f"unknown tenant: {tenant}")
        next_seq[tenant] = last - n + 1
        heads[tenant] = last
    return next_seq, heads


def _audit_row(ctx: ChangeSetContext, cs: ChangeSet, n: int) -> dict[str, Any]:
    """The audit record of one change set: its operations by name and how many changes they made
    (the entity itself when they all changed one)."""
    ops: dict[str, int] = {}
    for op in cs.operations:
        ops[op.op] = ops.get(op.op, 0) + 1
    single = ctx.pending[0] if len({p.entity_id for p in ctx.pending}) == 1 else None
    return {
        "id": uuid.uuid4(), "tenant_id": ctx.tenant, "actor": ctx.actor, "action": "apply",
        "entity_type": single.entity_type if single else None,
        "entity_id": single.entity_id if single else None, "correlation_id": cs.correlation_id,
        "details": {"operations": ops, "changes": n, "cause_event_id": cs.cause_event_id}, "at": ctx.at,
    }
