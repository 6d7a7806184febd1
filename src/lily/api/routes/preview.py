"""Classification preview: which assets would gain or lose a propagated tag, before it is applied."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, HTTPException

from lily.api.context import AppContext
from lily.api.deps import authorize, ctx
from lily.api.permissions import V1
from lily.api.routes.assets import load_asset
from lily.api.schemas_governance import LimitHitOut, PreviewIn, PreviewItem, PreviewOut
from lily.governance.preview import NothingToRemove, preview_tag
from lily.governance.propagation import PropagatedTag, PropagationLimits
from lily.model import AssetStatus, Classification, Principal
from lily.store import catalog

router = APIRouter(prefix=V1, tags=["classifications"])


def _item(t: PropagatedTag, names: dict[uuid.UUID, str]) -> PreviewItem:
    return PreviewItem(asset_id=t.asset_id, qualified_name=names.get(t.asset_id), tag=t.tag,
                       origin_asset_id=t.origin_asset_id, origin_classification_id=t.origin_classification_id,
                       path=list(t.path), depth=t.depth)


def _stored(c: Classification, names: dict[uuid.UUID, str]) -> PreviewItem:
    p = c.provenance
    assert p is not None  # only propagated rows with provenance are ever retracted
    return PreviewItem(asset_id=c.asset_id, qualified_name=names.get(c.asset_id), tag=c.tag,
                       origin_asset_id=p.origin_asset_id, origin_classification_id=p.origin_classification_id,
                       path=p.path, depth=p.depth)


@router.post("/classifications/preview", response_model=PreviewOut)
def preview_classification(body: PreviewIn, principal: Principal = Depends(authorize),
                           app: AppContext = Depends(ctx)) -> PreviewOut:
    """What propagation would change if ``tag`` were added to (or removed from) the asset. Writes nothing."""
    asset = load_asset(app, principal, body.asset_id)
    if asset.status is not AssetStatus.ACTIVE:
        raise HTTPException(409, "cannot preview a tag on a deleted asset")
    s = app.settings
    limits = PropagationLimits(s.propagation_max_depth, s.propagation_max_fanout, s.propagation_time_budget_s)
    with app.store.read() as conn:
        try:
            result = preview_tag(conn, principal.tenant_id, asset.id, body.tag, body.action == "add",
                                 body.propagate, limits)
        except NothingToRemove as e:
            raise HTTPException(404, str(e)) from None
        ids = [t.asset_id for t in result.to_add] + [c.asset_id for c in result.to_remove] + \
              [t.asset_id for _, t in result.to_update]
        names = {a.id: a.ref.qualified_name for a in catalog.get_many(conn, principal.tenant_id, ids).values()}
    return PreviewOut(
        to_add=[_item(t, names) for t in result.to_add],
        to_remove=[_stored(c, names) for c in result.to_remove if c.provenance is not None],
        to_update=[_item(t, names) for _, t in result.to_update],
        limits_hit=[LimitHitOut(origin_classification_id=h.origin_classification_id, asset_id=h.asset_id,
                                limit=h.limit, value=h.value) for h in result.limits_hit],
        deferred_origins=list(result.deferred_origins))
