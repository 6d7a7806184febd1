"""Assets: upsert by identity, read, list/search with cursor pages, soft delete, columns, history."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Response

from lily.api.context import AppContext
from lily.api.deps import authorize, ctx, request_id
from lily.api.permissions import V1
from lily.api.schemas import AssetIn, AssetOut, ClassificationOut, ColumnsIn, Page
from lily.api.schemas_query import ID_CURSOR, TEXT, id_after, id_cursor
from lily.bus.commits import apply_and_notify
from lily.model import Asset, AssetRef, AssetStatus, AssetType, ChangeSet, DeleteAsset, Principal, UpsertAsset
from lily.store import catalog

router = APIRouter(prefix=V1, tags=["assets"])


def load_asset(app: AppContext, principal: Principal, asset_id: uuid.UUID) -> Asset:
    """The asset if it exists in the caller's tenant; other tenants' ids are simply not found."""
    with app.store.read() as conn:
        asset = catalog.get_asset(conn, principal.tenant_id, asset_id)
    if asset is None:
        raise HTTPException(404, f"asset {asset_id} not found")
    return asset


def detailed(app: AppContext, principal: Principal, asset: Asset) -> AssetOut:
    with app.store.read() as conn:
        cols = catalog.columns_of(conn, principal.tenant_id, asset.id)
        tags = catalog.classifications_of(conn, principal.tenant_id, [asset.id, *(c.id for c in cols)])
    by_asset: dict[uuid.UUID, list[ClassificationOut]] = {}
    for t in tags:
        by_asset.setdefault(t.asset_id, []).append(ClassificationOut.of(t))
    columns = [AssetOut.of(c, classifications=by_asset.get(c.id, [])) for c in cols]
    return AssetOut.of(asset, facets=True, columns=columns, classifications=by_asset.get(asset.id, []))


def changeset(principal: Principal, rid: str, *ops: Any) -> ChangeSet:
    return ChangeSet(tenant_id=principal.tenant_id, actor=principal.actor, operations=list(ops), correlation_id=rid)


@router.post("/assets", response_model=AssetOut, status_code=200,
             responses={201: {"model": AssetOut, "description": "Created"}})
def upsert_asset(body: AssetIn, response: Response, principal: Principal = Depends(authorize),
                 app: AppContext = Depends(ctx), rid: str = Depends(request_id)) -> AssetOut:
    """Create the asset, or update it when one with the same identity exists (201 vs 200)."""
    if body.type is AssetType.COLUMN and not body.field:
        raise HTTPException(422, "a column asset needs a field name")
    op = UpsertAsset(
        ref=body_ref(body), type=body.type, parent=body.parent.ref() if body.parent else None,
        display_name=body.display_name, description=body.description, owners=body.owners,
        attributes=body.attributes, facets=body.facets,
        columns=[c.spec(i) for i, c in enumerate(body.columns)] if body.columns is not None else None,
        replace_columns=body.replace_columns)
    result = apply_and_notify(app.store, changeset(principal, rid, op))
    created = any(c["kind"] == "asset.created" and c["asset_id"] == result.asset_ids[op.ref]
                  for c in result.changes)
    response.status_code = 201 if created else 200
    return detailed(app, principal, load_asset(app, principal, result.asset_ids[op.ref]))


def body_ref(body: AssetIn) -> AssetRef:
    return AssetRef(namespace=body.namespace, name=body.name, field=body.field)


@router.get("/assets", response_model=Page[AssetOut])
def list_assets(
    q: str | None = Query(None, max_length=500, pattern=TEXT, description="full-text search over names, columns, tags"),
    type: AssetType | None = None,
    namespace: str | None = Query(None, max_length=1000, pattern=TEXT),
    parent_id: uuid.UUID | None = None,
    status: AssetStatus = AssetStatus.ACTIVE,
    cursor: str | None = Query(None, pattern=ID_CURSOR, description="next_cursor of the previous page"),
    limit: int = Query(100, ge=1, le=500),
    principal: Principal = Depends(authorize), app: AppContext = Depends(ctx),
) -> Page[AssetOut]:
    after = id_after(cursor) if cursor else None
    with app.store.read() as conn:
        items = catalog.list_assets(conn, principal.tenant_id, type_=type.value if type else None,
                                    namespace=namespace, parent_id=parent_id, status=status, q=q, after=after,
                                    limit=limit + 1)
    more = len(items) > limit
    items = items[:limit]
    return Page[AssetOut](items=[AssetOut.of(a) for a in items],
                          next_cursor=id_cursor(items[-1].id) if more else None)


@router.get("/assets/{asset_id}", response_model=AssetOut)
def get_asset(asset_id: uuid.UUID, principal: Principal = Depends(authorize),
              app: AppContext = Depends(ctx)) -> AssetOut:
    return detailed(app, principal, load_asset(app, principal, asset_id))


@router.delete("/assets/{asset_id}", status_code=204)
def delete_asset(asset_id: uuid.UUID, principal: Principal = Depends(authorize), app: AppContext = Depends(ctx),
                 rid: str = Depends(request_id)) -> Response:
    asset = load_asset(app, principal, asset_id)
    if asset.status is AssetStatus.DELETED:
        raise HTTPException(404, f"asset {asset_id} is already deleted")
    apply_and_notify(app.store, changeset(principal, rid, DeleteAsset(ref=asset.ref)))
    return Response(status_code=204)


@router.get("/assets/{asset_id}/history")
def asset_history(asset_id: uuid.UUID, principal: Principal = Depends(authorize),
                  app: AppContext = Depends(ctx)) -> list[dict[str, Any]]:
    load_asset(app, principal, asset_id)
    with app.store.read() as conn:
        return catalog.history(conn, principal.tenant_id, asset_id)


@router.get("/assets/{asset_id}/columns", response_model=list[AssetOut])
def list_columns(asset_id: uuid.UUID, principal: Principal = Depends(authorize),
                 app: AppContext = Depends(ctx)) -> list[AssetOut]:
    asset = load_asset(app, principal, asset_id)
    return detailed(app, principal, asset).columns or []


@router.put("/assets/{asset_id}/columns", response_model=list[AssetOut])
def replace_columns(asset_id: uuid.UUID, body: ColumnsIn, principal: Principal = Depends(authorize),
                    app: AppContext = Depends(ctx), rid: str = Depends(request_id)) -> list[AssetOut]:
    """Declare the full column set: new columns are added, missing ones soft-deleted."""
    asset = load_asset(app, principal, asset_id)
    if asset.type is AssetType.COLUMN:  # the asset's state, not the request, is in the way
        raise HTTPException(409, "a column has no columns")
    op = UpsertAsset(ref=asset.ref, type=asset.type, columns=[c.spec(i) for i, c in enumerate(body.columns)],
                     replace_columns=True)
    apply_and_notify(app.store, changeset(principal, rid, op))
    return detailed(app, principal, load_asset(app, principal, asset_id)).columns or []
