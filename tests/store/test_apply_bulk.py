"""The set-wise path of a run of upserts (``assets.upsert_many``: rows read ahead, written at the end
of the run) must write exactly what applying the same operations one asset at a time writes.

Oracle: the same change sets applied in another tenant of the same database with the set-wise path
switched off (``BULK_MIN`` out of reach). Compared: the catalog (assets, versions, history
snapshots), the change feed with its before/after, the audit rows, lineage and
search results.
"""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from lily.model import AssetRef, AssetType, ColumnSpec, DeleteAsset, UpsertAsset, asset_id
from lily.store import Store
from lily.store.apply import assets as asset_writer
from lily.store.tables import asset_history, assets, audit_log, changes, search_docs
from tests.store.test_apply_cache import NS, _state, changeset, lineage, two_tenants

NAMES = ["a", "b", "c", "d"]
FIELDS = ["id", "email", "amount", "phone"]

tables = st.builds(
    lambda name, cols, replace, desc, attrs, owner: UpsertAsset(
        ref=AssetRef(namespace=NS, name=name), type=AssetType.TABLE, description=desc, replace_columns=replace,
        attributes=attrs, owners=[{"name": owner}] if owner else None,
        columns=None if cols is None else [ColumnSpec(name=c, data_type=t, description=f"{c} of {name}")
                                           for c, t in cols]),
    st.sampled_from(NAMES),
    st.none() | st.lists(st.tuples(st.sampled_from(FIELDS), st.sampled_from(["int", "text"])),
                         unique_by=lambda c: c[0], max_size=4),
    st.booleans(), st.none() | st.sampled_from(["users", "orders"]),
    st.dictionaries(st.sampled_from(["size", "etag"]), st.integers(0, 2), max_size=2),
    st.none() | st.sampled_from(["ann", "bob"]))
columns = st.builds(lambda name, f, desc: UpsertAsset(ref=AssetRef(namespace=NS, name=name, field=f),
                                                      type=AssetType.COLUMN, description=desc),
                    st.sampled_from(NAMES), st.sampled_from(FIELDS), st.none() | st.sampled_from(["pii"]))
deletes = st.builds(lambda n: DeleteAsset(ref=AssetRef(namespace=NS, name=n)), st.sampled_from(NAMES))
# Runs of upserts (what goes set-wise) broken up now and then by a delete or an edge.
operation = st.one_of(tables, tables, columns, deletes, lineage)
change_sets = st.lists(st.lists(operation, min_size=1, max_size=12), min_size=1, max_size=6)


def _plain(value: Any, names: dict[str, Any]) -> Any:
    """``value`` with every asset id (as the change feed stores them, strings) replaced by its identity,
    and the ids of edges (derived from the tenant) left out."""
    if isinstance(value, dict):
        return {k: _plain(v, names) for k, v in value.items() if k != "id"}
    if isinstance(value, list):
        return [_plain(v, names) for v in value]
    return names.get(str(value), value) if isinstance(value, str) else value


def _feed(store: Store, tenant: str) -> dict[str, Any]:
    with store.read() as conn:
        rows = conn.execute(select(assets).where(assets.c.tenant_id == tenant)).mappings().all()
        names: dict[str, Any] = {str(r["id"]): (r["namespace"], r["name"], r["field"]) for r in rows}
        names.update({str(asset_id(tenant, AssetRef(namespace=NS, name=n, field=f))): (NS, n, f)
                      for n in NAMES for f in ("", *FIELDS)})  # parents nothing declared
        names[tenant] = "tenant"
        # Sorted within a change set (its ``at``): edges removed with an asset come in the order of
        # their ids, which depend on the tenant.
        feed = sorted((r["at"], r["kind"], r["entity_type"], names.get(str(r["asset_id"])),
                       repr(_plain(r["before"], names)), repr(_plain(r["after"], names)))
                      for r in conn.execute(select(changes).where(changes.c.tenant_id == tenant)).mappings())
        audit = sorted((r["at"], r["action"], r["entity_type"],  # an edge's id depends on the tenant
                        _plain(r["entity_id"], names) if r["entity_type"] == "asset" else None, r["details"])
                       for r in conn.execute(select(audit_log).where(audit_log.c.tenant_id == tenant)).mappings())
        history = sorted((names[str(r["asset_id"])], r["version"], repr(_plain(r["snapshot"], names)))
                         for r in conn.execute(select(asset_history)
                                               .where(asset_history.c.tenant_id == tenant)).mappings())
        catalog = sorted((names[str(r["id"])], r["type"], r["status"], r["version"], repr(r["attributes"]),
                          repr(r["owners"]), r["description"], r["deleted_at"]) for r in rows)
        # The documents themselves (the names in them are the same in both tenants; only ids differ).
        docs = sorted((names[str(r["asset_id"])], r["body"]) for r in conn.execute(
            select(search_docs).where(search_docs.c.tenant_id == tenant)).mappings())
    return {"feed": feed, "audit": audit, "history": history, "catalog": catalog, "docs": docs}


