"""Reads behind the Marquez-compatible API: namespaces, dataset/job pages, graphs, search, raw events.

Marquez models a namespace as an object; in Lily a namespace is the OpenLineage namespace of the
assets in it, so it exists as soon as one dataset or job does. Datasets are all non-job,
non-column assets with a name (an S3 bucket, named ``""`` inside its namespace, is not a dataset).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, and_, exists, func, or_, select

from lily.model import Asset, AssetStatus, AssetType
from lily.store import catalog
from lily.store import runs as run_store
from lily.store.chunks import mappings_in, rows_in
from lily.store.rows import asset_from_row, given, utc
from lily.store.tables import asset_history, assets, classifications, lineage_edges
from lily.store.tables_inbound import inbound_events
from lily.store.tables_runs import runs as runs_table

JOB = AssetType.JOB.value
COLUMN = AssetType.COLUMN.value


_IS_DATASET = and_(assets.c.type.not_in([JOB, COLUMN]), assets.c.name != "")


def _of_kind(kind: str) -> Any:
    return assets.c.type == JOB if kind == "job" else _IS_DATASET


# ------------------------------------------------------------------------------------ namespaces
@dataclass(frozen=True)
class Namespace:
    name: str
    created_at: datetime
    updated_at: datetime


def namespaces(conn: Connection, tenant: str, *, limit: int = 100, offset: int = 0) -> list[Namespace]:
    q = (select(assets.c.namespace, func.min(assets.c.created_at), func.max(assets.c.updated_at))
         .where(assets.c.tenant_id == tenant, assets.c.type != COLUMN)
         .group_by(assets.c.namespace).order_by(assets.c.namespace).limit(limit).offset(offset))
    return [Namespace(n, utc(c), utc(u)) for n, c, u in conn.execute(q).all()]


def namespace(conn: Connection, tenant: str, name: str) -> Namespace | None:
    q = (select(func.min(assets.c.created_at), func.max(assets.c.updated_at))
         .where(assets.c.tenant_id == tenant, assets.c.type != COLUMN, assets.c.namespace == name))
    created, updated = conn.execute(q).one()
    return Namespace(name, utc(created), utc(updated)) if created is not None else None


# -------------------------------------------------------------------------------- datasets, jobs
def find(conn: Connection, tenant: str, kind: str, ns: str, name: str) -> Asset | None:
    """The dataset or job called ``name`` in ``ns`` (deleted ones too: Marquez shows ``deleted``)."""
    row = conn.execute(select(assets).where(
        assets.c.tenant_id == tenant, assets.c.namespace == ns, assets.c.name == name, assets.c.field == "",
        _of_kind(kind))).mappings().first()
    return asset_from_row(row) if row else None


def page(conn: Connection, tenant: str, kind: str, ns: str | None, *, limit: int, offset: int,
         last_run_states: list[str] | None = None) -> tuple[int, list[Asset]]:
    """(total, page by name) of the live datasets or jobs of a namespace (``None``: every namespace).

    ``last_run_states`` keeps the jobs whose newest run (by first event) is in one of the states.
    """
    where = [assets.c.tenant_id == tenant, assets.c.status == AssetStatus.ACTIVE.value, _of_kind(kind)]
    if ns is not None:
        where.append(assets.c.namespace == ns)
    if last_run_states:
        where.append(assets.c.id.in_(_jobs_whose_last_run_is(tenant, last_run_states)))
    total = conn.execute(select(func.count()).select_from(assets).where(*where)).scalar_one()
    rows = conn.execute(select(assets).where(*where).order_by(assets.c.name, assets.c.namespace)
                        .limit(limit).offset(offset)).mappings()
    return total, [asset_from_row(r) for r in rows]


def _jobs_whose_last_run_is(tenant: str, states: list[str]) -> Any:
    newer = runs_table.alias("newer")
    is_newest = ~exists().where(newer.c.tenant_id == runs_table.c.tenant_id, newer.c.job_id == runs_table.c.job_id,
                                newer.c.first_event_at > runs_table.c.first_event_at)
    return select(runs_table.c.job_id).where(runs_table.c.tenant_id == tenant, runs_table.c.state.in_(states),
                                             is_newest)


def tags(conn: Connection, tenant: str) -> list[str]:
    """Every classification tag in use (Marquez's tag registry)."""
    q = select(classifications.c.tag).distinct().where(classifications.c.tenant_id == tenant)
    return sorted(conn.execute(q).scalars())


def search(conn: Connection, tenant: str, pattern: str, *, kind: str | None, sort: str, limit: int,
           namespace: str | None = None, before: datetime | None = None,
           after: datetime | None = None) -> list[Asset]:
    """Datasets and jobs whose name matches ``%pattern%`` case-insensitively (``%``/``_`` are wildcards)."""
    kinds = [_of_kind(kind)] if kind else [or_(assets.c.type == JOB, _IS_DATASET)]
    # Backslash is the escape character on both databases, so a literal one must be doubled
    # (PostgreSQL refuses a pattern ending in a lone escape); % and _ stay wildcards as in Marquez.
    like = "%" + pattern.replace("\\", "\\\\") + "%"
    q = select(assets).where(assets.c.tenant_id == tenant, assets.c.status == AssetStatus.ACTIVE.value,
                             assets.c.field == "", assets.c.name.ilike(like, escape="\\"), *kinds)
    q = q.filter_by(**given(namespace=namespace))
    if before is not None:
        q = q.where(assets.c.updated_at < before)
    if after is not None:
        q = q.where(assets.c.updated_at >= after)
    order = [assets.c.updated_at.desc(), assets.c.name] if sort == "updated_at" else [assets.c.name,
                                                                                        assets.c.namespace]
    return [asset_from_row(r) for r in conn.execute(q.order_by(*order).limit(limit)).mappings()]


# ------------------------------------------------------------------------------ dataset context
@dataclass(frozen=True)
class ColumnInput:
    source: Asset  # the input column
    transformation_type: str
    description: str | None


@dataclass
class DatasetView:
    """A dataset with what its Marquez shape needs: columns, tags, last write, column lineage."""

    asset: Asset
    columns: list[Asset] = field(default_factory=list)
    tags: dict[uuid.UUID, list[str]] = field(default_factory=dict)
    last_modified: datetime | None = None
    column_inputs: dict[str, list[ColumnInput]] = field(default_factory=dict)  # out field -> inputs


def dataset_views(conn: Connection, tenant: str, datasets: list[Asset]) -> list[DatasetView]:
    """Everything the given datasets' Marquez shapes need, in a constant number of queries."""
    ids = [d.id for d in datasets]
    columns: dict[uuid.UUID, list[Asset]] = {}
    q = select(assets).where(assets.c.tenant_id == tenant, assets.c.type == COLUMN,
                             assets.c.status == AssetStatus.ACTIVE.value)
    for col in (asset_from_row(r) for r in mappings_in(conn, q, assets.c.parent_id, ids)):
        columns.setdefault(col.parent_id, []).append(col)  # type: ignore[arg-type]
    for cols in columns.values():
        cols.sort(key=lambda a: (a.attributes.get("ordinal") is None, a.attributes.get("ordinal") or 0, a.ref.field))
    column_ids = [c.id for cols in columns.values() for c in cols]
    tags: dict[uuid.UUID, list[str]] = {}
    for c in catalog.classifications_of(conn, tenant, [*ids, *column_ids]):
        if c.tag not in tags.setdefault(c.asset_id, []):
            tags[c.asset_id].append(c.tag)
    modified = run_store.last_modified(conn, tenant, ids)
    inputs = column_inputs(conn, tenant, column_ids)
    return [DatasetView(d, columns.get(d.id, []), tags, modified.get(d.id),
                        {c.ref.field: inputs[c.id] for c in columns.get(d.id, []) if c.id in inputs})
            for d in datasets]


def column_inputs(conn: Connection, tenant: str, column_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[ColumnInput]]:
    """Column-level edges into each given column, with their source columns loaded."""
    e = lineage_edges
    q = select(e.c.target_id, e.c.source_id, e.c.transformation_type, e.c.attributes).where(
        e.c.tenant_id == tenant, e.c.level == "column")
    found = [(t, s, tt, (a or {}).get("description")) for t, s, tt, a in rows_in(conn, q, e.c.target_id, column_ids)]
    sources = catalog.get_many(conn, tenant, sorted({s for _, s, _, _ in found}, key=str))
    out: dict[uuid.UUID, list[ColumnInput]] = {}
    for target, source, ttype, description in found:
        src = sources.get(source)
        if src is not None and src.ref.field:  # column -> column only (a column may also feed a dataset)
            out.setdefault(target, []).append(ColumnInput(src, ttype, description))
    for items in out.values():
        items.sort(key=lambda i: (i.source.ref.namespace, i.source.ref.name, i.source.ref.field))
    return out


# ------------------------------------------------------------------------------------- versions
@dataclass(frozen=True)
class DatasetVersion:
    version: int
    at: datetime
    snapshot: dict[str, Any]
    columns: list[dict[str, Any]]  # column snapshots live at that version


def dataset_versions(conn: Connection, tenant: str, aid: uuid.UUID) -> list[DatasetVersion]:
    """Every stored version of a dataset, newest first, with the columns it had at the time.

    Columns have their own history; the columns of version *v* are, for each column that ever
    belonged to the dataset, its latest snapshot taken no later than *v* — if that snapshot is active.
    """
    history = catalog.history(conn, tenant, aid)
    col_ids = list(conn.execute(select(assets.c.id).where(
        assets.c.tenant_id == tenant, assets.c.parent_id == aid, assets.c.type == COLUMN)).scalars())
    col_history: dict[uuid.UUID, list[tuple[datetime, dict[str, Any]]]] = {}
    q = (select(asset_history.c.asset_id, asset_history.c.at, asset_history.c.snapshot)
         .where(asset_history.c.tenant_id == tenant).order_by(asset_history.c.version))
    for cid, at, snap in rows_in(conn, q, asset_history.c.asset_id, col_ids):
        col_history.setdefault(cid, []).append((utc(at), snap))
    out = []
    for h in history:
        at = utc(h["at"])
        latest = [[snap for t, snap in versions if t <= at] for versions in col_history.values()]
        cols = [live[-1] for live in latest if live and live[-1].get("status") == AssetStatus.ACTIVE.value]
        cols.sort(key=lambda s: ((s.get("attributes") or {}).get("ordinal") is None,
                                 (s.get("attributes") or {}).get("ordinal") or 0, s.get("field") or ""))
        out.append(DatasetVersion(h["version"], at, h["snapshot"], cols))
    return sorted(out, key=lambda v: v.version, reverse=True)


# ---------------------------------------------------------------------------------------- graph
@dataclass
class JobGraph:
    """Jobs and datasets around a start node, joined by (job, dataset, role) links."""

    jobs: set[uuid.UUID] = field(default_factory=set)
    datasets: set[uuid.UUID] = field(default_factory=set)
    links: set[tuple[uuid.UUID, uuid.UUID, str]] = field(default_factory=set)
    direct: set[tuple[uuid.UUID, uuid.UUID]] = field(default_factory=set)  # dataset edges without a job


def job_graph(conn: Connection, tenant: str, start: Asset, depth: int) -> JobGraph:
    """Breadth-first over datasets and jobs, both directions, up to ``depth`` job hops.

    A dataset-level edge that names no job (declared through the API or by a connector) joins two
    datasets directly and counts as one hop, like a job would.
    """
    g = JobGraph(jobs={start.id}) if start.type is AssetType.JOB else JobGraph(datasets={start.id})
    next_jobs, frontier = set(g.jobs), set(g.datasets)
    for _ in range(depth):
        new_direct: set[uuid.UUID] = set()
        if frontier:
            links = run_store.job_links(conn, tenant, asset_ids=frontier)
            g.links |= links
            next_jobs |= {j for j, _, _ in links} - g.jobs
            for src, dst in _jobless_edges(conn, tenant, frontier):
                g.direct.add((src, dst))
                new_direct |= {src, dst}
        g.jobs |= next_jobs
        job_links = run_store.job_links(conn, tenant, job_ids=next_jobs) if next_jobs else set()
        g.links |= job_links
        frontier = ({a for _, a, _ in job_links} | new_direct) - g.datasets
        g.datasets |= frontier
        next_jobs = set()
        if not frontier:
            break
    g.links = {(j, a, r) for j, a, r in g.links if j in g.jobs and a in g.datasets}
    g.direct = {(s, d) for s, d in g.direct if s in g.datasets and d in g.datasets}
    return g


def _jobless_edges(conn: Connection, tenant: str, ids: set[uuid.UUID]) -> set[tuple[uuid.UUID, uuid.UUID]]:
    e = lineage_edges
    q = select(e.c.source_id, e.c.target_id).where(e.c.tenant_id == tenant, e.c.level == "dataset", e.c.job_id.is_(None))
    return {(s, t) for s, t in rows_in(conn, q, (e.c.source_id, e.c.target_id), sorted(ids, key=str))}


def column_graph(conn: Connection, tenant: str, starts: set[uuid.UUID], depth: int,
                 downstream: bool) -> set[uuid.UUID]:
    """Columns reachable upstream (and downstream when asked) from ``starts`` within ``depth`` hops."""
    e = lineage_edges
    seen = set(starts)
    directions = [(e.c.target_id, e.c.source_id)] + ([(e.c.source_id, e.c.target_id)] if downstream else [])
    for near, far in directions:  # upstream, and downstream when asked
        frontier = set(starts)
        for _ in range(depth):
            q = select(far).where(e.c.tenant_id == tenant, e.c.level == "column")
            frontier = {row[0] for row in rows_in(conn, q, near, sorted(frontier, key=str))} - seen
            seen |= frontier
            if not frontier:
                break
    return seen


# ------------------------------------------------------------------------------------ raw events
def lineage_events(conn: Connection, tenant: str, *, before: datetime, after: datetime, descending: bool,
                   limit: int, offset: int) -> tuple[int, list[dict[str, Any]]]:
    """(total, page) of the raw OpenLineage events as received, from the inbox.

    Marquez filters and sorts on ``eventTime``; the inbox indexes the time Lily received an event,
    which is what is used here (see docs/marquez-api.md). Events that failed to parse are not
    lineage events and are left out.
    """
    ev = inbound_events
    where = (ev.c.tenant_id == tenant, ev.c.source == "openlineage", ev.c.status.not_in(["failed", "dead"]),
             ev.c.received_at < before, ev.c.received_at > after)
    total = conn.execute(select(func.count()).select_from(ev).where(*where)).scalar_one()
    order = ev.c.seq.desc() if descending else ev.c.seq.asc()
    rows = conn.execute(select(ev.c.payload).where(*where).order_by(order).limit(limit).offset(offset)).scalars()
    return total, [orjson.loads(p) for p in rows]

