"""Assets and their columns: create or update with version history, placeholders for assets only
referenced, and deletion, which takes the asset's columns and lineage edges with it.

A column is an asset of its own (type ``column``, parent = its dataset). Deleting marks the row
deleted (rows are never removed, so a re-declared asset revives with its history).

Set-wise (``upsert_many``, the seam every run of upserts in a change set goes through): a
connector's batch or an S3 batch is thousands of upserts; their rows are read ahead in a few ``IN``
queries per chunk (``ApplyCache.prefetch``) and their asset and history rows written with one
``executemany`` each at the end of the run (``_Buffered``), instead of a SELECT, an INSERT and an
INSERT per asset. The writers below are the same either way: what they write is identical.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from itertools import groupby, islice
from typing import Any

from sqlalchemy import Connection, bindparam, insert, or_, select, update
from sqlalchemy import delete as delete_rows

from lily.model import AssetRef, AssetStatus, AssetType, ChangeKind, DeleteAsset, UpsertAsset, asset_id
from lily.store import bulk, catalog
from lily.store.apply import search_docs
from lily.store.apply.context import ChangeSetContext, as_json
from lily.store.apply_cache import ABSENT, ApplyCache, restated_key
from lily.store.tables import asset_history, assets, lineage_edges

# Fields of an asset snapshot recorded in before/after of changes (facets can be large and are
# summarised by their names).
SNAPSHOT_FIELDS = ("type", "namespace", "name", "field", "parent_id", "display_name", "description",
                   "owners", "attributes", "status", "version")
# Asset fields that appear in search documents: a change elsewhere does not rebuild the document.
_DOC_FIELDS = frozenset(("type", "namespace", "name", "field", "display_name", "description", "status"))

CachedRows = tuple[tuple[uuid.UUID, dict[str, Any]], ...]

# Inserts of every created asset and every version: through the driver-level plan of ``store.bulk``
# (SQLAlchemy's execution of a fresh ``insert().values(...)`` cost more CPU than SQLite's insert;
# S3 records and generic events create an asset or more each).
_INSERT_ASSET = insert(assets)
_INSERT_HISTORY = insert(asset_history)
_UPDATE_ASSET = update(assets).where(assets.c.id == bindparam("k_id"))
# By parent / endpoint alone, the tenant checked on the rows (ids are per tenant anyway): with
# ``tenant_id`` in the WHERE, SQLite without statistics walked the tenant's whole type / lineage
# range on every delete — 28 % of the worker's CPU at 6,000 S3 records (benchmarks/inbound_real.py).
_ACTIVE_CHILDREN = select(assets.c.namespace, assets.c.name, assets.c.field, assets.c.tenant_id).where(
    assets.c.parent_id == bindparam("parent"), assets.c.status == AssetStatus.ACTIVE.value).order_by(assets.c.field)
_EDGES_OF = select(lineage_edges).where(  # ordered: the feed must not depend on a plan
    or_(lineage_edges.c.source_id == bindparam("aid"), lineage_edges.c.target_id == bindparam("aid")),
).order_by(lineage_edges.c.id)


# A run of at least this many upserts is read ahead and written set-wise (tests set it out of reach
# to compare with one asset at a time).
BULK_MIN = 2


def _reparents(op: UpsertAsset) -> bool:
    """A column upserted under another dataset than its own name's: the property test found the
    set-wise path's cache can disagree with one asset at a time there (a column moved under a dataset
    deleted earlier), and no connector or source sends it, so such a run goes one by one."""
    return bool(op.ref.field) and op.parent is not None and (
        op.parent.namespace, op.parent.name, op.parent.field) != (op.ref.namespace, op.ref.name, "")


class _Buffered:
    """The asset rows a run of upserts wrote, held until the run ends: the newest row per id (an
    insert stays an insert; an update keeps the union of the fields it changed) and the history."""

    __slots__ = ("history", "inserts", "updates")

    def __init__(self) -> None:
        self.inserts: dict[uuid.UUID, dict[str, Any]] = {}
        self.updates: dict[uuid.UUID, tuple[frozenset[str], dict[str, Any]]] = {}
        self.history: list[dict[str, Any]] = []


def upsert_many(ctx: ChangeSetContext, ops: Sequence[UpsertAsset]) -> None:
    """Apply a run of upserts: read ahead, write as ``upsert`` would, flush the rows at once."""
    if len(ops) < BULK_MIN or any(_reparents(op) for op in ops):
        for op in ops:
            upsert(ctx, op)
        return
    ctx.cache.prefetch(ctx.conn, ctx.tenant, ops)
    ctx.writes = _Buffered()
    for op in ops:
        upsert(ctx, op)
    flush(ctx)
    ctx.writes = None


def flush(ctx: ChangeSetContext) -> None:
    """Write the buffered rows (before anything reads ``assets`` with SQL)."""
    w = ctx.writes
    if w is None:
        return
    bulk.executemany(ctx.conn, _INSERT_ASSET, list(w.inserts.values()))
    updates = sorted(((tuple(sorted(keys)), {"k_id": aid, **{k: row[k] for k in keys}})
                      for aid, (keys, row) in w.updates.items()), key=lambda item: item[0])
    for _, group in groupby(updates, key=lambda item: item[0]):
        bulk.executemany(ctx.conn, _UPDATE_ASSET, [values for _, values in group])
    bulk.executemany(ctx.conn, _INSERT_HISTORY, w.history)
    ctx.writes = _Buffered()


def _store(ctx: ChangeSetContext, row: dict[str, Any], changed: Iterable[str] | None = None) -> None:
    """Write ``row`` (created when ``changed`` is None, else those fields) and its version."""
    aid, w = row["id"], ctx.writes
    # The snapshot goes to its JSON column as the row is: the column's codec (orjson) writes
    # UUIDs and datetimes as ``as_json`` would, and rows are replaced, never mutated, until the run
    # flushes. ``as_json``'s round trip here was 4 % of a 10,000-table crawl (py-spy).
    history = {"asset_id": aid, "version": row["version"], "tenant_id": ctx.tenant,
               "snapshot": {**row, "facets": row.get("facets") or {}}, "at": ctx.at}
    ctx.cache.put_asset(row)
    if w is None:
        if changed is None:
            bulk.executemany(ctx.conn, _INSERT_ASSET, [row])
        else:
            bulk.executemany(ctx.conn, _UPDATE_ASSET, [{"k_id": aid, **{k: row[k] for k in changed}}])
        bulk.executemany(ctx.conn, _INSERT_HISTORY, [history])
        return
    if changed is None or aid in w.inserts:
        w.inserts[aid] = row
    else:
        before = w.updates.get(aid)
        w.updates[aid] = ((before[0] if before else frozenset()) | frozenset(changed), row)
    w.history.append(history)


def snapshot(row: dict[str, Any]) -> dict[str, Any]:
    snap = {k: row.get(k) for k in SNAPSHOT_FIELDS}
    snap["facets"] = sorted((row.get("facets") or {}).keys())
    return as_json(snap)


def stored_attributes(conn: Connection, cache: ApplyCache, tenant: str,
                      refs: Sequence[AssetRef]) -> dict[AssetRef, dict[str, Any]]:
    """``catalog.asset_attributes`` through the transaction's row cache: the rows the worker read
    ahead (or wrote) are the ones the apply will see, so only refs not cached are queried. S3's
    staleness check reads every record's object this way: one query per record cost more of the
    worker's CPU than applying the record (py-spy, ``benchmarks/inbound_real.py``)."""
    out: dict[AssetRef, dict[str, Any]] = {}
    missing = []
    for ref in refs:
        row = cache.assets.get(asset_id(tenant, ref))
        if row is None:
            missing.append(ref)
        elif row is not ABSENT and row["tenant_id"] == tenant:
            out[ref] = row["attributes"] or {}
    if missing:
        out.update(catalog.asset_attributes(conn, tenant, missing))
    return out


