"""Repository of connector runs (``connector_runs``) and the catalog reads a scan diffs against.

A run row is written when the run starts (``running``) and replaced when it ends, so a crashed run
shows as ``running`` with no end. The cursor of the newest run that ended with one is where the
next incremental run starts.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite

from lily.store.tables import assets
from lily.store.tables_connectors import connector_runs


def save_run(conn: Connection, values: dict[str, Any]) -> None:
    """Insert or replace a run (``values`` holds every column, ``tenant_id`` and ``run_id`` included)."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(connector_runs).values(**values)
    keys = ("tenant_id", "run_id")
    conn.execute(stmt.on_conflict_do_update(index_elements=list(keys),
                                            set_={k: stmt.excluded[k] for k in values if k not in keys}))


def finish_run(conn: Connection, tenant_id: str, run_id: str, values: dict[str, Any]) -> None:
    t = connector_runs.c
    conn.execute(update(connector_runs).where(t.tenant_id == tenant_id, t.run_id == run_id).values(**values))


def runs(conn: Connection, tenant_id: str, connector: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """The newest runs first (of one connector, or of all)."""
    t = connector_runs.c
    q = select(connector_runs).where(t.tenant_id == tenant_id)
    if connector is not None:
        q = q.where(t.connector == connector)
    return [dict(r) for r in conn.execute(q.order_by(t.started_at.desc()).limit(limit)).mappings()]


def last_cursor(conn: Connection, tenant_id: str, connector: str) -> dict[str, Any] | None:
    """The cursor of the newest run of ``connector`` that left one (succeeded or partial)."""
    t = connector_runs.c
    q = (select(t.cursor).where(t.tenant_id == tenant_id, t.connector == connector, t.cursor.is_not(None),
                                t.state.in_(("succeeded", "partial")))
         .order_by(t.started_at.desc()).limit(1))
    return conn.execute(q).scalar()


def stored_objects(conn: Connection, tenant_id: str, namespace: str, prefix: str = "",
                   batch: int = 5000) -> Iterator[tuple[str, str | None, int | None, str | None]]:
    """``(key, etag, size, path_spec)`` of the active S3 objects of ``namespace`` whose key starts with ``prefix``,
    in byte order, streamed (a scan merges them with S3's listing, which is in byte order too).
    PostgreSQL compares with the "C" collation for that order; SQLite compares bytes already."""
    t = assets.c
    name = t.name.collate("C") if conn.dialect.name == "postgresql" else t.name
    q = (select(t.name, t.attributes["etag"].as_string(), t.attributes["size"].as_integer(),
                t.attributes["path_spec"].as_string())
         .where(t.tenant_id == tenant_id, t.namespace == namespace, t.field == "", t.type == "s3_object",
                t.status == "active")
         .order_by(name))
    if prefix:
        q = q.where(t.name.startswith(prefix, autoescape=True))
    result = conn.execution_options(yield_per=batch).execute(q)
    for row in result:
        yield row[0], row[1], row[2], row[3]


__all__ = ["finish_run", "last_cursor", "runs", "save_run", "stored_objects"]
