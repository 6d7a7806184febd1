"""Classifications (governance tags) on assets and columns: set directly, and the review of detected ones.

A ``detected`` classification (a pipeline's PII detection) is a suggestion until a person reviews
it: ``POST .../classifications/{tag}/confirm`` keeps it for good (runs never touch it again);
``POST .../classifications/{tag}/reject`` deletes it — a rejected tag is no tag: it stops
propagating and leaves the warehouses — and remembers the rejection, so detection never suggests it
again (``GET .../rejected-classifications`` lists them; confirming one restores it, confirmed).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Response
from pydantic import BaseModel

from lily.api.context import AppContext
from lily.api.deps import authorize, ctx, request_id
from lily.api.permissions import V1
from lily.api.routes.assets import changeset, load_asset
from lily.api.schemas import ClassificationIn, ClassificationOut
from lily.api.schemas_query import TEXT
from lily.bus.commits import apply_and_notify
from lily.model import (
    AddClassification,
    AssetStatus,
    ClassificationSource,
    Principal,
    RemoveClassification,
    ReviewClassification,
)
from lily.store import catalog

router = APIRouter(prefix=V1, tags=["classifications"])
Tag = Annotated[str, Path(max_length=200, pattern=TEXT)]


class RejectionOut(BaseModel):
    """A detected tag a person rejected: not a classification any more, and never suggested again."""

    asset_id: uuid.UUID
    tag: str
    status: str = "rejected"
    confidence: float | None = None
    evidence: dict[str, Any] | None = None  # the suggestion's, with reviewed_by / reviewed_at
    rejected_by: str | None = None
    rejected_at: datetime

    @classmethod
    def of(cls, row: dict[str, Any]) -> RejectionOut:
        return cls(asset_id=row["asset_id"], tag=row["tag"], confidence=row["confidence"], evidence=row["evidence"],
                   rejected_by=row["rejected_by"], rejected_at=row["rejected_at"])


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


@router.get("/assets/{asset_id}/rejected-classifications", response_model=list[RejectionOut],
            summary="Detected tags a person rejected on this asset")
def list_rejected(asset_id: uuid.UUID, principal: Principal = Depends(authorize),
                  app: AppContext = Depends(ctx)) -> list[RejectionOut]:
    load_asset(app, principal, asset_id)
    with app.store.read() as conn:
        return [RejectionOut.of(r) for r in catalog.rejections_of(conn, principal.tenant_id, [asset_id])]


@router.post("/assets/{asset_id}/classifications/{tag}/confirm", response_model=ClassificationOut,
             summary="Confirm a detected tag (or restore a rejected one): detection never changes it again")
def confirm_classification(asset_id: uuid.UUID, tag: Tag, principal: Principal = Depends(authorize),
                           app: AppContext = Depends(ctx), rid: str = Depends(request_id)) -> ClassificationOut:
    asset = load_asset(app, principal, asset_id)
    with app.store.read() as conn:
        detected, rejected = catalog.review_target(conn, principal.tenant_id, asset_id, tag)
    if detected is None and rejected is None:
        raise HTTPException(404, f"no detected classification {tag!r} on this asset")
    if asset.status is not AssetStatus.ACTIVE:
        raise HTTPException(409, "cannot classify a deleted asset")
    apply_and_notify(app.store, changeset(principal, rid, ReviewClassification(ref=asset.ref, tag=tag,
                                                                               decision="confirmed")))
    with app.store.read() as conn:
        detected, _ = catalog.review_target(conn, principal.tenant_id, asset_id, tag)
    assert detected is not None
    return ClassificationOut.of(detected)


@router.post("/assets/{asset_id}/classifications/{tag}/reject", response_model=RejectionOut,
             summary="Reject a detected tag: it is removed, stops propagating, and is never suggested again")
def reject_classification(asset_id: uuid.UUID, tag: Tag, principal: Principal = Depends(authorize),
                          app: AppContext = Depends(ctx), rid: str = Depends(request_id)) -> RejectionOut:
    asset = load_asset(app, principal, asset_id)
    with app.store.read() as conn:
        detected, rejected = catalog.review_target(conn, principal.tenant_id, asset_id, tag)
    if detected is None and rejected is None:
        raise HTTPException(404, f"no detected classification {tag!r} on this asset")
    if detected is not None:
        apply_and_notify(app.store, changeset(principal, rid, ReviewClassification(ref=asset.ref, tag=tag,
                                                                                   decision="rejected")))
        with app.store.read() as conn:
            _, rejected = catalog.review_target(conn, principal.tenant_id, asset_id, tag)
    assert rejected is not None
    return RejectionOut.of(rejected)
