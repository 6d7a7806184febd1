"""Counts for the web UI's home page."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from lily.store.tables import assets


def counts_by_system_and_type(conn: Connection, tenant_id: str) -> list[tuple[str, str, int]]:
    """(namespace, type, active assets) of the tenant, columns not counted (they are their tables')."""
    a = assets.c
    q = (select(a.namespace, a.type, func.count()).where(a.tenant_id == tenant_id, a.status == "active", a.field == "")
         .group_by(a.namespace, a.type).order_by(a.namespace, a.type))
    return [(ns, t, int(n)) for ns, t, n in conn.execute(q).all()]
