"""Enrich stage: what parsing cannot know because it needs the catalog.

Runs inside the transaction that applies the event, so what it reads is what the apply sees.

- **S3 ordering**: S3 delivers unordered and duplicated. A record whose ``sequencer`` is not newer
  than the one stored on its object asset (deleted objects included: that is what the tombstone is
  for) is stale and dropped whole, upsert and delete alike.

Incidents are enriched (owners, classifications, downstream blast radius) by the store's incident
writer itself, in the same transaction, so the enrichment is recomputed on every update.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from lily.inbound.sources import s3
from lily.model import AssetRef, AssetType, DeleteAsset, MetadataEvent, UpsertAsset, asset_id
from lily.store.tables import assets


@dataclass
class Enriched:
    operations: list[MetadataEvent]
    note: str | None = None  # why nothing (or less) is applied, e.g. a stale S3 record


def enrich(conn: Connection, tenant_id: str, source: str, operations: list[MetadataEvent]) -> Enriched:
    if source == "s3":
        return _s3_order(conn, tenant_id, operations)
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
