"""Enrich stage: what parsing cannot know because it needs the catalog.

Runs inside the transaction that applies the event, so what it reads is what the apply sees:

- **S3 ordering**: S3 delivers unordered and duplicated. A record whose ``sequencer`` is not newer
  than the one stored on its object asset (deleted objects included: that is what the tombstone is
  for) is stale and dropped whole, upsert and delete alike.
- **Incidents**: each affected asset's owners and classifications, and the downstream blast radius
  (how many assets depend on it, and their owners) are added to the incident's timeline update.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from lily.inbound.sources import s3
from lily.model import (
    AssetRef,
    AssetType,
    DeleteAsset,
    Direction,
    MetadataEvent,
    UpsertAsset,
    UpsertIncident,
    asset_id,
)
from lily.store import catalog, lineage
from lily.store.tables import assets

BLAST_RADIUS_DEPTH = 10
MAX_LISTED = 50  # owners / assets listed in an incident's enrichment (counts are exact)


@dataclass
class Enriched:
    operations: list[MetadataEvent]
    note: str | None = None  # why nothing (or less) is applied, e.g. a stale S3 record


def enrich(conn: Connection, tenant_id: str, source: str, operations: list[MetadataEvent]) -> Enriched:
    if source == "s3":
        return _s3_order(conn, tenant_id, operations)
    if any(isinstance(op, UpsertIncident) for op in operations):
        return Enriched([_incident(conn, tenant_id, op) if isinstance(op, UpsertIncident) else op
                         for op in operations])
    return Enriched(operations)


# ---------------------------------------------------------------------------------------------- S3

def stale_objects(operations: list[MetadataEvent], stored: dict[AssetRef, str | None]) -> set[AssetRef]:
    """Objects whose incoming sequencer is not newer than the stored one (pure)."""
    stale = set()
    for op in operations:
        if isinstance(op, UpsertAsset) and op.type is AssetType.S3_OBJECT:
            incoming, current = op.attributes.get("sequencer"), stored.get(op.ref)
            if incoming and current and not s3.is_newer(str(incoming), str(current)):
                stale.add(op.ref)
    return stale


def _s3_order(conn: Connection, tenant_id: str, operations: list[MetadataEvent]) -> Enriched:
    objects = [op.ref for op in operations if isinstance(op, UpsertAsset) and op.type is AssetType.S3_OBJECT]
    stored: dict[AssetRef, str | None] = {}
    for ref in objects:
        attrs = conn.execute(select(assets.c.attributes).where(
            assets.c.id == asset_id(tenant_id, ref), assets.c.tenant_id == tenant_id)).scalar()
        stored[ref] = (attrs or {}).get("sequencer")
    stale = stale_objects(operations, stored)
    if not stale:
        return Enriched(operations)
    # One record is one object: a stale record is dropped whole (its bucket upsert too).
    kept = [op for op in operations if not _touches(op, stale)]
    if all(isinstance(op, UpsertAsset) and op.type is AssetType.S3_BUCKET for op in kept):
        kept = []
    names = ", ".join(sorted(f"{r.namespace}/{r.name}@{stored[r]}" for r in stale))
    return Enriched(kept, note=f"stale S3 event skipped: a newer or equal sequencer is stored ({names})")


def _touches(op: MetadataEvent, refs: set[AssetRef]) -> bool:
    return isinstance(op, UpsertAsset | DeleteAsset) and op.ref in refs


# ---------------------------------------------------------------------------------------- incidents

def _incident(conn: Connection, tenant_id: str, op: UpsertIncident) -> UpsertIncident:
    if not op.affected:
        return op
    affected: list[dict[str, Any]] = []
    downstream: dict[uuid.UUID, int] = {}
    for ref in op.affected:
        aid = asset_id(tenant_id, ref)
        asset = catalog.get_asset(conn, tenant_id, aid)
        if asset is None:
            affected.append({"asset": ref.qualified_name, "known": False})
            continue
        tags = sorted({c.tag for c in catalog.classifications_of(conn, tenant_id, [aid])})
        affected.append({"asset": ref.qualified_name, "known": True, "asset_id": str(aid),
                         "owners": [o.name for o in asset.owners], "classifications": tags})
        for node in lineage.traverse(conn, tenant_id, aid, Direction.DOWNSTREAM, depth=BLAST_RADIUS_DEPTH):
            if node.asset_id not in downstream or node.depth < downstream[node.asset_id]:
                downstream[node.asset_id] = node.depth
    found = catalog.get_many(conn, tenant_id, list(downstream))
    # Columns ride along with their datasets in lineage; count the assets people own and use.
    datasets = {aid: a for aid, a in found.items() if a.type is not AssetType.COLUMN and a.status.value == "active"}
    owners = sorted({o.name for a in datasets.values() for o in a.owners})
    nearest = sorted(datasets.values(), key=lambda a: (downstream[a.id], a.ref.qualified_name))
    enrichment = {
        "affected": affected,
        "blast_radius": {
            "downstream_count": len(datasets),
            "downstream_owners": owners[:MAX_LISTED],
            "downstream": [{"asset": a.ref.qualified_name, "type": a.type.value, "depth": downstream[a.id]}
                           for a in nearest[:MAX_LISTED]],
            "depth_limit": BLAST_RADIUS_DEPTH,
        },
    }
    return op.model_copy(update={"update": {**op.update, "enrichment": enrichment}})
