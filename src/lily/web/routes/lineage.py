"""The lineage explorer: a neighbourhood of one asset, laid out on the server, drawn by cytoscape.

Reads go through the store functions the lineage API uses (``store.lineage.traverse`` and
``edges_among``, ``store.catalog``) plus ``store.explorer`` for badges. Every URL is scoped to the
signed-in user's tenant: another tenant's asset id is a 404, like an unknown one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import Connection
from starlette.responses import JSONResponse, Response

from lily.auth.rbac import Permission
from lily.model import Asset, AssetType, ClassificationSource, Direction, LineageLevel, Principal
from lily.store import catalog, explorer
from lily.store import lineage as lineage_store
from lily.web.errors import PageError
from lily.web.graph import impact, svg
from lily.web.graph.explorer import Drawing, EdgeInfo, NodeInfo, Params, draw
from lily.web.graph.neighbourhood import Candidate, select
from lily.web.nav import Nav
from lily.web.session import requires
from lily.web.templating import render

router = APIRouter(tags=["web"])
NAV = Nav("Lineage", "/lineage", order=30)
IMPACT_DEPTH = 10  # "everything downstream", bounded like the impact API's default
IMPACT_SHOWN = 200  # rows on the page; the CSV has them all
TAGS_LISTED = 100

reader = requires(Permission.CATALOG_READ)


def _ctx(request: Request) -> Any:
    return request.app.state.ctx


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise PageError(404, "No such asset.") from None


def _root(conn: Connection, user: Principal, asset_id: str) -> Asset:
    asset = catalog.get_asset(conn, user.tenant_id, _uuid(asset_id))
    if asset is None:
        raise PageError(404, "No such asset in this tenant.")
    return asset


def _level(asset: Asset) -> str:
    return LineageLevel.COLUMN.value if asset.ref.field else LineageLevel.DATASET.value


def _params(request: Request, root: Asset) -> Params:
    query = {k: request.query_params.getlist(k) for k in request.query_params}
    params = Params.parse(query, default_level=_level(root))
    # A column is explored at column level, a dataset at dataset level: the other combination has
    # no edges to show (the page offers the columns instead).
    return Params.parse({**query, "level": [_level(root)]}) if params.level != _level(root) else params


def _name(asset: Asset, parents: dict[uuid.UUID, Asset]) -> str:
    if asset.ref.field:
        parent = parents.get(asset.parent_id) if asset.parent_id else None
        table = parent.display_name or parent.ref.name if parent else asset.ref.name
        return f"{table}.{asset.ref.field}"
    return asset.display_name or asset.ref.name


@dataclass
class Neighbourhood:
    root: Asset
    params: Params
    drawing: Drawing
    shown: dict[uuid.UUID, Asset]
    tags: list[dict[str, str]]  # propagated tags on shown nodes: the path highlight's choices
    total: int  # assets reached before the caps


def _reach(conn: Connection, tenant: str, root: Asset, params: Params, level: LineageLevel
           ) -> tuple[dict[uuid.UUID, int], set[uuid.UUID]]:
    """Signed layer of every asset within the chosen depth, and the pinned ones (expanded nodes and
    their neighbours)."""
    layers: dict[uuid.UUID, int] = {root.id: 0}
    for direction, depth, sign in ((Direction.DOWNSTREAM, params.down, 1), (Direction.UPSTREAM, params.up, -1)):
        if depth:
            for n in lineage_store.traverse(conn, tenant, root.id, direction, depth, level):
                layers.setdefault(n.asset_id, sign * n.depth)
    pinned: set[uuid.UUID] = set()
    for x in params.expand:
        try:
            xid = uuid.UUID(x)
        except ValueError:
            continue
        if xid not in layers:  # only nodes already in the neighbourhood expand (no id probing)
            continue
        pinned.add(xid)
        for n in lineage_store.traverse(conn, tenant, xid, Direction.BOTH, 1, level):
            sign = 1 if n.direction is Direction.DOWNSTREAM else -1
            layers.setdefault(n.asset_id, layers[xid] + sign)
            pinned.add(n.asset_id)
    return layers, pinned


def _tag_paths(conn: Connection, tenant: str, tag: str | None, owner_of: dict[uuid.UUID, uuid.UUID],
               dataset_level: bool) -> list[list[uuid.UUID]]:
    """The propagation paths to light: of one classification (by id), or of every propagated copy of
    a tag (by name) on the reached assets; at dataset level, columns are mapped onto their tables."""
    if not tag:
        return []
    try:
        wanted = uuid.UUID(tag)
    except ValueError:
        wanted = None
    found = [c for c in catalog.classifications_of(conn, tenant, list(owner_of))
             if c.provenance is not None and (c.id == wanted if wanted else c.tag == tag)]
    paths = [c.provenance.path for c in found if c.provenance]
    if not dataset_level:
        return paths
    owners = catalog.get_many(conn, tenant, sorted({a for p in paths for a in p}, key=str))
    return [[owners[a].parent_id if a in owners and owners[a].ref.field and owners[a].parent_id else a for a in p]
            for p in paths]


def neighbourhood(request: Request, user: Principal, asset_id: str) -> Neighbourhood:
    tenant = user.tenant_id
    with _ctx(request).store.read() as conn:
        root = _root(conn, user, asset_id)
        params = _params(request, root)
        level = LineageLevel(params.level)
        layers, pinned = _reach(conn, tenant, root, params, level)
        reached = catalog.get_many(conn, tenant, list(layers))
        parents = catalog.get_many(conn, tenant, sorted({a.parent_id for a in reached.values()
                                                         if a.ref.field and a.parent_id}, key=str))
        edges = lineage_store.edges_among(conn, tenant, set(reached), level)
        # Where a propagated tag came from, mapped onto what is drawn (columns onto their tables).
        dataset_level = level is LineageLevel.DATASET
        columns = explorer.column_parents(conn, tenant, list(reached)) if dataset_level else {}
        owner_of = {a: a for a in reached} | columns
        paths = _tag_paths(conn, tenant, params.tag, owner_of, dataset_level)
        pinned |= {a for p in paths for a in p if a in reached}

        candidates = [Candidate(str(a.id), _name(a, parents), layers[a.id]) for a in reached.values()]
        selection = select(str(root.id), candidates, [(str(e.source_id), str(e.target_id)) for e in edges],
                           cap=params.cap, pinned={str(p) for p in pinned}, pages=params.more,
                           search=params.search)
        shown = {uuid.UUID(s): reached[uuid.UUID(s)] for s in selection.shown}
        shown_columns = {c: d for c, d in columns.items() if d in shown}
        tags = catalog.classifications_of(conn, tenant, [*shown, *shown_columns])
        incidents = explorer.open_incidents(conn, tenant, [*shown, *shown_columns])
        masked_pairs: set[tuple[uuid.UUID, uuid.UUID]] = set()
        if dataset_level and shown_columns:
            for ce in lineage_store.edges_among(conn, tenant, set(shown_columns), LineageLevel.COLUMN):
                if ce.masking:
                    masked_pairs.add((shown_columns[ce.source_id], shown_columns[ce.target_id]))
        named = {c.asset_id for c in tags} | {c.provenance.origin_asset_id for c in tags if c.provenance}
        labels = catalog.get_many(conn, tenant, sorted(named, key=str))
        labels |= catalog.get_many(conn, tenant, sorted({a.parent_id for a in labels.values()
                                                         if a.ref.field and a.parent_id} - set(labels), key=str))
    pii = {owner_of.get(c.asset_id, c.asset_id) for c in tags if c.tag.upper().startswith("PII")}
    badge = {aid: incidents.get(aid, 0) + sum(incidents.get(c, 0) for c, d in shown_columns.items() if d == aid)
             for aid in shown}
    info = {str(a.id): NodeInfo(str(a.id), _name(a, parents), a.ref.namespace, a.type.value, layers[a.id],
                                f"/assets/{a.id}", pii=a.id in pii, incidents=badge[a.id]) for a in shown.values()}
    edge_info = [EdgeInfo(str(e.id), str(e.source_id), str(e.target_id),
                          masking=e.masking or (e.source_id, e.target_id) in masked_pairs,
                          blocked=tuple(e.block_list)) for e in edges]
    drawing = draw(str(root.id), selection, info, edge_info, expanded=params.expand,
                   paths=[[str(a) for a in p] for p in paths])
    choices = [{"id": str(c.id), "label": f"{c.tag} on {_name(labels[c.asset_id], labels)}"
                + (f" (from {_name(labels[c.provenance.origin_asset_id], labels)})"
                   if c.provenance and c.provenance.origin_asset_id in labels else "")}
               for c in tags if c.source is ClassificationSource.PROPAGATED and c.asset_id in labels]
    return Neighbourhood(root, params, drawing, shown, sorted(choices, key=lambda t: t["label"])[:TAGS_LISTED],
                         len(reached))


def _impact_rows(request: Request, user: Principal, root: Asset) -> list[impact.ImpactRow]:
    tenant = user.tenant_id
    level = LineageLevel(_level(root))
    with _ctx(request).store.read() as conn:
        found = lineage_store.traverse(conn, tenant, root.id, Direction.DOWNSTREAM, IMPACT_DEPTH, level)
        assets = catalog.get_many(conn, tenant, [n.asset_id for n in found])
        parents = catalog.get_many(conn, tenant, sorted({a.parent_id for a in assets.values()
                                                         if a.ref.field and a.parent_id}, key=str))
        columns = explorer.column_parents(conn, tenant, list(assets)) if level is LineageLevel.DATASET else {}
        tags = catalog.classifications_of(conn, tenant, [*assets, *columns])
        incidents = explorer.open_incidents(conn, tenant, [*assets, *columns])
    pii = {columns.get(c.asset_id, c.asset_id) for c in tags if c.tag.upper().startswith("PII")}
    open_by = {aid: incidents.get(aid, 0) + sum(n for c, n in incidents.items() if columns.get(c) == aid)
               for aid in assets}
    return impact.ordered(impact.ImpactRow(str(a.id), n.depth, _name(a, parents), a.ref.namespace, a.type.value,
                                           tuple(o.name for o in a.owners), a.id in pii, open_by[a.id])
                          for n in found if (a := assets.get(n.asset_id)) is not None)


def _columns(request: Request, user: Principal, root: Asset) -> list[Asset]:
    if root.ref.field or root.type is AssetType.JOB:
        return []
    with _ctx(request).store.read() as conn:
        return catalog.columns_of(conn, user.tenant_id, root.id)


# ------------------------------------------------------------------------------------------ pages
@router.get("/lineage")
def start(request: Request, q: str = Query("", max_length=200), user: Principal = Depends(reader)) -> Response:
    """Where to start: a search over the catalog's datasets."""
    found: list[Asset] = []
    if q.strip():
        with _ctx(request).store.read() as conn:
            found = [a for a in catalog.list_assets(conn, user.tenant_id, q=q.strip(), limit=50)
                     if a.type is not AssetType.JOB]
    return render(request, "lineage_start.html", {"q": q, "found": found})