def load(ctx: ChangeSetContext, aid: uuid.UUID) -> dict[str, Any] | None:
    """The asset row ``aid`` of this tenant, deleted or not (read-only: callers copy it)."""
    return ctx.cached(ctx.cache.assets, assets, aid)


def ensure_asset(ctx: ChangeSetContext, ref: AssetRef, type_: AssetType | None = None) -> uuid.UUID:
    """Id of ``ref``, creating a placeholder asset when nothing declared it yet (no dangling edges)."""
    aid = asset_id(ctx.tenant, ref)
    if load(ctx, aid) is None:
        default = AssetType.COLUMN if ref.field else AssetType.DATASET
        upsert(ctx, UpsertAsset(ref=ref, type=type_ or default, parent=ref.dataset() if ref.field else None))
    return aid


def upsert(ctx: ChangeSetContext, op: UpsertAsset) -> uuid.UUID:
    aid = asset_id(ctx.tenant, op.ref)
    key = restated_key(ctx.tenant, op)
    seen = ctx.cache.restated.get(key)
    if seen is not None and _unchanged_since(ctx, seen, op, aid):
        ctx.result.asset_ids.update(seen[3])
        return aid
    ids_before = len(ctx.result.asset_ids)
    _write(ctx, op, aid)
    if ctx.remember:
        _remember_upsert(ctx, key, op, aid, ids_before)
    return aid


