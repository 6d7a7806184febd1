"""Deliveries: planned statements per target object, their status, dead letters and replay."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query

from lily.api.context import AppContext
from lily.api.deps import authorize, ctx, request_id
from lily.api.permissions import V1
from lily.api.schemas_governance import DeliveryOut
from lily.api.schemas_query import TEXT, Instant
from lily.model import Principal
from lily.outbound.replay import ReplayRefused, replay
from lily.store import governance as repo

router = APIRouter(prefix=V1, tags=["deliveries"])

Status = Literal["pending", "failed", "applied", "dead", "superseded"]


def _names(app: AppContext, tenant: str) -> dict[uuid.UUID, str]:
    with app.store.read() as conn:
        return {t["id"]: t["name"] for t in repo.list_targets(conn, tenant)}


def _target_id(names: dict[uuid.UUID, str], target: str) -> uuid.UUID:
    """A target given by name or id (unknown ones are a 404, never another tenant's)."""
    for tid, name in names.items():
        if name == target or str(tid) == target:
            return tid
    raise HTTPException(404, f"target {target!r} not found")


@router.get("/deliveries", response_model=list[DeliveryOut])
def list_deliveries(status: Status | None = Query(None, description="dead = the dead-letter queue"),
                    target: str | None = Query(None, max_length=200, pattern=TEXT, description="target name or id"),
                    before: Instant | None = Query(None, description="page: created before this time"),
                    limit: int = Query(100, ge=1, le=500), principal: Principal = Depends(authorize),
                    app: AppContext = Depends(ctx)) -> list[DeliveryOut]:
    names = _names(app, principal.tenant_id)
    tid = _target_id(names, target) if target else None
    with app.store.read() as conn:
        rows = repo.list_deliveries(conn, principal.tenant_id, status=status, target_id=tid, limit=limit,
                                    before=before)
    return [DeliveryOut.of(r, names.get(r["target_id"])) for r in rows]


@router.get("/deliveries/{delivery_id}", response_model=DeliveryOut)
def get_delivery(delivery_id: uuid.UUID, principal: Principal = Depends(authorize),
                 app: AppContext = Depends(ctx)) -> DeliveryOut:
    with app.store.read() as conn:
        row = repo.get_delivery(conn, principal.tenant_id, delivery_id)
    if row is None:
        raise HTTPException(404, f"delivery {delivery_id} not found")
    return DeliveryOut.of(row, _names(app, principal.tenant_id).get(row["target_id"]))


@router.post("/deliveries/{delivery_id}/replay", response_model=DeliveryOut)
def replay_delivery(delivery_id: uuid.UUID, principal: Principal = Depends(authorize), app: AppContext = Depends(ctx),
                    rid: str = Depends(request_id)) -> Any:
    """Re-plan a failed or dead delivery against the current state and queue it at once."""
    try:
        row = replay(app.store, principal.tenant_id, delivery_id, principal.actor, rid, app.settings.fernet_key())
    except ReplayRefused as e:
        raise HTTPException(409, f"cannot replay delivery {delivery_id}: {e}") from None
    if row is None:
        raise HTTPException(404, f"delivery {delivery_id} not found")
    return DeliveryOut.of(row, _names(app, principal.tenant_id).get(row["target_id"]))
