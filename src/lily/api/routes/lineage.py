"""Lineage edges and traversal (upstream, downstream, impact) under /assets/{id} and /edges."""

from __future__ import annotations

import uuid
from collections import Counter

from fastapi import APIRouter, Depends, HTTPException, Query, Response

from lily.api.context import AppContext
from lily.api.deps import authorize, ctx, request_id
from lily.api.permissions import V1
from lily.api.routes.assets import changeset, load_asset
from lily.api.schemas import AssetOut, EdgeIn, EdgeOut, ImpactOut, LineageNodeOut, LineageOut
from lily.bus.commits import apply_and_notify
from lily.model import AddLineage, Direction, LineageLevel, Principal, RemoveLineage, asset_id, stable_id
from lily.store import catalog
from lily.store import lineage as lineage_store

router = APIRouter(prefix=V1, tags=["lineage"])
MAX_DEPTH = 50  # bounds the recursive query; deeper chains are paged by re-rooting


def _nodes(app: AppContext, principal: Principal, root: uuid.UUID, direction: Direction, depth: int,
           level: LineageLevel | None) -> tuple[list[LineageNodeOut], set[uuid.UUID]]:
    with app.store.read() as conn:
        found = lineage_store.traverse(conn, principal.tenant_id, root, direction, depth, level)
        assets = catalog.get_many(conn, principal.tenant_id, [n.asset_id for n in found])
    nodes = [LineageNodeOut(asset=AssetOut.of(assets[n.asset_id]), depth=n.depth, direction=n.direction)
             for n in found if n.asset_id in assets]
    return nodes, {n.asset_id for n in found}


@router.get("/assets/{asset_id}/lineage", response_model=LineageOut)
def get_lineage(asset_id: uuid.UUID, direction: Direction = Direction.DOWNSTREAM,
                depth: int = Query(5, ge=1, le=MAX_DEPTH), level: LineageLevel | None = None,
                principal: Principal = Depends(authorize), app: AppContext = Depends(ctx)) -> LineageOut:
    """Assets reachable upstream/downstream within ``depth`` hops (``level`` limits to column or
    dataset edges), with the edges between them."""
    root = load_asset(app, principal, asset_id)
    nodes, ids = _nodes(app, principal, asset_id, direction, depth, level)
    with app.store.read() as conn:
        edges = lineage_store.edges_among(conn, principal.tenant_id, ids | {asset_id}, level)
    return LineageOut(root=AssetOut.of(root), nodes=nodes, edges=[EdgeOut.of(e) for e in edges])


@router.get("/assets/{asset_id}/impact", response_model=ImpactOut)
def get_impact(asset_id: uuid.UUID, depth: int = Query(10, ge=1, le=MAX_DEPTH), level: LineageLevel | None = None,
               principal: Principal = Depends(authorize), app: AppContext = Depends(ctx)) -> ImpactOut:
    """What a change to this asset affects downstream: counts by type and the owners to tell."""
    root = load_asset(app, principal, asset_id)
    nodes, _ = _nodes(app, principal, asset_id, Direction.DOWNSTREAM, depth, level)
    owners = sorted({o.name for n in nodes for o in n.asset.owners})
    return ImpactOut(root=AssetOut.of(root), total=len(nodes), by_type=dict(Counter(n.asset.type.value for n in nodes)),
                     owners=owners, max_depth_reached=max((n.depth for n in nodes), default=0), nodes=nodes)


@router.post("/edges", response_model=EdgeOut, status_code=201)
def add_edge(body: EdgeIn, principal: Principal = Depends(authorize), app: AppContext = Depends(ctx),
             rid: str = Depends(request_id)) -> EdgeOut:
    """Declare that ``source`` feeds ``target`` (assets are created as placeholders if unknown)."""
    if body.source.ref() == body.target.ref():
        raise HTTPException(422, "an edge needs two different assets")
    op = AddLineage(source=body.source.ref(), target=body.target.ref(), transformation_type=body.transformation_type,
                    transformation_subtype=body.transformation_subtype, masking=body.masking,
                    block_list=body.block_list, job=body.job.ref() if body.job else None,
                    description=body.description)
    apply_and_notify(app.store, changeset(principal, rid, op))
    t = principal.tenant_id
    eid = stable_id(t, str(asset_id(t, op.source)), str(asset_id(t, op.target)))
    with app.store.read() as conn:
        edge = lineage_store.get_edge(conn, t, eid)
    assert edge is not None
    return EdgeOut.of(edge)


def _edge(app: AppContext, principal: Principal, edge_id: uuid.UUID) -> EdgeOut:
    with app.store.read() as conn:
        edge = lineage_store.get_edge(conn, principal.tenant_id, edge_id)
    if edge is None:
        raise HTTPException(404, f"edge {edge_id} not found")
    return EdgeOut.of(edge)


@router.get("/edges/{edge_id}", response_model=EdgeOut)
def get_edge(edge_id: uuid.UUID, principal: Principal = Depends(authorize), app: AppContext = Depends(ctx)) -> EdgeOut:
    return _edge(app, principal, edge_id)


@router.delete("/edges/{edge_id}", status_code=204)
def delete_edge(edge_id: uuid.UUID, principal: Principal = Depends(authorize), app: AppContext = Depends(ctx),
                rid: str = Depends(request_id)) -> Response:
    edge = _edge(app, principal, edge_id)
    with app.store.read() as conn:
        ends = catalog.get_many(conn, principal.tenant_id, [edge.source_id, edge.target_id])
    apply_and_notify(app.store, changeset(principal, rid, RemoveLineage(source=ends[edge.source_id].ref,
                                                            target=ends[edge.target_id].ref)))
    return Response(status_code=204)
