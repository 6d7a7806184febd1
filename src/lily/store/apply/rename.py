"""Renaming an asset: its identity is its name, so a rename copies the asset and its columns to the
new identity, moves their lineage edges and classifications there, and deletes the old identity.

Apart from ``assets`` because it also writes edges and classifications (which build on assets).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from lily.model import (
    AssetRef,
    AssetStatus,
    AssetType,
    ChangeKind,
    DeleteAsset,
    Owner,
    RenameAsset,
    UpsertAsset,
    asset_id,
)
from lily.store.apply.assets import delete, drop_edges_of, load, upsert
from lily.store.apply.classifications import put_classification
from lily.store.apply.context import ChangeSetContext
from lily.store.apply.lineage import put_edge
from lily.store.tables import assets, classifications


def rename(ctx: ChangeSetContext, op: RenameAsset) -> None:
    old_id = asset_id(ctx.tenant, op.ref)
    current = load(ctx, old_id)
    if current is None or op.ref == op.new_ref:
        return
    moved: dict[uuid.UUID, uuid.UUID] = {}
    children = ctx.conn.execute(select(assets).where(
        assets.c.tenant_id == ctx.tenant, assets.c.parent_id == old_id,
        assets.c.status == AssetStatus.ACTIVE.value)).mappings().all()
    new_id = _copy_asset(ctx, current, op.new_ref, None)
    moved[old_id] = new_id
    for child in children:
        moved[child["id"]] = _copy_asset(ctx, dict(child), op.new_ref.column(child["field"]), op.new_ref)
    edges: list[dict[str, Any]] = []
    for old in moved:
        edges.extend(e for e in drop_edges_of(ctx, old) if e not in edges)
    for old, new in moved.items():
        for c in ctx.conn.execute(select(classifications).where(
                classifications.c.tenant_id == ctx.tenant, classifications.c.asset_id == old)).mappings().all():
            put_classification(ctx, {**dict(c), "asset_id": new})
    for e in edges:
        src, dst = moved.get(e["source_id"], e["source_id"]), moved.get(e["target_id"], e["target_id"])
        put_edge(ctx, {**e, "source_id": src, "target_id": dst})
    delete(ctx, DeleteAsset(ref=op.ref))  # the old identity and its columns
    ctx.record(ChangeKind.ASSET_RENAMED, "asset", new_id, new_id,
               {"ref": op.ref.model_dump()}, {"ref": op.new_ref.model_dump()})


def _copy_asset(ctx: ChangeSetContext, row: dict[str, Any], ref: AssetRef, parent: AssetRef | None) -> uuid.UUID:
    return upsert(ctx, UpsertAsset(
        ref=ref, type=AssetType(row["type"]), parent=parent, display_name=row["display_name"],
        description=row["description"], owners=[Owner(**o) for o in row["owners"] or []],
        attributes=row["attributes"] or {}, facets=row["facets"] or {}))
