"""Tenant-wide reads behind the web UI's review pages (PII review, quality overview): what the
per-asset API reads cannot list without knowing the assets first."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, func, select

from lily.model import Classification
from lily.store.tables import assets, classification_rejections, classifications
from lily.store.tables_runs import quality_results


def detected(conn: Connection, tenant: str, limit: int = 500) -> list[Classification]:
    """Detected classifications (suggested first, then confirmed), most confident first, on active assets."""
    q = (select(classifications).join(assets, assets.c.id == classifications.c.asset_id)
         .where(classifications.c.tenant_id == tenant, classifications.c.source == "detected",
                classifications.c.origin_key == "", assets.c.status == "active")
         .order_by(classifications.c.status.desc(), classifications.c.confidence.desc().nulls_last(),
                   classifications.c.asset_id, classifications.c.tag)
         .limit(limit))
    return [Classification(**r) for r in conn.execute(q).mappings()]


def rejections(conn: Connection, tenant: str, limit: int = 200) -> list[dict[str, Any]]:
    """Rejected detections, newest first."""
    q = (select(classification_rejections).where(classification_rejections.c.tenant_id == tenant)
         .order_by(classification_rejections.c.rejected_at.desc()).limit(limit))
    return [dict(r) for r in conn.execute(q).mappings()]


def quality_assets(conn: Connection, tenant: str, limit: int = 200) -> list[uuid.UUID]:
    """Assets with quality results, the most recently observed first."""
    last = func.max(quality_results.c.observed_at)
    q = (select(quality_results.c.asset_id, last).where(quality_results.c.tenant_id == tenant)
         .group_by(quality_results.c.asset_id).order_by(last.desc(), quality_results.c.asset_id).limit(limit))
    return [r[0] for r in conn.execute(q)]
