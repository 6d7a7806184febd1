"""The transaction cache of the apply path (``ApplyCache``) must never change what is written.

Oracle: the same change sets applied one transaction each, without a shared cache, in another
tenant of the same database. Savepoint rollbacks in the cached run (an event that fails half-way,
as the inbound worker sees them) must leave no trace in later change sets of that transaction.
"""

from __future__ import annotations

import contextlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from lily.model import (
    AddLineage,
    AssetRef,
    AssetType,
    ChangeSet,
    ColumnSpec,
    DeleteAsset,
    RecordRun,
    RemoveLineage,
    RunState,
    UpsertAsset,
    asset_id,
    stable_id,
)
from lily.store import Store
from lily.store.accounts import create_tenant
from lily.store.apply import ApplyError, apply_in, write_deferred
from lily.store.apply_cache import ApplyCache, referenced_rows
from lily.store.search import search
from lily.store.tables import assets, changes, lineage_edges
from lily.store.tables_runs import run_io, runs

NS = "postgres://db:5432"
T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
NAMES = ["a", "b", "c"]
FIELDS = ["id", "email", "amount"]

refs = st.builds(lambda n: AssetRef(namespace=NS, name=n), st.sampled_from(NAMES))
columns = st.lists(st.sampled_from(FIELDS), unique=True, max_size=3)
upserts = st.builds(
    lambda ref, cols, replace, desc: UpsertAsset(
        ref=ref, type=AssetType.TABLE, description=desc, replace_columns=replace,
        columns=[ColumnSpec(name=c, description=f"{c} of {ref.name}") for c in cols] if cols is not None else None),
    refs, st.none() | columns, st.booleans(), st.none() | st.sampled_from(["users", "orders"]))
column_refs = st.builds(lambda r, f: r.column(f), refs, st.sampled_from(FIELDS))
lineage = st.builds(lambda s, t, run: AddLineage(source=s, target=t, run_id=run,
                                                 job=AssetRef(namespace="jobs", name="etl")),
                    refs | column_refs, refs | column_refs, st.sampled_from(["r1", "r2"]))
removals = st.builds(lambda s, t: RemoveLineage(source=s, target=t), refs, refs)
deletes = st.builds(lambda r: DeleteAsset(ref=r), refs)
run_ops = st.builds(lambda i, o, run, started, second: RecordRun(
    run_id=run, job=AssetRef(namespace="jobs", name="etl"),
    state=RunState.RUNNING if started else RunState.COMPLETED, event_type="START" if started else "COMPLETE",
    event_time=T0 + timedelta(seconds=second), inputs=[i], outputs=[o]),
    refs, refs, st.sampled_from(["r1", "r2", "r3"]), st.booleans(), st.integers(0, 3))
operation = st.one_of(upserts, lineage, removals, deletes, run_ops)
# (operations, fails): a failing change set is rolled back to its savepoint after it was applied.
change_sets = st.lists(st.tuples(st.lists(operation, min_size=1, max_size=4), st.booleans()), min_size=1,
                       max_size=8)


class Injected(Exception):
    pass


def _state(store: Store, tenant: str) -> dict[str, Any]:
    """Everything written for ``tenant``, with ids replaced by identities (tenants differ)."""
    with store.read() as conn:
        rows = conn.execute(select(assets).where(assets.c.tenant_id == tenant)).mappings().all()
        names = {r["id"]: (r["namespace"], r["name"], r["field"]) for r in rows}
        asset_rows = sorted((names[r["id"]], r["type"], r["status"], r["description"], r["version"],
                             names.get(r["parent_id"]), r["updated_at"]) for r in rows)
        edge_rows = sorted((names[r["source_id"]], names[r["target_id"]], r["level"], names.get(r["job_id"]),
                            r["run_id"]) for r in conn.execute(
            select(lineage_edges).where(lineage_edges.c.tenant_id == tenant)).mappings())
        # Within one change set rows may come in an order that depends on ids (so on the tenant).
        change_rows = sorted((r["at"], r["kind"], names.get(r["asset_id"])) for r in conn.execute(
            select(changes).where(changes.c.tenant_id == tenant)).mappings())
        found = {w: sorted(names[a] for a in search(conn, tenant, w)) for w in ("users", "email", "orders", "a")}
        run_rows = sorted((r["run_id"], names[r["job_id"]], r["state"], r["state_at"], r["event_types"],
                           r["started_at"], r["ended_at"], r["inputs"], r["outputs"], r["job_version"])
                          for r in conn.execute(select(runs).where(runs.c.tenant_id == tenant)).mappings())
        io_rows = sorted((r["run_id"], names[r["asset_id"]], r["role"], r["version"], r["event_time"])
                         for r in conn.execute(select(run_io).where(run_io.c.tenant_id == tenant)).mappings())
    return {"assets": asset_rows, "edges": edge_rows, "changes": change_rows, "search": found, "runs": run_rows,
            "run_io": io_rows}


