"""Asset page: identity, owners, editable description, schema with tag chips by source, adding and
removing a tag with a preview of propagation and enforcement, neighbours, incidents, quality,
recent events, version history and raw facets."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Form, Query, Request
from pydantic import ValidationError
from starlette.responses import Response

from lily.api.routes.assets import changeset, detailed, load_asset
from lily.api.routes.classifications import add_classification, remove_classification
from lily.api.routes.contracts import list_contracts
from lily.api.routes.events import list_events
from lily.api.routes.incidents import list_incidents
from lily.api.routes.lineage import get_lineage
from lily.api.routes.preview import preview_classification
from lily.api.routes.quality import asset_quality
from lily.api.schemas import ClassificationIn
from lily.api.schemas_governance import PreviewIn
from lily.auth.rbac import allows
from lily.bus.commits import apply_and_notify
from lily.governance.rules import governed_tables
from lily.model import AssetType, Direction, LineageLevel, Principal, UpsertAsset
from lily.model.rules import SecurityRule
from lily.store import catalog
from lily.store import governance as rules_store
from lily.web.calls import app_ctx, call, permission
from lily.web.enforcement import enforcement_preview, targets_of
from lily.web.errors import PageError
from lily.web.session import csrf_checked, requires
from lily.web.templating import render

router = APIRouter(tags=["web"])
_READ = permission("GET", "/assets/{asset_id}")
_WRITE = permission("POST", "/assets")
_CLASSIFY = permission("POST", "/assets/{asset_id}/classifications")
_PREVIEW = permission("POST", "/classifications/preview")


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise PageError(404, f"no asset {value!r}") from None


def schema_data(request: Request, user: Principal, asset_id: uuid.UUID) -> dict[str, Any]:
    """The asset with its columns and their tags, and the names of every asset a propagated tag's
    path goes through (the chips link to them)."""
    ctx = app_ctx(request)
    asset = call(load_asset, ctx, user, asset_id)
    out = call(detailed, ctx, user, asset)
    tags = [*(out.classifications or []), *(t for c in out.columns or [] for t in c.classifications or [])]
    path_ids = {i for t in tags if t.provenance for i in [t.provenance.origin_asset_id, *t.provenance.path]}
    with ctx.store.read() as conn:
        names = {a.id: a.ref.qualified_name for a in catalog.get_many(conn, user.tenant_id, list(path_ids)).values()}
    return {"asset": out, "names": names}


@router.get("/assets/{asset_id}")
def asset_page(request: Request, asset_id: str, user: Principal = Depends(requires(_READ))) -> Response:
    aid = _uuid(asset_id)
    ctx = app_ctx(request)
    data = schema_data(request, user, aid)
    asset = data["asset"]
    level = LineageLevel.COLUMN if asset.field else LineageLevel.DATASET
    up = call(get_lineage, aid, Direction.UPSTREAM, 1, level, user, ctx)
    down = call(get_lineage, aid, Direction.DOWNSTREAM, 1, level, user, ctx)
    incidents = call(list_incidents, None, None, None, aid, None, 10, user, ctx).items
    quality = call(asset_quality, aid, user, ctx, 20, None)
    events = []
    if allows(user.role, permission("GET", "/events")):
        events = call(list_events, None, None, None, str(aid), None, None, None, 10, user,
                      request.app.state.inbound).items
    contracts = [c for c in call(list_contracts, user, ctx)
                 if any(d["namespace"] == asset.namespace and d["name"] == asset.name for d in c["datasets"] or [])]
    with ctx.store.read() as conn:
        history = catalog.history(conn, user.tenant_id, aid)
    return render(request, "asset.html", {
        **data, "upstream": up.nodes, "downstream": down.nodes, "incidents": incidents, "quality": quality,
        "events": events, "history": list(reversed(history))[:20], "contracts": contracts})


@router.get("/assets/{asset_id}/schema")
def asset_schema(request: Request, asset_id: str, user: Principal = Depends(requires(_READ))) -> Response:
    """The schema and tags fragment (refreshed live when the catalog changes)."""
    return render(request, "_asset_schema.html", schema_data(request, user, _uuid(asset_id)))


@router.post("/assets/{asset_id}/description", dependencies=[Depends(csrf_checked)])
def edit_description(request: Request, asset_id: str, description: str = Form("", max_length=20000),
                     user: Principal = Depends(requires(_WRITE))) -> Response:
    ctx = app_ctx(request)
    asset = call(load_asset, ctx, user, _uuid(asset_id))
    rid = str(request.scope.get("state", {}).get("request_id", ""))
    call(apply_and_notify, ctx.store, changeset(user, rid, UpsertAsset(ref=asset.ref, type=asset.type,
                                                                       description=description.strip())))
    return render(request, "_description.html", {"asset": call(load_asset, ctx, user, asset.id), "saved": True})


def _target(request: Request, user: Principal, page_asset: uuid.UUID, target: str) -> uuid.UUID:
    """The asset a tag form names: the page's asset or one of its columns (nothing else)."""
    data = schema_data(request, user, page_asset)
    allowed = {data["asset"].id, *(c.id for c in data["asset"].columns or [])}
    tid = _uuid(target)
    if tid not in allowed:
        raise PageError(404, "that column is not part of this asset")
    return tid


