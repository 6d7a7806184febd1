"""Marquez-compatible lineage graphs: ``GET /lineage`` (datasets and jobs) and ``GET /column-lineage``.

``/lineage`` answers Marquez's graph: dataset → job → dataset, every node with ``inEdges`` and
``outEdges`` of ``{origin, destination}`` NodeIds, nodes sorted by id. Lily stores dataset-level edges
that name the job, and the datasets each run read and wrote; both become job ↔ dataset links. An
edge that names no job (declared through the API or by a connector) stays a direct dataset →
dataset edge. ``/column-lineage`` answers DATASET_FIELD nodes, upstream by default.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from sqlalchemy import Connection

from lily.api import schemas_marquez as shape
from lily.api.context import AppContext
from lily.api.deps import authorize, ctx
from lily.api.marquez_ids import NodeId, NodeIdError, parse_node_id
from lily.api.permissions import V1
from lily.api.routes.lineage import MAX_DEPTH
from lily.api.routes.marquez import MarquezError, MarquezRoute, dataset_jsons, job_jsons, ok
from lily.api.schemas_query import node_id as node_id_pattern
from lily.model import Asset, AssetStatus, Principal
from lily.store import catalog
from lily.store import marquez as mq
from lily.store import runs as run_store

router = APIRouter(prefix=V1, tags=["marquez"], route_class=MarquezRoute)

DEPTH = Query(20, ge=0, le=10_000, description="job hops (lineage) or column hops (column-lineage)")
NODE_ID_MAX = 2000


def _node(value: str) -> NodeId:
    # The parameter's pattern admits only ids that parse (tests/api/test_conformance.py).
    try:
        return parse_node_id(value)
    except NodeIdError as exc:  # pragma: no cover - unreachable behind the pattern
        raise MarquezError(400, str(exc)) from exc


def _find(conn: Connection, tenant: str, node: NodeId) -> Asset:
    kind = {"dataset": "dataset", "job": "job", "datasetField": "dataset"}.get(node.kind)
    asset = mq.find(conn, tenant, kind, node.namespace, node.name) if kind else None
    if asset is None:
        raise MarquezError(404, f"Node '{node}' not found.")
    return asset


def _depth(depth: int) -> int:
    # Marquez has no upper bound (its UI asks for 20 by default); Lily caps the traversal at the
    # native lineage API's maximum instead of refusing, so Marquez clients keep working.
    return min(depth, MAX_DEPTH)


@router.get("/lineage", summary="Marquez: lineage graph of a dataset or job")
def lineage(node_id: str = Query(alias="nodeId", max_length=NODE_ID_MAX, pattern=node_id_pattern("dataset", "job"),
                                 description="a dataset or job NodeId, e.g. dataset:postgres://db:5432:shop.public.users"),
            depth: int = DEPTH, principal: Principal = Depends(authorize),
            app: AppContext = Depends(ctx)) -> JSONResponse:
    node = _node(node_id)
    tenant = principal.tenant_id
    with app.store.read() as conn:
        start = _find(conn, tenant, node)
        g = mq.job_graph(conn, tenant, start, _depth(depth))
        found = catalog.get_many(conn, tenant, sorted(g.jobs | g.datasets, key=str))
        datasets = [found[d] for d in g.datasets if d in found]
        jobs = [found[j] for j in g.jobs if j in found]
        # Node data in Marquez's Dataset and Job shapes (a job node carries only its latest run).
        data = dict(zip([d.id for d in datasets], dataset_jsons(conn, tenant, datasets), strict=True))
        data |= dict(zip([j.id for j in jobs], job_jsons(conn, tenant, jobs, runs_per_job=1), strict=True))
    return ok({"graph": _graph(g, found, data)})


def _graph(g: mq.JobGraph, found: dict[uuid.UUID, Asset], data: dict[uuid.UUID, Any]) -> list[dict[str, Any]]:
    def nid(aid: uuid.UUID) -> str:
        a = found[aid]
        return shape.job_node_id(a) if aid in g.jobs else shape.dataset_node_id(a)

    pairs: list[tuple[uuid.UUID, uuid.UUID]] = []
    for job, ds, role in g.links:
        if job in found and ds in found:
            pairs.append((ds, job) if role == "input" else (job, ds))
    pairs += [(s, d) for s, d in g.direct if s in found and d in found and s != d]
    ins: dict[uuid.UUID, list[dict[str, str]]] = {}
    outs: dict[uuid.UUID, list[dict[str, str]]] = {}
    for src, dst in set(pairs):
        e = shape.edge(nid(src), nid(dst))
        outs.setdefault(src, []).append(e)
        ins.setdefault(dst, []).append(e)
    nodes = []
    for aid in found:
        nodes.append(shape.graph_node(nid(aid), "JOB" if aid in g.jobs else "DATASET", data.get(aid),
                                      ins.get(aid, []), outs.get(aid, [])))
    return sorted(nodes, key=lambda n: n["id"])


def _start_columns(conn: Connection, tenant: str, node: NodeId) -> set[uuid.UUID]:
    if node.kind == "job":
        job = _find(conn, tenant, node)
        outputs = [a for j, a, r in run_store.job_links(conn, tenant, job_ids={job.id}) if r == "output"]
        return {c.id for d in outputs for c in catalog.columns_of(conn, tenant, d)}
    dataset = _find(conn, tenant, node)
    columns = catalog.columns_of(conn, tenant, dataset.id)
    if node.kind == "datasetField":
        columns = [c for c in columns if c.ref.field == node.field]
    return {c.id for c in columns}


@router.get("/column-lineage", summary="Marquez: column-level lineage graph")
def column_lineage(node_id: str = Query(alias="nodeId", max_length=NODE_ID_MAX,
                                        pattern=node_id_pattern("dataset", "job", "datasetField"),
                                        description="a dataset, dataset field or job NodeId; a version "
                                                    "suffix (#<uuid>) is ignored: Lily keeps the current graph"),
                   depth: int = DEPTH, with_downstream: bool = Query(False, alias="withDownstream"),
                   principal: Principal = Depends(authorize), app: AppContext = Depends(ctx)) -> JSONResponse:
    node = _node(node_id)
    tenant = principal.tenant_id
    with app.store.read() as conn:
        starts = _start_columns(conn, tenant, node)
        if not starts:
            raise MarquezError(404, f"Node '{node}' not found.")
        reached = mq.column_graph(conn, tenant, starts, _depth(depth), with_downstream)
        found = catalog.get_many(conn, tenant, sorted(reached, key=str))
        columns = {aid: a for aid, a in found.items() if a.ref.field and a.status is AssetStatus.ACTIVE}
        inputs = mq.column_inputs(conn, tenant, list(columns))
        parents = catalog.get_many(conn, tenant, sorted({a.parent_id for a in columns.values() if a.parent_id},
                                                         key=str))
    versions = {(p.ref.namespace, p.ref.name): shape.version_uuid(p.id, p.version) for p in parents.values()}
    return ok({"graph": _column_graph(columns, inputs, versions)})


def _column_graph(columns: dict[uuid.UUID, Asset], inputs: dict[uuid.UUID, list[mq.ColumnInput]],
                  versions: dict[tuple[str, str], str | None]) -> list[dict[str, Any]]:
    # Only edges inside the reached set: every node's inputFields and edges describe one subgraph.
    inside = {aid: [i for i in inputs.get(aid, []) if i.source.id in columns] for aid in columns}
    ins: dict[uuid.UUID, list[dict[str, str]]] = {}
    outs: dict[uuid.UUID, list[dict[str, str]]] = {}
    for aid, items in inside.items():
        for i in items:
            e = shape.edge(shape.column_node_id(i.source), shape.column_node_id(columns[aid]))
            ins.setdefault(aid, []).append(e)
            outs.setdefault(i.source.id, []).append(e)
    nodes = [shape.graph_node(shape.column_node_id(c), "DATASET_FIELD", shape.column_data(c, inside[aid], versions),
                              ins.get(aid, []), outs.get(aid, [])) for aid, c in columns.items()]
    return sorted(nodes, key=lambda n: n["id"])