@router.get("/lineage/{asset_id}")
def explore(request: Request, asset_id: str, user: Principal = Depends(reader)) -> Response:
    with _ctx(request).store.read() as conn:
        root = _root(conn, user, asset_id)
        parent = catalog.get_asset(conn, user.tenant_id, root.parent_id) if root.ref.field and root.parent_id else None
    params = _params(request, root)
    rows = _impact_rows(request, user, root)
    return render(request, "lineage.html", {
        "root": root, "root_name": _name(root, {parent.id: parent} if parent else {}), "params": params,
        "query": params.query(), "depths": range(0, 6), "columns": _columns(request, user, root),
        "impact": rows[:IMPACT_SHOWN], "impact_total": len(rows)})


@router.get("/lineage/{asset_id}/graph.json")
def graph_json(request: Request, asset_id: str, user: Principal = Depends(reader)) -> Response:
    """The drawing: cytoscape elements with their positions, and what the controls need."""
    n = neighbourhood(request, user, asset_id)
    layers = sorted({e["data"]["layer"] for e in n.drawing.nodes} - {0})
    return JSONResponse({
        "root": str(n.root.id), "query": n.params.query(), "elements": n.drawing.elements(),
        "layers": layers, "tags": n.tags, "tag": n.params.tag,
        "more": [node["data"] for node in n.drawing.nodes if node["classes"] == "more"],
        "stats": {"reached": n.total, "shown": len(n.shown), "crossings": n.drawing.layout.crossings},
        "size": {"width": n.drawing.layout.width, "height": n.drawing.layout.height}},
        headers={"cache-control": "no-store"})


@router.get("/lineage/{asset_id}/graph.svg")
def graph_svg(request: Request, asset_id: str, user: Principal = Depends(reader)) -> Response:
    n = neighbourhood(request, user, asset_id)
    title = f"Lineage of {n.root.ref.namespace} {n.root.ref.name}"
    return Response(svg.render(n.drawing, title), media_type="image/svg+xml",
                    headers={"content-disposition": f'attachment; filename="lineage-{n.root.id}.svg"'})


@router.get("/lineage/{asset_id}/impact.csv")
def impact_csv(request: Request, asset_id: str, user: Principal = Depends(reader)) -> Response:
    with _ctx(request).store.read() as conn:
        root = _root(conn, user, asset_id)
    return Response(impact.to_csv(_impact_rows(request, user, root)), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="impact-{root.id}.csv"'})
