"""Reads the lineage explorer needs beside the lineage ones: the columns of many datasets at once
(for PII badges and masking marks at dataset level) and open incidents per asset (badges)."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable

from sqlalchemy import Connection, func, or_, select

from lily.model import AssetStatus
from lily.store.chunks import rows_in
from lily.store.tables import assets
from lily.store.tables_runs import incident_assets, incidents

RESOLVED = "resolved"  # the one closed status (inbound/sources/monte_carlo.py maps every tool's onto it)


def column_parents(conn: Connection, tenant_id: str, dataset_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    """Active columns of the given datasets: column id -> dataset id."""
    q = select(assets.c.id, assets.c.parent_id).where(
        assets.c.tenant_id == tenant_id, assets.c.type == "column", assets.c.status == AssetStatus.ACTIVE.value)
    return {cid: pid for cid, pid in rows_in(conn, q, assets.c.parent_id, dataset_ids)}


def open_incidents(conn: Connection, tenant_id: str, ids: Iterable[uuid.UUID]) -> Counter[uuid.UUID]:
    """How many unresolved incidents name each of ``ids`` among their affected assets."""
    q = (select(incident_assets.c.asset_id, func.count())
         .select_from(incident_assets.join(incidents, incidents.c.id == incident_assets.c.incident_id))
         .where(incident_assets.c.tenant_id == tenant_id, incidents.c.tenant_id == tenant_id,
                or_(incidents.c.status.is_(None), incidents.c.status != RESOLVED))
         .group_by(incident_assets.c.asset_id))
    return Counter({aid: n for aid, n in rows_in(conn, q, incident_assets.c.asset_id, ids)})
