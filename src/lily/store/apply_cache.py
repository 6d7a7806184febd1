"""The apply path's row cache: asset, edge and run rows read ahead for many change sets (why:
``ApplyCache``)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, bindparam, select

from lily.model import (
    AddClassification,
    AddLineage,
    AssetRef,
    AssetStatus,
    AssetType,
    ChangeSet,
    MetadataEvent,
    RecordQuality,
    RecordRun,
    UpsertAsset,
    asset_id,
    key_id,
    stable_id,
)
from lily.store import bulk
from lily.store import runs as run_store
from lily.store.chunks import chunked
from lily.store.tables import assets, lineage_edges, tenants

ABSENT: dict[str, Any] = {}  # a cached "no such row" (distinct from "not looked up")

_MAX_CACHED = 200_000  # rows an ApplyCache kept across transactions may hold before it starts over


# Built once: statements constructed per call cost more Python than the queries themselves.
_HEADS = select(tenants.c.id, tenants.c.change_seq)
_ASSETS_BY_ID = select(assets).where(assets.c.id.in_(bindparam("ids", expanding=True)))
_EDGES_BY_ID = select(lineage_edges).where(lineage_edges.c.id.in_(bindparam("ids", expanding=True)))
# By the parent alone (tenant and type checked on the rows): with ``tenant_id`` in the WHERE, SQLite
# (no statistics) chose ix_assets_tenant_type and read every column of the tenant for each chunk.
_COLUMNS_OF = select(assets).where(assets.c.parent_id.in_(bindparam("ids", expanding=True)))


class ApplyCache:
    """Asset, edge and run rows read or written in the current transaction, shared by its change sets.

    The inbound worker applies hundreds of events per transaction and most of them restate assets
    and edges that already exist; ``prefetch`` reads all of them in a few ``IN`` queries and the
    writers then only touch the database for what changed. Valid for one transaction (the caller
    must ``clear`` it when a savepoint rolls back: rows written inside it are gone), or longer
    after ``revalidate``.
    """

    def __init__(self, *, defer_changes: bool = False) -> None:
        self.assets: dict[uuid.UUID, dict[str, Any]] = {}
        self.edges: dict[uuid.UUID, dict[str, Any]] = {}
        # Active columns of a dataset, where known: dataset id -> {column id: ref}.
        self.columns: dict[uuid.UUID, dict[uuid.UUID, AssetRef]] = {}
        # Datasets of ``columns`` with a child that has a field but is no column: their search
        # documents list it, so ``columns`` alone does not say what the document holds.
        self.other_children: set[uuid.UUID] = set()
        # defer_changes: change sets applied with this cache leave their change and audit rows here
        # until ``write_deferred`` writes them all at once (one sequence bump per tenant, one
        # multi-row insert each). Their ApplyResult is filled in then.
        # Entries: (the apply path's writer, its change set).
        self.deferred: list[tuple[Any, ChangeSet]] | None = [] if defer_changes else None
        # The tenants' change-sequence heads the rows are known valid for (see ``revalidate``).
        self.heads: dict[str, int] | None = None
        self.runs = run_store.RunCache(defer=defer_changes)
        # Restatements: an operation applied with this cache, with the cached rows it left behind
        # (see ``_Writer.upsert`` and ``_Writer.add_lineage``). Applying an equal operation again
        # while those rows are the very same objects changes nothing (the apply path is idempotent),
        # so the writers skip it. Rows are replaced, never mutated, when they change.
        self.restated: dict[Any, tuple[Any, ...]] = {}

    def revalidate(self, conn: Connection) -> None:
        """Keep the cached rows into a new transaction only if nothing was committed since they were
        read: every write of assets and edges goes through the apply path and advances its tenant's
        change sequence. Only sound while the caller holds the database's only write lock (SQLite's
        ``BEGIN IMMEDIATE``), so no other writer commits during the transaction."""
        heads = dict(bulk.query(conn, _HEADS, {}))
        if heads != self.heads or len(self.assets) + len(self.edges) > _MAX_CACHED:
            self.clear()
        self.runs.clear()  # run rows can change without a change record (bookkeeping fields)
        self.heads = heads

    def clear(self) -> None:
        self.assets.clear()
        self.edges.clear()
        self.columns.clear()
        self.other_children.clear()
        self.runs.clear()
        self.restated.clear()

    def prefetch(self, conn: Connection, tenant: str, operations: Iterable[MetadataEvent]) -> None:
        """Load the rows ``operations`` will look at that are not cached yet. A restatement (see
        ``restated``) needs none: its rows were cached when it was last applied, and if they were
        replaced since, the writer reads what it misses one row at a time."""
        restated = self.restated
        operations = [op for op in operations if restated_key(tenant, op) not in restated] if restated else list(operations)
        want_assets, want_edges, want_columns = referenced_rows(tenant, operations)
        for stmt, wanted, cached in ((_ASSETS_BY_ID, want_assets, self.assets),
                                     (_EDGES_BY_ID, want_edges, self.edges)):
            wanted = [i for i in wanted if i not in cached]
            for chunk in chunked(wanted):
                cached.update((row["id"], dict(row)) for row in conn.execute(stmt, {"ids": chunk}).mappings())
            for i in wanted:
                cached.setdefault(i, ABSENT)
        for chunk in chunked([d for d in want_columns if d not in self.columns]):
            for d in chunk:
                self.columns[d] = {}
            for row in conn.execute(_COLUMNS_OF, {"ids": chunk}).mappings():
                if row["tenant_id"] != tenant:
                    continue
                if row["type"] != AssetType.COLUMN.value:
                    if row["field"]:
                        self.other_children.add(row["parent_id"])
                    continue
                self.assets.setdefault(row["id"], dict(row))
                if row["status"] == AssetStatus.ACTIVE.value:
                    self.columns[row["parent_id"]][row["id"]] = AssetRef(
                        namespace=row["namespace"], name=row["name"], field=row["field"])
        self.runs.prefetch(conn, tenant, [op.run_id for op in operations if isinstance(op, RecordRun)])

    def dataset_of(self, aid: uuid.UUID) -> uuid.UUID:
        """The dataset of a column the transaction read or wrote; any other asset itself."""
        row = self.assets.get(aid)
        if row is None or row is ABSENT or not row.get("field") or row.get("parent_id") is None:
            return aid
        return row["parent_id"]

    def put_asset(self, row: dict[str, Any]) -> None:
        old = self.assets.get(row["id"])
        self.assets[row["id"]] = row
        parent = row["parent_id"]
        if old and old["type"] == AssetType.COLUMN.value and (old["parent_id"] != parent
                                                              or row["type"] != AssetType.COLUMN.value):
            # Moved to another dataset or retyped: no longer a column of the first (whose
            # replace_columns would otherwise delete it).
            left = self.columns.get(old["parent_id"])
            if left is not None:
                left.pop(row["id"], None)
        if row["type"] != AssetType.COLUMN.value:
            if row["field"] and parent in self.columns:
                self.other_children.add(parent)
            return
        cols = self.columns.get(parent)
        if cols is not None:
            if row["status"] == AssetStatus.ACTIVE.value:
                cols[row["id"]] = AssetRef(namespace=row["namespace"], name=row["name"], field=row["field"])
            else:
                cols.pop(row["id"], None)


def for_transaction(conn: Connection, kept: ApplyCache | None) -> ApplyCache:
    """A cache for a transaction that writes its changes at the end (``write_deferred``). On SQLite
    the one kept from the caller's previous transaction (``kept``), ``revalidate``d: the transaction
    holds the database's only write lock. Elsewhere writers run concurrently: a fresh one."""
    if conn.dialect.name != "sqlite":
        return ApplyCache(defer_changes=True)
    cache = kept if kept is not None else ApplyCache(defer_changes=True)
    cache.revalidate(conn)
    return cache