def _enforcement(request: Request, user: Principal, tag: str, origin: uuid.UUID, add: set[uuid.UUID],
                 remove: set[uuid.UUID]) -> list:
    """The warehouse changes of the tag change (see lily.web.enforcement), over the tables touched."""
    ctx = app_ctx(request)
    with ctx.store.read() as conn:
        touched = catalog.get_many(conn, user.tenant_id, [origin, *add, *remove])
        tables = {a.parent_id if a.type is AssetType.COLUMN and a.parent_id else a.id for a in touched.values()}
        datasets = list(catalog.get_many(conn, user.tenant_id, list(tables)).values())
        columns = [c for d in datasets for c in catalog.columns_of(conn, user.tenant_id, d.id)]
        ids = [a.id for a in [*datasets, *columns]]
        tags = catalog.classifications_of(conn, user.tenant_id, ids)
        rules = [SecurityRule.model_validate({**r["body"], "enabled": r["enabled"]})
                 for r in rules_store.list_rules(conn, user.tenant_id)]
        targets = targets_of(rules_store.list_targets(conn, user.tenant_id))
    return enforcement_preview(rules, governed_tables([*datasets, *columns], tags), tag, add, remove, targets)


@router.get("/assets/{asset_id}/tags/preview")
def tag_preview(request: Request, asset_id: str, target: str = Query(...), tag: str = Query("", max_length=200),
                action: str = Query("add", pattern="^(add|remove)$"), propagate: bool = Query(False),
                user: Principal = Depends(requires(_PREVIEW))) -> Response:
    """What adding (or removing) ``tag`` on ``target`` would do: assets that gain, lose or change the
    propagated tag, and the warehouse policy changes; with the confirm button."""
    tid = _target(request, user, _uuid(asset_id), target)
    try:
        body = PreviewIn(asset_id=tid, tag=tag.strip(), action=action, propagate=propagate or action == "remove")
        ClassificationIn(tag=tag.strip())
    except ValidationError as exc:
        return render(request, "_tag_preview.html", {"error": exc.errors()[0]["msg"], "tag": tag}, status=422)
    result = call(preview_classification, body, user, app_ctx(request))
    add = {tid, *(i.asset_id for i in result.to_add)} if action == "add" else set()
    remove = {tid, *(i.asset_id for i in result.to_remove)} if action == "remove" else set()
    return render(request, "_tag_preview.html", {
        "preview": result, "enforcement": _enforcement(request, user, body.tag, tid, add, remove),
        "tag": body.tag, "action": action, "target": tid, "propagate": body.propagate, "page_asset": asset_id,
        "can_classify": allows(user.role, _CLASSIFY)})


@router.post("/assets/{asset_id}/tags", dependencies=[Depends(csrf_checked)])
def add_tag(request: Request, asset_id: str, target: str = Form(...), tag: str = Form("", max_length=200),
            propagate: bool = Form(False), user: Principal = Depends(requires(_CLASSIFY))) -> Response:
    tid = _target(request, user, _uuid(asset_id), target)
    try:
        body = ClassificationIn(tag=tag.strip(), propagate=propagate)
    except ValidationError as exc:
        return render(request, "_tag_preview.html", {"error": exc.errors()[0]["msg"], "tag": tag}, status=422)
    ctx = app_ctx(request)
    rid = str(request.scope.get("state", {}).get("request_id", ""))
    call(add_classification, tid, body, user, ctx, rid)
    return render(request, "_asset_schema.html", {**schema_data(request, user, _uuid(asset_id)),
                                                  "message": f"Tag {body.tag} added."})


@router.post("/assets/{asset_id}/tags/remove", dependencies=[Depends(csrf_checked)])
def remove_tag(request: Request, asset_id: str, target: str = Form(...), tag: str = Form(..., max_length=200),
               user: Principal = Depends(requires(_CLASSIFY))) -> Response:
    tid = _target(request, user, _uuid(asset_id), target)
    rid = str(request.scope.get("state", {}).get("request_id", ""))
    call(remove_classification, tid, tag, user, app_ctx(request), rid)
    return render(request, "_asset_schema.html", {**schema_data(request, user, _uuid(asset_id)),
                                                  "message": f"Tag {tag} removed."})
