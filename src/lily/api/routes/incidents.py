"""Incidents from monitoring tools (Monte Carlo): list with filters and a cursor, detail with timeline.

Incidents are written by the inbound path (webhook → parse → apply); the API only reads them.
``enrichment`` (owners, classifications, downstream blast radius) is computed when an update is
applied and is as fresh as the incident's last update (``enrichment.computed_at``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, Field

from lily.api.context import AppContext
from lily.api.deps import authorize, ctx
from lily.api.permissions import V1
from lily.api.schemas_query import SEQ_CURSOR, TEXT, seq_after, seq_cursor
from lily.model import AssetRef, Principal, asset_id
from lily.store import catalog
from lily.store import incidents as incident_store

router = APIRouter(prefix=V1, tags=["incidents"])


class AffectedAsset(BaseModel):
    asset_id: uuid.UUID
    namespace: str
    name: str
    field: str
    qualified_name: str
    known: bool = Field(description="the asset exists (and is not deleted) in the catalog")


class IncidentSummary(BaseModel):
    id: uuid.UUID
    source: str
    external_id: str
    title: str | None
    status: str | None
    severity: str | None
    owner: str | None
    link: str | None
    affected: list[AffectedAsset]
    unresolved: list[dict[str, Any]]
    blast_radius_total: int = Field(description="downstream assets and jobs (see enrichment)")
    updates: int
    opened_at: datetime
    last_observed_at: datetime
    created_at: datetime
    updated_at: datetime


class TimelineEntry(BaseModel):
    id: str = Field(description="sha256 prefix of the update body without observed_at (the dedupe key)")
    observed_at: datetime
    set: dict[str, Any] = Field(description="the incident fields this update set")
    affected: list[dict[str, str]]
    unresolved: list[dict[str, Any]]
    update: dict[str, Any] = Field(description="the update as the source sent it")


class IncidentOut(IncidentSummary):
    timeline: list[TimelineEntry]
    enrichment: dict[str, Any]


class IncidentPage(BaseModel):
    items: list[IncidentSummary]
    next_cursor: str | None = None


def _affected(row: dict[str, Any], tenant: str, known: set[uuid.UUID]) -> list[AffectedAsset]:
    out = []
    for r in row["affected"]:
        ref = AssetRef(**r)
        aid = asset_id(tenant, ref)
        out.append(AffectedAsset(asset_id=aid, namespace=ref.namespace, name=ref.name, field=ref.field,
                                 qualified_name=ref.qualified_name, known=aid in known))
    return out


def _summary(row: dict[str, Any], tenant: str, known: set[uuid.UUID]) -> dict[str, Any]:
    radius = (row["enrichment"] or {}).get("blast_radius") or {}
    return {**{k: row[k] for k in ("id", "source", "external_id", "title", "status", "severity", "owner", "link",
                                   "unresolved", "opened_at", "last_observed_at", "created_at", "updated_at")},
            "affected": _affected(row, tenant, known), "blast_radius_total": radius.get("total", 0),
            "updates": len(row["timeline"])}


def _known(app: AppContext, tenant: str, rows: list[dict[str, Any]]) -> set[uuid.UUID]:
    ids = sorted({asset_id(tenant, AssetRef(**r)) for row in rows for r in row["affected"]}, key=str)
    with app.store.read() as conn:
        found = catalog.get_many(conn, tenant, ids)
    return {aid for aid, a in found.items() if a.status.value == "active"}


@router.get("/incidents", response_model=IncidentPage, summary="Incidents, newest first")
def list_incidents(status: str | None = Query(None, max_length=64, pattern=TEXT),
                   severity: str | None = Query(None, max_length=64, pattern=TEXT),
                   source: str | None = Query(None, max_length=64, pattern=TEXT),
                   asset: uuid.UUID | None = Query(None, description="only incidents affecting this asset id"),
                   cursor: str | None = Query(None, pattern=SEQ_CURSOR, description="next_cursor of the previous page"),
                   limit: int = Query(50, ge=1, le=500),
                   principal: Principal = Depends(authorize), app: AppContext = Depends(ctx)) -> IncidentPage:
    tenant = principal.tenant_id
    with app.store.read() as conn:
        rows = incident_store.list_incidents(conn, tenant, status=status, severity=severity, source=source,
                                             asset=asset, before_seq=seq_after(cursor) if cursor else None,
                                             limit=limit + 1)
    more, rows = len(rows) > limit, rows[:limit]
    known = _known(app, tenant, rows)
    return IncidentPage(items=[IncidentSummary(**_summary(r, tenant, known)) for r in rows],
                        next_cursor=seq_cursor(rows[-1]["seq"]) if more else None)


@router.get("/incidents/{incident_id:uuid}", response_model=IncidentOut,
            summary="An incident with its timeline, affected assets, unresolved references and enrichment")
def get_incident(incident_id: uuid.UUID, principal: Principal = Depends(authorize),
                 app: AppContext = Depends(ctx)) -> IncidentOut:
    tenant = principal.tenant_id
    with app.store.read() as conn:
        row = incident_store.get_incident(conn, tenant, incident_id)
    if row is None:
        raise HTTPException(404, f"incident {incident_id} not found")
    return IncidentOut(**_summary(row, tenant, _known(app, tenant, [row])), timeline=row["timeline"],
                       enrichment=row["enrichment"] or {})
