"""Small catalog reads for the inbound flow's enrich stage, which runs inside the applying
transaction (so it sees what the apply will see)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from lily.model import AssetRef, asset_id
from lily.store.chunks import chunked
from lily.store.tables import assets


def asset_attributes(conn: Connection, tenant_id: str, refs: Sequence[AssetRef]) -> dict[AssetRef, dict[str, Any]]:
    """The stored attributes of each asset of ``refs`` that has a row, deleted ones included."""
    by_id = {asset_id(tenant_id, ref): ref for ref in refs}
    found: dict[AssetRef, dict[str, Any]] = {}
    for ids in chunked(list(by_id)):
        rows = conn.execute(select(assets.c.id, assets.c.attributes)
                            .where(assets.c.tenant_id == tenant_id, assets.c.id.in_(ids)))
        found.update({by_id[row.id]: row.attributes or {} for row in rows})
    return found