def referenced_rows(tenant: str, operations: Iterable[MetadataEvent]
                    ) -> tuple[list[uuid.UUID], list[uuid.UUID], list[uuid.UUID]]:
    """Ids of the assets and edges ``operations`` read, and datasets whose columns they replace (pure)."""
    # Identities as (namespace, name, field) tuples: building AssetRef models here cost more than
    # the queries the prefetch saves.
    keys: set[tuple[str, str, str]] = set()
    edges: set[uuid.UUID] = set()
    datasets: set[uuid.UUID] = set()

    def add(ref: AssetRef) -> None:
        keys.add((ref.namespace, ref.name, ref.field))

    for op in operations:
        if isinstance(op, UpsertAsset):
            add(op.ref)
            ns, name = op.ref.namespace, op.ref.name
            keys.update((ns, name, c.name) for c in op.columns or [])
            if op.replace_columns:
                datasets.add(asset_id(tenant, op.ref))
        elif isinstance(op, AddLineage):
            add(op.source)
            add(op.target)
            if op.job:
                add(op.job)
            edges.add(stable_id(tenant, str(asset_id(tenant, op.source)), str(asset_id(tenant, op.target))))
        elif isinstance(op, RecordRun):
            add(op.job)
            for ref in (*op.inputs, *op.outputs):
                add(ref)
        elif isinstance(op, RecordQuality | AddClassification):
            add(op.ref)
    keys.update([(ns, name, "") for ns, name, fld in keys if fld])  # a column's dataset
    ids = {key_id(tenant, ns, name, fld) for ns, name, fld in keys}
    return sorted(ids), sorted(edges), sorted(datasets)


def restated_key(tenant: str, op: MetadataEvent) -> Any:
    """The key of ``op`` in ``ApplyCache.restated`` (None: never a restatement). An edge's omits the
    run id, which an unchanged edge does not record."""
    if isinstance(op, UpsertAsset):
        return (tenant, op.ref)
    if isinstance(op, AddLineage):
        return (tenant, op.source, op.target, op.job, op.transformation_type, op.transformation_subtype,
                op.masking, op.description, None if op.block_list is None else tuple(op.block_list))
    return None