def _same_as_one_at_a_time(store: Store, batch: list, monkeypatch: pytest.MonkeyPatch) -> None:
    bulk, single = two_tenants(store)
    for tenant, bulk_min in ((bulk, 2), (single, 10**9)):
        monkeypatch.setattr(asset_writer, "BULK_MIN", bulk_min)
        for i, ops in enumerate(batch):
            with contextlib.suppress(Exception):  # a refused operation fails the same way on both paths
                store.apply(changeset(tenant, i, ops))
    got, want = _feed(store, bulk), _feed(store, single)
    for key in want:
        assert got[key] == want[key], key
    got, want = _state(store, bulk), _state(store, single)
    for key in want:
        assert got[key] == want[key], key


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=change_sets)
def test_runs_of_upserts_write_what_one_at_a_time_writes(store: Store, batch: list,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    _same_as_one_at_a_time(store, batch, monkeypatch)


A = AssetRef(namespace=NS, name="a")


@pytest.mark.parametrize("ops", [
    # the same asset twice in one run: created, then updated (one row, two versions)
    [UpsertAsset(ref=A, type=AssetType.TABLE, description="x"), UpsertAsset(ref=A, type=AssetType.TABLE,
                                                                          description="y")],
    # a column replaced away in the run that created it: the delete reads children with SQL
    [UpsertAsset(ref=A, type=AssetType.TABLE, columns=[ColumnSpec(name="id"), ColumnSpec(name="email")]),
     UpsertAsset(ref=A.column("email"), type=AssetType.COLUMN, description="kept"),
     UpsertAsset(ref=A, type=AssetType.TABLE, columns=[ColumnSpec(name="id")], replace_columns=True)],
    # a dataset's child with a field but typed otherwise: its document lists it (read with SQL)
    [UpsertAsset(ref=A, type=AssetType.TABLE, columns=[ColumnSpec(name="id")], replace_columns=True),
     UpsertAsset(ref=A.column("email"), type=AssetType.DATASET)],
    # a column moved to another dataset in the run: the first's document no longer lists it
    [UpsertAsset(ref=A, type=AssetType.TABLE, columns=[ColumnSpec(name="id"), ColumnSpec(name="email")],
                 replace_columns=True),
     UpsertAsset(ref=A.column("email"), type=AssetType.COLUMN, parent=AssetRef(namespace=NS, name="b"))],
    # a column moved away, then its first dataset's columns replaced: the moved one stays
    [UpsertAsset(ref=A.column("email"), type=AssetType.COLUMN, parent=AssetRef(namespace=NS, name="c")),
     UpsertAsset(ref=A.column("email"), type=AssetType.COLUMN),
     UpsertAsset(ref=AssetRef(namespace=NS, name="c"), type=AssetType.TABLE, columns=[], replace_columns=True)],
], ids=["twice", "replaced-in-run", "other-child", "moved-column", "moved-then-replaced"])
def test_edge_cases_of_a_run(store: Store, ops: list, monkeypatch: pytest.MonkeyPatch) -> None:
    _same_as_one_at_a_time(store, [ops, ops], monkeypatch)


def test_an_unchanged_run_writes_nothing(store: Store) -> None:
    ops = [UpsertAsset(ref=AssetRef(namespace=NS, name=f"t{i}"), type=AssetType.TABLE,
                       columns=[ColumnSpec(name=c, data_type="int") for c in FIELDS], replace_columns=True)
           for i in range(30)]
    tenant, _ = two_tenants(store)
    first = store.apply(changeset(tenant, 0, ops))
    again = store.apply(changeset(tenant, 1, ops))
    assert len(first.changes) == 30 * (1 + len(FIELDS))
    assert again.changes == []
    with store.read() as conn:
        versions = {r.version for r in conn.execute(select(assets.c.version).where(assets.c.tenant_id == tenant))}
    assert versions == {1}
