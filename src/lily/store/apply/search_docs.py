"""Search documents: one per asset, rebuilt at the end of a change set for the assets whose
searchable fields or tags it changed (``ChangeSetContext.dirty_docs``), dropped when the asset is
deleted. The index over them and the queries are ``lily.store.search``.

A document holds the asset's names, description and type, its columns' names and descriptions,
and the tags of both, as lower-case words (``shop.public.dim_users`` is found by ``users``).
"""

from __future__ import annotations

import uuid

from sqlalchemy import Connection, delete, insert, select, update

from lily.store.apply.context import ChangeSetContext
from lily.store.search import tokens
from lily.store.tables import assets, classifications, search_docs


def refresh_changed(ctx: ChangeSetContext) -> None:
    """Rebuild the documents of the assets this change set marked."""
    for aid in ctx.dirty_docs:
        refresh(ctx.conn, ctx.tenant, aid)


def refresh(conn: Connection, tenant_id: str, aid: uuid.UUID) -> None:
    """Rebuild the search document of one asset (or drop it if the asset is gone)."""
    body = _text(conn, aid)
    if body is None:
        remove(conn, aid)
        return
    exists = conn.execute(select(search_docs.c.rowid).where(search_docs.c.asset_id == aid)).scalar()
    if exists is None:
        conn.execute(insert(search_docs).values(asset_id=aid, tenant_id=tenant_id, body=body))
    else:
        conn.execute(update(search_docs).where(search_docs.c.rowid == exists).values(body=body))


def remove(conn: Connection, aid: uuid.UUID) -> None:
    conn.execute(delete(search_docs).where(search_docs.c.asset_id == aid))


def _text(conn: Connection, aid: uuid.UUID) -> str | None:
    row = conn.execute(select(assets).where(assets.c.id == aid)).mappings().first()
    if row is None or row["status"] != "active":
        return None
    parts = [row["namespace"], row["name"], row["field"], row["display_name"] or "", row["description"] or "",
             row["type"]]
    ids = [aid]
    for col in conn.execute(select(assets.c.id, assets.c.field, assets.c.description).where(
            assets.c.parent_id == aid, assets.c.status == "active")).all():
        ids.append(col.id)
        parts += [col.field, col.description or ""]
    tags = conn.execute(select(classifications.c.tag).where(classifications.c.asset_id.in_(ids))).scalars()
    parts += list(tags)
    return " ".join(tokens(" ".join(parts)))