def _unchanged_since(ctx: ChangeSetContext, seen: tuple[Any, ...], op: UpsertAsset, aid: uuid.UUID) -> bool:
    """Whether ``op`` restates what was applied last for ``aid`` onto rows nobody replaced since."""
    previous, rows, columns, _ = seen
    # Parsers hand the same operation object to events that restate it: compared at once.
    if (op is not previous and op != previous) or not same_rows(ctx, rows):
        return False
    return columns is None or tuple(ctx.cache.columns.get(aid) or ()) == columns


def _remember_upsert(ctx: ChangeSetContext, key: Any, op: UpsertAsset, aid: uuid.UUID, ids_before: int) -> None:
    # This asset and its columns: the entries added since ``ids_before``, taken from the end (slicing
    # the whole map made each upsert cost the size of its transaction, quadratic over a big one).
    added = ctx.result.asset_ids.items()
    ids = list(islice(reversed(added), len(added) - ids_before))[::-1]
    rows = cached_rows(ctx, (rid for _, rid in ids))
    if rows is None or len(ids) != 1 + len(op.columns or ()):
        return  # not every row it wrote is cached (or the ids map already had some): no shortcut
    columns = None
    if op.replace_columns:
        known = ctx.cache.columns.get(aid)
        if known is None:
            return  # the active columns were read from the database: nothing to compare with
        columns = tuple(known)
    ctx.cache.restated[key] = (op, rows, columns, ids)


def cached_rows(ctx: ChangeSetContext, ids: Iterable[uuid.UUID]) -> CachedRows | None:
    """The cached asset rows of ``ids`` as they are now, or None if one is not cached."""
    rows = tuple((rid, ctx.cache.assets.get(rid)) for rid in ids)
    return None if any(row is None or row is ABSENT for _, row in rows) else rows  # type: ignore[return-value]


def same_rows(ctx: ChangeSetContext, rows: CachedRows) -> bool:
    """Whether every row of ``rows`` is still the cached one (a change replaces a cached row)."""
    assets_cache = ctx.cache.assets
    return all(assets_cache.get(rid) is row for rid, row in rows)


def _write(ctx: ChangeSetContext, op: UpsertAsset, aid: uuid.UUID) -> None:
    ctx.result.asset_ids[op.ref] = aid
    parent_ref = op.parent or (op.ref.dataset() if op.ref.field else None)
    parent_id = asset_id(ctx.tenant, parent_ref) if parent_ref else None
    current = load(ctx, aid)
    if current is None:
        _create(ctx, op, aid, parent_id)
        doc_changed = True
    else:
        doc_changed = _update(ctx, op, aid, parent_id, current)
    if doc_changed:  # a dataset's document holds its columns' names and descriptions
        ctx.dirty_docs.add(aid)
        if parent_id is not None and op.ref.field:
            ctx.dirty_docs.add(parent_id)
    if op.columns is not None:
        _columns(ctx, op, aid)


def _create(ctx: ChangeSetContext, op: UpsertAsset, aid: uuid.UUID, parent_id: uuid.UUID | None) -> None:
    row: dict[str, Any] = {
        "id": aid, "tenant_id": ctx.tenant, "type": op.type.value,
        "namespace": op.ref.namespace, "name": op.ref.name, "field": op.ref.field,
        "parent_id": parent_id, "display_name": op.display_name, "description": op.description,
        "owners": [o.model_dump(exclude_none=True) for o in op.owners or []],
        "attributes": dict(op.attributes),
        "facets": {k: v for k, v in op.facets.items() if k not in op.deleted_facets},
        "status": AssetStatus.ACTIVE.value, "version": 1,
        "created_at": ctx.at, "updated_at": ctx.at, "deleted_at": None,
    }
    _store(ctx, row)
    ctx.record(ChangeKind.ASSET_CREATED, "asset", aid, aid, None, snapshot(row))


def _update(ctx: ChangeSetContext, op: UpsertAsset, aid: uuid.UUID, parent_id: uuid.UUID | None,
            current: dict[str, Any]) -> bool:
    """Merge ``op`` into the stored row; whether a field of its search document changed."""
    new = dict(current)
    new["type"] = op.type.value
    if parent_id is not None:
        new["parent_id"] = parent_id
    if op.display_name is not None:
        new["display_name"] = op.display_name
    if op.description is not None:
        new["description"] = op.description
    if op.owners is not None:
        new["owners"] = [o.model_dump(exclude_none=True) for o in op.owners]
    if op.attributes:
        new["attributes"] = {**(current["attributes"] or {}), **op.attributes}
    if op.facets or op.deleted_facets:
        facets = {**(current["facets"] or {}), **op.facets}
        for name in op.deleted_facets:
            facets.pop(name, None)
        new["facets"] = facets
    new["status"] = AssetStatus.ACTIVE.value
    new["deleted_at"] = None
    changed = [k for k in (*SNAPSHOT_FIELDS, "facets", "deleted_at") if new.get(k) != current.get(k)]
    if changed:
        new["version"] = current["version"] + 1
        new["updated_at"] = ctx.at
        _store(ctx, new, (*changed, "version", "updated_at"))
        revived = current["status"] == AssetStatus.DELETED.value
        before, after = snapshot(current), snapshot(new)
        keys = [k for k in after if before.get(k) != after.get(k)]
        ctx.record(ChangeKind.ASSET_CREATED if revived else ChangeKind.ASSET_UPDATED, "asset",
                   aid, aid, {k: before[k] for k in keys}, {k: after[k] for k in keys})
    return not _DOC_FIELDS.isdisjoint(changed)


