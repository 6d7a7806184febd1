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
from lily.store.chunks import chunked
from lily.store.rows import asset_from_row
from lily.store.tables import assets, audit_log, changes, classifications

_A = assets.c


def tables_of(conn: Connection, tenant_id: str, ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """The tables (datasets) the assets belong to: a column's parent, anything else but a job itself."""
    out: set[uuid.UUID] = set()
    for chunk in chunked(list(set(ids))):
        q = select(_A.id, _A.type, _A.parent_id).where(_A.tenant_id == tenant_id, _A.id.in_(chunk))
        for r in conn.execute(q):
            if r.type == "column" and r.parent_id is not None:
                out.add(r.parent_id)
            elif r.type != "job":
                out.add(r.id)
    return out


def change_at(conn: Connection, tenant_id: str, seq: int) -> datetime | None:
    """When the tenant's change ``seq`` happened (None: no such change)."""
    return conn.execute(select(changes.c.at).where(changes.c.tenant_id == tenant_id, changes.c.seq == seq)).scalar()


def asset_names(conn: Connection, tenant_id: str, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """``id, namespace, name, field, type, parent_id`` of the assets among ``ids`` (live or deleted)."""
    out: dict[uuid.UUID, dict[str, Any]] = {}
    for chunk in chunked(list(set(ids))):
        q = select(_A.id, _A.namespace, _A.name, _A.field, _A.type, _A.parent_id).where(
            _A.tenant_id == tenant_id, _A.id.in_(chunk))
        for r in conn.execute(q).mappings():
            out[r["id"]] = dict(r)
    return out


def governed_assets(conn: Connection, tenant_id: str,
                    table_ids: set[uuid.UUID] | None) -> tuple[list[Asset], set[tuple[str, str]]]:
    """Live tables among ``table_ids`` (None: every live asset) with their live columns, and the
    ``(namespace, name)`` of the tables among ``table_ids`` that are deleted."""
    if table_ids is None:
        rows = [asset_from_row(r) for r in conn.execute(select(assets).where(
            _A.tenant_id == tenant_id, _A.status == "active")).mappings()]
        return rows, set()
    rows = []
    for chunk in chunked(list(table_ids)):
        rows += [asset_from_row(r) for r in conn.execute(select(assets).where(
            _A.tenant_id == tenant_id, _A.id.in_(chunk))).mappings()]
        rows += [asset_from_row(r) for r in conn.execute(select(assets).where(
            _A.tenant_id == tenant_id, _A.parent_id.in_(chunk), _A.type == "column",
            _A.status == "active")).mappings()]
    gone = {(r.ref.namespace, r.ref.name) for r in rows if r.status != "active" and r.type != "column"}
    return [r for r in rows if r.status == "active"], gone


def tags_on(conn: Connection, tenant_id: str, ids: list[uuid.UUID]) -> list[tuple[uuid.UUID, str]]:
    """``(asset_id, tag)`` of every classification on ``ids`` (any source)."""
    c = classifications.c
    out: list[tuple[uuid.UUID, str]] = []
    for chunk in chunked(ids):
        out += [(r.asset_id, r.tag) for r in conn.execute(
            select(c.asset_id, c.tag).where(c.tenant_id == tenant_id, c.asset_id.in_(chunk)))]
    return out


def write_audit_batch(conn: Connection, records: list[dict[str, Any]]) -> None:
    """Audit records (full ``audit_log`` rows) in one batched statement."""
    if records:
        conn.execute(insert(audit_log), records)
