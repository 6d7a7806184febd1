"""Catalog reads of the outbound flow: which tables changes touch, governed assets and their tags.

Deliveries, targets and applied state have their repository in ``lily.store.governance``; these are
the outbound worker's reads of catalog state and its batch audit write. Every function takes the
caller's connection (planning runs in the consumer's transaction) and filters on ``tenant_id``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from lily.model import Asset
from lily.store.chunks import mappings_in, rows_in
from lily.store.rows import asset_from_row
from lily.store.tables import assets, audit_log, changes, classifications

_A = assets.c


def tables_of(conn: Connection, tenant_id: str, ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """The tables (datasets) the assets belong to: a column's parent, anything else but a job itself."""
    q = select(_A.id, _A.type, _A.parent_id).where(_A.tenant_id == tenant_id)
    return {r.parent_id if r.type == "column" and r.parent_id is not None else r.id
            for r in rows_in(conn, q, _A.id, set(ids)) if r.type != "job"}


def change_at(conn: Connection, tenant_id: str, seq: int) -> datetime | None:
    """When the tenant's change ``seq`` happened (None: no such change)."""
    return conn.execute(select(changes.c.at).where(changes.c.tenant_id == tenant_id, changes.c.seq == seq)).scalar()


def asset_names(conn: Connection, tenant_id: str, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """``id, namespace, name, field, type, parent_id`` of the assets among ``ids`` (live or deleted)."""
    q = select(_A.id, _A.namespace, _A.name, _A.field, _A.type, _A.parent_id).where(_A.tenant_id == tenant_id)
    return {r["id"]: dict(r) for r in mappings_in(conn, q, _A.id, set(ids))}


def governed_assets(conn: Connection, tenant_id: str,
                    table_ids: set[uuid.UUID] | None) -> tuple[list[Asset], set[tuple[str, str]]]:
    """Live tables among ``table_ids`` (None: every live asset) with their live columns, and the
    ``(namespace, name)`` of the tables among ``table_ids`` that are deleted."""
    tenant_assets = select(assets).where(_A.tenant_id == tenant_id)
    if table_ids is None:
        return [asset_from_row(r) for r in conn.execute(tenant_assets.where(_A.status == "active")).mappings()], set()
    live_columns = tenant_assets.where(_A.type == "column", _A.status == "active")
    rows = [asset_from_row(r) for r in (*mappings_in(conn, tenant_assets, _A.id, table_ids),
                                        *mappings_in(conn, live_columns, _A.parent_id, table_ids))]
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