def two_tenants(store: Store) -> tuple[str, str]:
    """A tenant written through the cache under test and one written plainly (the oracle)."""
    cached, plain = f"c-{uuid.uuid4().hex[:8]}", f"p-{uuid.uuid4().hex[:8]}"
    with store.write() as conn:
        create_tenant(conn, cached, "cached", T0)
        create_tenant(conn, plain, "plain", T0)
    return cached, plain


def changeset(tenant: str, i: int, ops: list) -> ChangeSet:
    return ChangeSet(tenant_id=tenant, actor="test", operations=ops, at=T0 + timedelta(seconds=i))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=change_sets)
def test_a_shared_cache_writes_exactly_what_separate_transactions_write(store: Store, batch: list) -> None:
    _same_as_separate_transactions(store, batch)


# Restatements: a few operations drawn again and again (as every run of a job restates its
# datasets, columns and edges), interleaved with the operations that change what they restate.
restating = st.lists(operation, min_size=2, max_size=5).flatmap(
    lambda pool: st.lists(st.tuples(st.lists(st.sampled_from(pool), min_size=1, max_size=3), st.booleans()),
                          min_size=2, max_size=10))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=restating)
def test_restated_operations_write_what_separate_transactions_write(store: Store, batch: list) -> None:
    _same_as_separate_transactions(store, batch)


A, B = AssetRef(namespace=NS, name="a"), AssetRef(namespace=NS, name="b")
JOB = AssetRef(namespace="jobs", name="etl")


def _table(ref: AssetRef, *cols: str, replace: bool = True) -> UpsertAsset:
    return UpsertAsset(ref=ref, type=AssetType.TABLE, replace_columns=replace,
                       columns=[ColumnSpec(name=c) for c in cols])


def _edge(run: str) -> AddLineage:
    return AddLineage(source=A.column("id"), target=B.column("id"), job=JOB, run_id=run)


@pytest.mark.parametrize("batch", [
    # a restated table after its deletion: revived, columns and all
    [([_table(A, "id", "email")], False), ([DeleteAsset(ref=A)], False), ([_table(A, "id", "email")], False)],
    # a column added by another operation: the restated table (replace_columns) drops it again
    [([_table(A, "id")], False), ([UpsertAsset(ref=A.column("email"), type=AssetType.COLUMN)], False),
     ([_table(A, "id")], False)],
    # a restated edge after its removal, and after its source was deleted
    [([_edge("r1")], False), ([RemoveLineage(source=A.column("id"), target=B.column("id"))], False),
     ([_edge("r2")], False), ([DeleteAsset(ref=A)], False), ([_edge("r3")], False)],
    # a restatement rolled back with its savepoint, then restated again
    [([_table(A, "id"), _edge("r1")], True), ([_table(A, "id"), _edge("r2")], False),
     ([_table(A, "id", "email"), _edge("r3")], False), ([_table(A, "id"), _edge("r4")], False)],
], ids=["revived", "column-added", "edge-removed", "rolled-back"])
def test_restatements_after_changes_are_applied(store: Store, batch: list) -> None:
    _same_as_separate_transactions(store, batch)


def _same_as_separate_transactions(store: Store, batch: list) -> None:
    cached, plain = two_tenants(store)

    # Cached: one transaction, prefetch up front, each change set in a savepoint (the worker's shape).
    with store.write() as conn:
        cache = ApplyCache()
        cache.prefetch(conn, cached, [op for ops, _ in batch for op in ops])
        for i, (ops, fails) in enumerate(batch):
            savepoint = conn.begin_nested()
            try:
                apply_in(conn, changeset(cached, i, ops), cache)
                if fails:
                    raise Injected
                savepoint.commit()
            except Exception:
                savepoint.rollback()
                cache.clear()
    # Oracle: one transaction per change set that did not fail, no shared cache.
    for i, (ops, fails) in enumerate(batch):
        if not fails:
            with contextlib.suppress(Exception):  # refused operations fail the same way in both runs
                store.apply(changeset(plain, i, ops))
    got, want = _state(store, cached), _state(store, plain)
    for key in want:
        assert got[key] == want[key], key


