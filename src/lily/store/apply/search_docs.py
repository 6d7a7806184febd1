"""Search documents: one per asset, rebuilt for the assets whose searchable fields or tags a change
set changed (``ChangeSetContext.dirty_docs``), dropped when the asset is deleted. The index over
them and the queries are ``lily.store.search``.

A document holds the asset's names, description and type, its columns' names and descriptions,
and the tags of both, as lower-case words (``shop.public.dim_users`` is found by ``users``). Only
columns count as an asset's own content: an S3 bucket's objects are assets of their own, found by
their own documents (a bucket's document listing its thousands of objects was rebuilt on every
object deleted, reading all of them).

Rebuilt in bulk (``refresh_many``): a few ``IN`` queries for all the documents at hand, and a
document is written only when its text differs from the stored one. The inbound worker defers the
rebuild to the end of its transaction (``refresh_deferred``, with the change rows): a document is a
function of the committed state only, so rebuilding it once after the last change set gives what
rebuilding it after each would. Measured with ``benchmarks/inbound_real.py``: one rebuild per
change set was 41 % of the worker's CPU on S3 records and 25 % on generic events.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from lily.store import bulk
from lily.store.apply.context import ChangeSetContext
from lily.store.apply_cache import ABSENT, ApplyCache
from lily.store.chunks import chunked
from lily.store.search import tokens
from lily.store.tables import assets, classifications, search_docs

# Built once: the hot path runs them for every transaction of the worker.
_ASSETS = select(assets.c.id, assets.c.namespace, assets.c.name, assets.c.field, assets.c.display_name,
                 assets.c.description, assets.c.type, assets.c.status).where(
    assets.c.id.in_(bindparam("ids", expanding=True)))
_COLUMNS = select(assets.c.parent_id, assets.c.id, assets.c.field, assets.c.description).where(
    assets.c.parent_id.in_(bindparam("ids", expanding=True)), assets.c.status == "active", assets.c.field != "")
_TAGS = select(classifications.c.asset_id, classifications.c.tag).where(
    classifications.c.asset_id.in_(bindparam("ids", expanding=True)))
_DOCS = select(search_docs.c.asset_id, search_docs.c.rowid, search_docs.c.body).where(
    search_docs.c.asset_id.in_(bindparam("ids", expanding=True)))
_INSERT = insert(search_docs)
_UPDATE = update(search_docs).where(search_docs.c.rowid == bindparam("doc")).values(body=bindparam("text"))
_DELETE = delete(search_docs).where(search_docs.c.asset_id == bindparam("aid"))


def refresh_changed(ctx: ChangeSetContext) -> None:
    """Rebuild the documents of the assets this change set marked."""
    refresh_many(ctx.conn, ctx.tenant, ctx.dirty_docs, ctx.cache)


def refresh_deferred(conn: Connection, contexts: Iterable[ChangeSetContext]) -> None:
    """Rebuild, once each, the documents the change sets of ``contexts`` marked (applied earlier in
    this transaction, their rebuild deferred)."""
    by_tenant: dict[str, set[uuid.UUID]] = {}
    for ctx in contexts:
        if ctx.dirty_docs:
            by_tenant.setdefault(ctx.tenant, set()).update(ctx.dirty_docs)
    for tenant, ids in by_tenant.items():
        refresh_many(conn, tenant, ids)


def refresh(conn: Connection, tenant_id: str, aid: uuid.UUID) -> None:
    """Rebuild the search document of one asset (or drop it if the asset is gone)."""
    refresh_many(conn, tenant_id, [aid])


def refresh_many(conn: Connection, tenant_id: str, ids: Iterable[uuid.UUID], cache: ApplyCache | None = None) -> None:
    """Rebuild the documents of ``ids``: write those whose text changed, drop those of assets gone.
    ``cache``: the transaction's rows (``ApplyCache``), taken instead of reading them back."""
    wanted = sorted(set(ids))
    if not wanted:
        return
    texts = _texts(conn, wanted, cache)
    stored = {row[0]: (row[1], row[2]) for chunk in chunked(wanted) for row in bulk.query(conn, _DOCS, {"ids": chunk})}
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for aid in wanted:
        body, doc = texts.get(aid), stored.get(aid)
        if body is None:
            if doc is not None:
                conn.execute(_DELETE, {"aid": aid})
        elif doc is None:
            inserts.append({"asset_id": aid, "tenant_id": tenant_id, "body": body})
        elif doc[1] != body:
            updates.append({"doc": doc[0], "text": body})
    bulk.executemany(conn, _INSERT, inserts)
    for row in updates:  # one by one: an FTS5 trigger runs per row either way
        conn.execute(_UPDATE, row)


