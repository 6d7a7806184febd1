"""Classifications (governance tags) set directly on assets and columns."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Response

from lily.api.context import AppContext
from lily.api.deps import authorize, ctx, request_id
from lily.api.permissions import V1
from lily.api.routes.assets import changeset, load_asset
from lily.api.schemas import ClassificationIn, ClassificationOut
from lily.api.schemas_query import TEXT
from lily.bus.commits import apply_and_notify
from lily.model import AddClassification, AssetStatus, ClassificationSource, Principal, RemoveClassification
from lily.store import catalog

router = APIRouter(prefix=V1, tags=["classifications"])


@router.get("/assets/{asset_id}/classifications", response_model=list[ClassificationOut])
def list_classifications(asset_id: uuid.UUID, principal: Principal = Depends(authorize),
                         app: AppContext = Depends(ctx)) -> list[ClassificationOut]:
    load_asset(app, principal, asset_id)
    with app.store.read() as conn:
        return [ClassificationOut.of(c) for c in catalog.classifications_of(conn, principal.tenant_id, [asset_id])]


@router.post("/assets/{asset_id}/classifications", response_model=ClassificationOut, status_code=201)
def add_classification(asset_id: uuid.UUID, body: ClassificationIn, principal: Principal = Depends(authorize),
                       app: AppContext = Depends(ctx), rid: str = Depends(request_id)) -> ClassificationOut:
    asset = load_asset(app, principal, asset_id)
    if asset.status is not AssetStatus.ACTIVE:
        raise HTTPException(409, "cannot classify a deleted asset")
    apply_and_notify(app.store, changeset(principal, rid, AddClassification(ref=asset.ref, tag=body.tag,
                                                                propagate=body.propagate)))
    with app.store.read() as conn:
        tags = catalog.classifications_of(conn, principal.tenant_id, [asset_id])
    return next(ClassificationOut.of(c) for c in tags
                if c.tag == body.tag and c.source is ClassificationSource.DIRECT)


@router.delete("/assets/{asset_id}/classifications/{tag}", status_code=204)
def remove_classification(asset_id: uuid.UUID, tag: Annotated[str, Path(max_length=200, pattern=TEXT)], principal: Principal = Depends(authorize),
                          app: AppContext = Depends(ctx), rid: str = Depends(request_id)) -> Response:
    asset = load_asset(app, principal, asset_id)
    with app.store.read() as conn:
        present = any(c.tag == tag and c.source is ClassificationSource.DIRECT
                      for c in catalog.classifications_of(conn, principal.tenant_id, [asset_id]))
    if not present:
        raise HTTPException(404, f"no direct classification {tag!r} on this asset")
    apply_and_notify(app.store, changeset(principal, rid, RemoveClassification(ref=asset.ref, tag=tag)))
    return Response(status_code=204)