def test_referenced_rows_lists_what_the_operations_read() -> None:
    users, orders = AssetRef(namespace=NS, name="users"), AssetRef(namespace=NS, name="orders")
    job = AssetRef(namespace="jobs", name="etl")
    ops = [UpsertAsset(ref=users, type=AssetType.TABLE, columns=[ColumnSpec(name="email")], replace_columns=True),
           AddLineage(source=users.column("email"), target=orders.column("email"), job=job)]
    asset_ids, edge_ids, datasets = referenced_rows("acme", ops)
    expected = {asset_id("acme", r) for r in (users, users.column("email"), orders, orders.column("email"), job)}
    assert set(asset_ids) == expected
    assert edge_ids == [stable_id("acme", str(asset_id("acme", users.column("email"))),
                                  str(asset_id("acme", orders.column("email"))))]
    assert datasets == [asset_id("acme", users)]


def test_a_new_run_restating_an_edge_records_no_change(store: Store) -> None:
    src, dst = AssetRef(namespace=NS, name="src"), AssetRef(namespace=NS, name="dst")
    store.apply(ChangeSet(tenant_id="acme", actor="t", operations=[AddLineage(source=src, target=dst, run_id="r1")]))
    again = store.apply(ChangeSet(tenant_id="acme", actor="t", operations=[
        AddLineage(source=src, target=dst, run_id="r2")]))
    assert again.changes == []  # the edge is as it was: a restatement by the next run is not news
    changed = store.apply(ChangeSet(tenant_id="acme", actor="t", operations=[
        AddLineage(source=src, target=dst, run_id="r3", masking=True)]))
    assert [c["kind"] for c in changed.changes] == ["lineage.updated"]
    assert changed.changes[0]["after"] == {"masking": True, "run_id": "r3"}


@pytest.mark.parametrize("description", [None, "users"])
def test_restating_an_asset_leaves_its_search_document_alone(store: Store, description: str | None) -> None:
    users = AssetRef(namespace=NS, name="shop.users")
    op = UpsertAsset(ref=users, type=AssetType.TABLE, description=description, columns=[ColumnSpec(name="email")])
    store.apply(ChangeSet(tenant_id="acme", actor="t", operations=[op]))
    with store.read() as conn:
        before = conn.exec_driver_sql("SELECT count(*) FROM search_docs").scalar()
        assert asset_id("acme", users) in search(conn, "acme", "email")  # columns are in the document
    store.apply(ChangeSet(tenant_id="acme", actor="t", operations=[op]))
    store.apply(ChangeSet(tenant_id="acme", actor="t", operations=[
        UpsertAsset(ref=users, type=AssetType.TABLE, description="customers")]))
    with store.read() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM search_docs").scalar() == before
        assert search(conn, "acme", "customers") == [asset_id("acme", users)]


# (writer, operations): the worker's kept cache, or another writer (the API) committing in between.
interleaved = st.lists(st.tuples(st.sampled_from(["worker", "worker", "other"]),
                                 st.lists(operation, min_size=1, max_size=4)), min_size=1, max_size=10)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=interleaved)
def test_a_cache_kept_across_transactions_sees_other_writers(store: Store, steps: list) -> None:
    """The inbound worker keeps one cache across its transactions on SQLite, deferring change rows
    to the end of each; a commit by anyone else in between must invalidate it."""
    cached, plain = two_tenants(store)

    kept = ApplyCache(defer_changes=True)
    for i, (who, ops) in enumerate(steps):
        if who == "other":
            with contextlib.suppress(ApplyError):
                store.apply(changeset(cached, i, ops))
            continue
        try:
            with store.write() as conn:
                kept.revalidate(conn)
                kept.prefetch(conn, cached, ops)
                apply_in(conn, changeset(cached, i, ops), kept)
                write_deferred(conn, kept)
        except ApplyError:
            kept = ApplyCache(defer_changes=True)  # the worker drops its cache when a batch aborts
    for i, (_, ops) in enumerate(steps):
        with contextlib.suppress(ApplyError):
            store.apply(changeset(plain, i, ops))
    got, want = _state(store, cached), _state(store, plain)
    for key in want:
        assert got[key] == want[key], key


@settings(max_examples=60, deadline=None)
@given(ops=st.lists(operation, min_size=1, max_size=6))
def test_referenced_rows_are_the_ids_of_the_refs_the_operations_name(ops: list) -> None:
    """Oracle: the ids of every AssetRef the operations name, and of the datasets of named columns."""
    refs: set[AssetRef] = set()
    for op in ops:
        if isinstance(op, UpsertAsset):
            refs |= {op.ref, *(op.ref.column(c.name) for c in op.columns or [])}
        elif isinstance(op, AddLineage):
            refs |= {op.source, op.target, *([op.job] if op.job else [])}
        elif isinstance(op, RecordRun):
            refs |= {op.job, *op.inputs, *op.outputs}
    refs |= {r.dataset() for r in refs}
    asset_ids, _, _ = referenced_rows("acme", ops)
    assert asset_ids == sorted({asset_id("acme", r) for r in refs}, key=str)