def remove(conn: Connection, aid: uuid.UUID) -> None:
    conn.execute(_DELETE, {"aid": aid})


def _texts(conn: Connection, ids: list[uuid.UUID], cache: ApplyCache | None = None) -> dict[uuid.UUID, str]:
    """The document text of each active asset of ``ids`` (assets gone or deleted have none)."""
    rows, columns, unread = _in_hand(cache, ids) if cache is not None else ({}, {}, ids)
    rows.update((r[0], r) for chunk in chunked(unread) for r in bulk.query(conn, _ASSETS, {"ids": chunk})
                if r[7] == "active")
    live = sorted(rows)
    for chunk in chunked([aid for aid in live if aid not in columns]):
        for parent, cid, fld, desc in bulk.query(conn, _COLUMNS, {"ids": chunk}):
            columns.setdefault(parent, []).append((cid, fld, desc))
    tagged = [*live, *(cid for cols in columns.values() for cid, _, _ in cols)]
    tags: dict[uuid.UUID, list[str]] = {}
    for chunk in chunked(tagged):
        for aid, tag in bulk.query(conn, _TAGS, {"ids": chunk}):
            tags.setdefault(aid, []).append(tag)
    out: dict[uuid.UUID, str] = {}
    for aid in live:
        _, ns, name, fld, display, desc, type_, _ = rows[aid]
        parts = [ns, name, fld, display or "", desc or "", type_, *tags.get(aid, ())]
        for cid, cfield, cdesc in sorted(columns.get(aid, ()), key=lambda c: c[1]):
            parts += [cfield, cdesc or "", *tags.get(cid, ())]
        out[aid] = " ".join(tokens(" ".join(parts)))
    return out


Columns = dict[uuid.UUID, list[tuple[uuid.UUID, str, str | None]]]


def _in_hand(cache: ApplyCache, ids: list[uuid.UUID]) -> tuple[dict[uuid.UUID, tuple[Any, ...]], Columns,
                                                                  list[uuid.UUID]]:
    """What ``_texts`` reads, from the transaction's rows where they say all of it: the active rows
    of ``ids`` as ``_ASSETS`` returns them, the columns of those whose active columns the cache
    knows (``ApplyCache.columns``, checked against the rows), and the ids to read with SQL.

    Why: a crawl's documents are of the assets it just wrote; reading them back (asset rows and
    their columns by parent) was a third of the documents' cost on a 10,000-table crawl (py-spy)."""
    rows: dict[uuid.UUID, tuple[Any, ...]] = {}
    columns: Columns = {}
    unread: list[uuid.UUID] = []
    cached = cache.assets
    for aid in ids:
        row = cached.get(aid)
        if row is None:
            unread.append(aid)
            continue
        if row is ABSENT or row["status"] != "active":
            continue
        rows[aid] = (aid, row["namespace"], row["name"], row["field"], row["display_name"], row["description"],
                     row["type"], row["status"])
        known = cache.columns.get(aid)
        if known is None or aid in cache.other_children:
            continue
        cols = []
        for cid in known:
            child = cached.get(cid)
            if not child or child["parent_id"] != aid or child["status"] != "active" or child["type"] != "column":
                break  # a column moved or retyped since: the database says
            if child["field"]:
                cols.append((cid, child["field"], child["description"]))
        else:
            columns[aid] = cols
    return rows, columns, unread
