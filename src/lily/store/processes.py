"""Declared lineage processes: their rows, the edges each owns, and the catalog reads planning needs."""

from __future__ import annotations

import fnmatch
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from lily.model import AssetRef, asset_id, stable_id
from lily.store.chunks import rows_in
from lily.store.tables import assets, lineage_edges
from lily.store.tables_contracts import lineage_processes

EdgeKey = tuple[tuple[str, str, str], tuple[str, str, str]]  # ((ns, name, field), (ns, name, field))


def edge_key(source: AssetRef, target: AssetRef) -> EdgeKey:
    return (source.namespace, source.name, source.field), (target.namespace, target.name, target.field)


def get_process(conn: Connection, tenant: str, name: str) -> dict[str, Any] | None:
    row = conn.execute(select(lineage_processes).where(lineage_processes.c.tenant_id == tenant,
                                                       lineage_processes.c.name == name)).mappings().first()
    return dict(row) if row else None


def list_processes(conn: Connection, tenant: str) -> list[dict[str, Any]]:
    q = select(lineage_processes).where(lineage_processes.c.tenant_id == tenant).order_by(lineage_processes.c.name)
    return [dict(r) for r in conn.execute(q).mappings()]


def put_process(conn: Connection, tenant: str, name: str, *, body: dict[str, Any], origin: str, digest: str,
                edges: list[EdgeKey], errors: list[dict[str, Any]], actor: str, at: datetime) -> None:
    values = {"body": body, "origin": origin, "digest": digest, "errors": errors, "updated_by": actor,
              "edges": [[list(s), list(t)] for s, t in sorted(set(edges))], "updated_at": at}
    done = conn.execute(update(lineage_processes).where(lineage_processes.c.tenant_id == tenant,
                                                        lineage_processes.c.name == name).values(**values)).rowcount
    if not done:
        conn.execute(insert(lineage_processes).values(tenant_id=tenant, name=name, created_at=at, **values))


def delete_process(conn: Connection, tenant: str, name: str) -> bool:
    return bool(conn.execute(delete(lineage_processes).where(lineage_processes.c.tenant_id == tenant,
                                                             lineage_processes.c.name == name)).rowcount)


def owned_edges(row: dict[str, Any] | None) -> set[EdgeKey]:
    return {(tuple(s), tuple(t)) for s, t in (row or {}).get("edges") or []}  # type: ignore[misc]


def edges_owned_by_others(conn: Connection, tenant: str, name: str) -> set[EdgeKey]:
    """Edges another declared process of the tenant also owns (they stay when this one drops them)."""
    q = select(lineage_processes.c.edges).where(lineage_processes.c.tenant_id == tenant,
                                                lineage_processes.c.name != name)
    return {(tuple(s), tuple(t)) for (edges,) in conn.execute(q) for s, t in edges or []}  # type: ignore[misc]


def edge_jobs(conn: Connection, tenant: str, keys: list[EdgeKey]) -> dict[EdgeKey, uuid.UUID | None]:
    """The job each existing edge is filed under now (absent: the edge does not exist)."""
    by_eid = {}
    for k in keys:
        s, t = _end_ids(tenant, k)
        by_eid[stable_id(tenant, str(s), str(t))] = k  # as the apply path ids an edge
    q = select(lineage_edges.c.id, lineage_edges.c.job_id).where(lineage_edges.c.tenant_id == tenant)
    return {by_eid[eid]: job for eid, job in rows_in(conn, q, lineage_edges.c.id, list(by_eid))}


def _end_ids(tenant: str, key: EdgeKey) -> tuple[uuid.UUID, uuid.UUID]:
    (sn, sname, sf), (tn, tname, tf) = key
    return asset_id(tenant, AssetRef(namespace=sn, name=sname, field=sf)), asset_id(
        tenant, AssetRef(namespace=tn, name=tname, field=tf))


def datasets_matching(conn: Connection, tenant: str, pattern: str, limit: int = 10_000) -> list[AssetRef]:
    """Active datasets (not columns, not jobs) whose qualified name (``namespace/name``) matches the
    glob ``pattern``. The literal part before the first wildcard narrows the scan in SQL."""
    literal = pattern.split("*", 1)[0].split("?", 1)[0].split("[", 1)[0]
    q = select(assets.c.namespace, assets.c.name).where(
        assets.c.tenant_id == tenant, assets.c.field == "", assets.c.status == "active", assets.c.type != "job")
    # Only the scheme narrows in SQL: where the namespace ends inside the literal is not known.
    scheme = literal.split("://", 1)[0] + "://" if "://" in literal else ""
    if scheme:
        q = q.where(assets.c.namespace.startswith(scheme, autoescape=True))
    out = []
    for ns, name in conn.execute(q.order_by(assets.c.namespace, assets.c.name)):
        qualified = f"{ns.rstrip('/')}/{name}"
        if fnmatch.fnmatchcase(qualified, pattern):
            out.append(AssetRef(namespace=ns, name=name))
            if len(out) >= limit:
                break
    return out


def column_names(conn: Connection, tenant: str, datasets: list[AssetRef]) -> dict[AssetRef, list[str]]:
    """The active column names of each dataset, in ordinal order (unknown datasets: none)."""
    ids = {asset_id(tenant, r): r for r in datasets}
    q = select(assets.c.parent_id, assets.c.field, assets.c.attributes).where(
        assets.c.tenant_id == tenant, assets.c.field != "", assets.c.status == "active")
    found: dict[AssetRef, list[tuple[int, str]]] = {r: [] for r in datasets}
    for pid, fld, attrs in rows_in(conn, q, assets.c.parent_id, list(ids)):
        ordinal = (attrs or {}).get("ordinal")
        found[ids[pid]].append((ordinal if isinstance(ordinal, int) else 1 << 30, fld))
    return {r: [f for _, f in sorted(cols)] for r, cols in found.items()}