def _columns(ctx: ChangeSetContext, op: UpsertAsset, dataset_id: uuid.UUID) -> None:
    declared = set()
    for col in op.columns or []:
        ref = op.ref.column(col.name)
        declared.add(asset_id(ctx.tenant, ref))
        attrs = {**col.attributes}
        if col.data_type is not None:
            attrs["data_type"] = col.data_type
        if col.ordinal is not None:
            attrs["ordinal"] = col.ordinal
        upsert(ctx, UpsertAsset(ref=ref, type=AssetType.COLUMN, parent=op.ref,
                                description=col.description, attributes=attrs))
    if op.replace_columns:
        for cid, ref in sorted(active_columns(ctx, dataset_id).items(), key=lambda item: item[1].field):
            if cid not in declared:
                delete(ctx, DeleteAsset(ref=ref))


def active_columns(ctx: ChangeSetContext, dataset_id: uuid.UUID) -> dict[uuid.UUID, AssetRef]:
    known = ctx.cache.columns.get(dataset_id)
    if known is not None:
        return known
    flush(ctx)  # columns this run created are read with the rest
    rows = ctx.conn.execute(select(assets.c.namespace, assets.c.name, assets.c.field, assets.c.id).where(
        assets.c.tenant_id == ctx.tenant, assets.c.parent_id == dataset_id,
        assets.c.type == AssetType.COLUMN.value, assets.c.status == AssetStatus.ACTIVE.value)).all()
    return {cid: AssetRef(namespace=ns, name=name, field=fld) for ns, name, fld, cid in rows}


def delete(ctx: ChangeSetContext, op: DeleteAsset, _deleting: frozenset[uuid.UUID] = frozenset()) -> None:
    aid = asset_id(ctx.tenant, op.ref)
    current = load(ctx, aid)
    if current is None or current["status"] == AssetStatus.DELETED.value or aid in _deleting:
        return
    flush(ctx)  # the children are read with SQL
    children = [c for c in bulk.query(ctx.conn, _ACTIVE_CHILDREN, {"parent": aid}) if c[3] == ctx.tenant]
    # A client may name any asset as a parent, itself or its own child included: the cascade stops
    # at an asset it is already deleting instead of recursing until the stack runs out.
    for ns, name, fld, _ in children:
        delete(ctx, DeleteAsset(ref=AssetRef(namespace=ns, name=name, field=fld)), _deleting | {aid})
    drop_edges_of(ctx, aid)
    new = {**current, "status": AssetStatus.DELETED.value, "deleted_at": ctx.at,
           "version": current["version"] + 1, "updated_at": ctx.at}
    _store(ctx, new, ("status", "deleted_at", "version", "updated_at"))
    ctx.record(ChangeKind.ASSET_DELETED, "asset", aid, aid, snapshot(current), snapshot(new))
    search_docs.remove(ctx.conn, aid)
    ctx.dirty_docs.discard(aid)
    if current["parent_id"] is not None and current["field"]:  # a dataset's document holds its columns
        ctx.dirty_docs.add(current["parent_id"])


def drop_edges_of(ctx: ChangeSetContext, aid: uuid.UUID) -> list[dict[str, Any]]:
    """Remove every lineage edge into or out of ``aid`` (the edges die with their asset); the rows removed.

    Here rather than with lineage: lineage ensures its ends through this module, so a delete
    reaching over there would make the two import each other.
    """
    rows = [r for r in bulk.query_dicts(ctx.conn, _EDGES_OF, {"aid": aid}) if r["tenant_id"] == ctx.tenant]
    for row in rows:
        ctx.conn.execute(delete_rows(lineage_edges).where(lineage_edges.c.id == row["id"]))
        ctx.cache.edges[row["id"]] = ABSENT
        ctx.record(ChangeKind.LINEAGE_REMOVED, "lineage_edge", row["id"], row["target_id"], as_json(dict(row)), None)
    return [dict(r) for r in rows]
