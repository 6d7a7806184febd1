"""Small catalog reads for the inbound flow's enrich stage, which runs inside the applying
transaction (so it sees what the apply will see)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from lily.model import AssetRef, asset_id
from lily.store.chunks import rows_in
from lily.store.tables import assets


def asset_attributes(conn: Connection, tenant_id: str, refs: Sequence[AssetRef]) -> dict[AssetRef, dict[str, Any]]:
    """The stored attributes of each asset of ``refs`` that has a row, deleted ones included."""
    by_id = {asset_id(tenant_id, ref): ref for ref in refs}
    q = select(assets.c.id, assets.c.attributes).where(assets.c.tenant_id == tenant_id)
    return {by_id[row.id]: row.attributes or {} for row in rows_in(conn, q, assets.c.id, by_id)}
