"""Incident enrichment: who owns the affected assets, how they are classified, and what breaks downstream.

``summarize`` is a pure function over what a lineage traversal found; ``enrichment`` gathers those
inputs in the caller's transaction (the apply path recomputes it on every incident update, so the
stored enrichment is as fresh as the incident's last update, stamped with ``computed_at``).

Blast radius = the assets reachable downstream of the affected ones within ``depth`` hops (a
reached column counts as its dataset: the table is what people own and query) plus the jobs that
read affected or downstream data (the edges between them name those jobs).
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from lily.model import Asset, AssetRef, AssetStatus, Direction, asset_id
from lily.store import catalog
from lily.store import lineage as lineage_store
from lily.store.chunks import rows_in
from lily.store.tables import assets

MAX_LISTED = 100  # downstream assets listed by name; counts and owners always cover all of them


@dataclass(frozen=True)
class Reached:
    asset: Asset
    depth: int


def _brief(asset: Asset) -> dict[str, Any]:
    return {"asset_id": str(asset.id), "type": asset.type.value, **asset.ref.model_dump(),
            "owners": [o.name for o in asset.owners]}


def summarize(affected: list[tuple[AssetRef, Asset | None]], affected_tags: list[tuple[uuid.UUID, str, str]],
              downstream: list[Reached], jobs: list[Asset], downstream_tags: list[str], *, depth: int,
              at: datetime) -> dict[str, Any]:
    """The enrichment document stored on an incident.

    ``affected_tags`` are (affected asset id, tag, column or "") — a PII column in the broken table
    matters as much as a tag on the table itself.
    """
    rows = []
    for ref, asset in affected:
        aid = asset.id if asset else None
        rows.append({
            **(_brief(asset) if asset else {"asset_id": None, "type": None, **ref.model_dump(), "owners": []}),
            "known": asset is not None and asset.status is AssetStatus.ACTIVE,
            "classifications": [{"tag": t, "column": c or None}
                                for t, c in sorted({(tag, column) for a, tag, column in affected_tags if a == aid})],
        })
    ordered = sorted(downstream, key=lambda r: (r.depth, r.asset.ref.namespace, r.asset.ref.name))
    jobs = sorted(jobs, key=lambda j: (j.ref.namespace, j.ref.name))
    everything = [r.asset for r in ordered] + jobs
    listed = [{**_brief(r.asset), "depth": r.depth} for r in ordered[:MAX_LISTED]]
    return {
        "computed_at": at.isoformat(),
        "owners": sorted({o for row in rows for o in row["owners"]}),
        "classifications": sorted({c["tag"] for row in rows for c in row["classifications"]}),
        "affected": rows,
        "blast_radius": {
            "depth": depth,
            "total": len(everything),
            "by_type": dict(sorted(Counter(a.type.value for a in everything).items())),
            "owners": sorted({o.name for a in everything for o in a.owners}),
            "classifications": sorted(set(downstream_tags)),
            "max_depth_reached": max((r.depth for r in ordered), default=0),
            "assets": listed,
            "jobs": [_brief(j) for j in jobs[:MAX_LISTED]],
            "truncated": len(ordered) > MAX_LISTED or len(jobs) > MAX_LISTED,
        },
    }


# Both read by id or parent alone and check the tenant on the rows: with ``tenant_id`` in the WHERE,
# SQLite (no statistics) walked the tenant's whole type range per chunk. A Monte Carlo update's
# enrichment was a quarter of the inbound worker's CPU in a mixed stream (benchmarks/inbound_real.py),
# half of it loading every reached column as a whole asset where its dataset is all that counts.


def _children(conn: Connection, tenant: str, ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[uuid.UUID, str]]:
    """Active columns of the given datasets: column id -> (dataset id, field)."""
    q = select(assets.c.id, assets.c.parent_id, assets.c.field, assets.c.tenant_id).where(
        assets.c.field != "", assets.c.status == AssetStatus.ACTIVE.value)
    return {cid: (pid, fld) for cid, pid, fld, t in rows_in(conn, q, assets.c.parent_id, ids) if t == tenant}


def _datasets_of(conn: Connection, tenant: str, ids: list[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    """Each asset's dataset: a column's parent, any other asset itself."""
    q = select(assets.c.id, assets.c.parent_id, assets.c.field, assets.c.tenant_id)
    return {aid: (pid if fld else aid) for aid, pid, fld, t in rows_in(conn, q, assets.c.id, ids)
            if t == tenant and (pid is not None or not fld)}


def enrichment(conn: Connection, tenant: str, refs: list[AssetRef], *, depth: int, at: datetime) -> dict[str, Any]:
    ids = [asset_id(tenant, r) for r in refs]
    found = catalog.get_many(conn, tenant, ids)
    live = [aid for aid in ids if aid in found and found[aid].status is AssetStatus.ACTIVE]
    columns = _children(conn, tenant, live)
    tags = catalog.classifications_of(conn, tenant, [*live, *columns])
    affected_tags = [(columns[c.asset_id][0], c.tag, columns[c.asset_id][1]) if c.asset_id in columns
                     else (c.asset_id, c.tag, "") for c in tags]

    reached: dict[uuid.UUID, int] = {}  # downstream asset -> its shortest distance from an affected one
    for start in live:
        for node in lineage_store.traverse(conn, tenant, start, Direction.DOWNSTREAM, depth):
            reached[node.asset_id] = min(node.depth, reached.get(node.asset_id, node.depth))
    dataset_of = _datasets_of(conn, tenant, list(reached))
    dataset_assets = catalog.get_many(conn, tenant, sorted(set(dataset_of.values()), key=str))
    datasets: dict[uuid.UUID, Reached] = {}
    starts = set(live)
    for aid, d in reached.items():
        asset = dataset_assets.get(dataset_of[aid]) if aid in dataset_of else None
        if asset is None or asset.id in starts or asset.status is not AssetStatus.ACTIVE:
            continue
        if asset.id not in datasets or d < datasets[asset.id].depth:
            datasets[asset.id] = Reached(asset, d)

    edges = lineage_store.edges_among(conn, tenant, set(reached) | set(live))
    job_ids = sorted({e.job_id for e in edges if e.job_id is not None}, key=str)
    jobs = [j for j in catalog.get_many(conn, tenant, job_ids).values() if j.status is AssetStatus.ACTIVE]
    down_columns = _children(conn, tenant, list(datasets))
    downstream_tags = [c.tag for c in catalog.classifications_of(conn, tenant, [*datasets, *down_columns])]
    return summarize([(r, found.get(aid)) for r, aid in zip(refs, ids, strict=True)], affected_tags,
                     list(datasets.values()), jobs, downstream_tags, depth=depth, at=at)

