"""Lineage edges: add (creating placeholder assets for ends nothing declared yet), update, remove.

An edge's id is a UUIDv5 of (tenant, source id, target id): one edge per pair of assets, whichever
job or run declared it. Deleting an asset drops its edges (``assets.drop_edges_of``).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, insert, update

from lily.model import AddLineage, AssetType, ChangeKind, RemoveLineage, asset_id, stable_id
from lily.store.apply.assets import cached_rows, ensure_asset, same_rows
from lily.store.apply.context import ChangeSetContext, as_json
from lily.store.apply_cache import ABSENT, restated_key
from lily.store.tables import lineage_edges

# The columns an edge is written with (``id``, ``block_list`` and the times are set apart).
_EDGE_FIELDS = ("tenant_id", "source_id", "target_id", "level", "transformation_type",
                "transformation_subtype", "masking", "job_id", "run_id", "attributes")


def add_lineage(ctx: ChangeSetContext, op: AddLineage) -> None:
    # Every run of a job restates its edges: the same edge from the same job, another run id.
    key = restated_key(ctx.tenant, op)
    seen = ctx.cache.restated.get(key)
    if seen is not None and ctx.cache.edges.get(seen[0]) is seen[1] and same_rows(ctx, seen[2]):
        return
    eid, ends = _add(ctx, op)
    edge = ctx.cache.edges.get(eid)
    rows = cached_rows(ctx, ends)
    if edge is not None and edge is not ABSENT and rows is not None:
        ctx.cache.restated[key] = (eid, edge, rows)


def _add(ctx: ChangeSetContext, op: AddLineage) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """Apply ``op``; the edge id and the ids of the assets it ensured."""
    src = ensure_asset(ctx, op.source)
    dst = ensure_asset(ctx, op.target)
    job_id = ensure_asset(ctx, op.job, AssetType.JOB) if op.job else None
    level = "column" if (op.source.field or op.target.field) else "dataset"
    row = {
        "tenant_id": ctx.tenant, "source_id": src, "target_id": dst, "level": level,
        "transformation_type": op.transformation_type.value,
        "transformation_subtype": op.transformation_subtype, "masking": op.masking,
        "job_id": job_id, "run_id": op.run_id,
        "attributes": {"description": op.description} if op.description else {},
    }
    if op.block_list is not None:
        row["block_list"] = list(op.block_list)
    return put_edge(ctx, row), [src, dst] + ([job_id] if job_id is not None else [])


def put_edge(ctx: ChangeSetContext, row: dict[str, Any]) -> uuid.UUID:
    """Insert the edge of ``row`` or update the stored one where it differs; the edge's id."""
    eid = stable_id(ctx.tenant, str(row["source_id"]), str(row["target_id"]))
    current = _edge(ctx, eid)
    values = {k: row[k] for k in _EDGE_FIELDS}
    if current is None:
        values.update(id=eid, block_list=row.get("block_list") or [], created_at=ctx.at, updated_at=ctx.at)
        ctx.conn.execute(insert(lineage_edges).values(**values))
        ctx.cache.edges[eid] = values
        ctx.record(ChangeKind.LINEAGE_ADDED, "lineage_edge", eid, row["target_id"], None, as_json(values))
        return eid
    values["block_list"] = row.get("block_list", current["block_list"])
    # ``run_id`` and ``job_id`` name the run and job that created or last changed the edge: every
    # run of a job restates its edges, and so does every job writing a table another job writes too
    # (an events table fed by many loads). Rewriting the edge and its change row for each would cost
    # a write and a change per edge per run (the shared-table dbt corpus of benchmarks/inbound_real.py
    # spent 24 % of the worker's CPU there); which runs and jobs wrote a dataset is in ``run_io``.
    job = values.pop("job_id")
    diff = {k: v for k, v in values.items() if k != "run_id" and current[k] != v}
    if job is not None and current["job_id"] is None:
        diff["job_id"] = job  # a job does name an edge that names none yet
    if diff:
        if values["run_id"] is not None:
            diff["run_id"] = values["run_id"]
        if job is not None and job != current["job_id"]:
            diff["job_id"] = job
        ctx.conn.execute(update(lineage_edges).where(lineage_edges.c.id == eid).values(**diff, updated_at=ctx.at))
        ctx.cache.edges[eid] = {**current, **diff, "updated_at": ctx.at}
        ctx.record(ChangeKind.LINEAGE_UPDATED, "lineage_edge", eid, row["target_id"],
                   as_json({k: current[k] for k in diff}), as_json(diff))
    return eid


def _edge(ctx: ChangeSetContext, eid: uuid.UUID) -> dict[str, Any] | None:
    return ctx.cached(ctx.cache.edges, lineage_edges, eid)


def remove_lineage(ctx: ChangeSetContext, op: RemoveLineage) -> None:
    eid = stable_id(ctx.tenant, str(asset_id(ctx.tenant, op.source)), str(asset_id(ctx.tenant, op.target)))
    current = _edge(ctx, eid)
    if current is None:
        return
    ctx.conn.execute(delete(lineage_edges).where(lineage_edges.c.id == eid))
    ctx.cache.edges[eid] = ABSENT
    ctx.record(ChangeKind.LINEAGE_REMOVED, "lineage_edge", eid, current["target_id"], as_json(dict(current)), None)
