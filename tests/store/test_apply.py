from __future__ import annotations

from types import SimpleNamespace
from typing import get_args

import pytest

import lily.store.apply as apply_mod
from lily.model import (
    AddClassification,
    AddLineage,
    AssetRef,
    AssetType,
    ChangeSet,
    ColumnSpec,
    DeleteAsset,
    Direction,
    MetadataEvent,
    RemoveLineage,
    RenameAsset,
    UpsertAsset,
    asset_id,
)
from lily.store import ApplyError, Store, UnknownAsset
from lily.store.catalog import classifications_of, columns_of, get_by_ref, history, list_assets
from lily.store.feed import audit_records, changes_after
from lily.store.lineage import traverse

PG = "postgres://db.prod:5432"
USERS = AssetRef(namespace=PG, name="shop.public.users")
EXPORT = AssetRef(namespace="s3://delta-arc-lake", name="exports/users")


def cs(*ops, tenant: str = "acme") -> ChangeSet:
    return ChangeSet(tenant_id=tenant, actor="user:test", operations=list(ops), correlation_id="corr-1")


def test_upsert_creates_then_updates_with_history_and_changes(store: Store) -> None:
    store.apply(cs(UpsertAsset(ref=USERS, type=AssetType.TABLE, description="users",
                               columns=[ColumnSpec(name="id", data_type="int"), ColumnSpec(name="email")])))
    store.apply(cs(UpsertAsset(ref=USERS, type=AssetType.TABLE, description="all users")))
    with store.read() as conn:
        asset = get_by_ref(conn, "acme", USERS)
        assert asset is not None and asset.description == "all users" and asset.version == 2
        assert [c.ref.field for c in columns_of(conn, "acme", asset.id)] == ["id", "email"] or \
            {c.ref.field for c in columns_of(conn, "acme", asset.id)} == {"id", "email"}
        assert [h["version"] for h in history(conn, "acme", asset.id)] == [1, 2]
        feed = changes_after(conn, "acme")
        assert [c.seq for c in feed] == list(range(1, len(feed) + 1))
        assert feed[-1].kind == "asset.updated" and feed[-1].after == {"description": "all users", "version": 2}
        assert feed[-1].correlation_id == "corr-1"
        assert audit_records(conn, "acme")[0]["actor"] == "user:test"


def test_reapplying_the_same_upsert_writes_no_change(store: Store) -> None:
    op = UpsertAsset(ref=USERS, type=AssetType.TABLE, description="x")
    store.apply(cs(op))
    result = store.apply(cs(op))
    assert result.changes == []


def test_facets_replace_by_name_and_deleted_removes(store: Store) -> None:
    store.apply(cs(UpsertAsset(ref=USERS, type=AssetType.DATASET, facets={"a": {"v": 1}, "b": {"v": 1}})))
    store.apply(cs(UpsertAsset(ref=USERS, type=AssetType.DATASET, facets={"a": {"w": 2}}, deleted_facets=["b"])))
    with store.read() as conn:
        assert get_by_ref(conn, "acme", USERS).facets == {"a": {"w": 2}}


def test_soft_delete_cascades_columns_and_drops_edges_and_revives(store: Store) -> None:
    store.apply(cs(UpsertAsset(ref=USERS, type=AssetType.TABLE, columns=[ColumnSpec(name="email")]),
                   AddLineage(source=USERS.column("email"), target=EXPORT.column("email"))))
    store.apply(cs(DeleteAsset(ref=USERS)))
    with store.read() as conn:
        assert get_by_ref(conn, "acme", USERS).status == "deleted"
        assert get_by_ref(conn, "acme", USERS.column("email")).status == "deleted"
        assert traverse(conn, "acme", asset_id("acme", USERS.column("email"))) == []
        assert list_assets(conn, "acme", q="users", type_="table") == []
    store.apply(cs(UpsertAsset(ref=USERS, type=AssetType.TABLE)))
    with store.read() as conn:
        assert get_by_ref(conn, "acme", USERS).status == "active"


def test_delete_cascade_survives_parent_cycles(store: Store) -> None:
    # parents are the client's word: an asset may name itself, or its own child, as its parent
    a, b = AssetRef(namespace="ns", name="a"), AssetRef(namespace="ns", name="b")
    store.apply(cs(UpsertAsset(ref=a, type=AssetType.TABLE, parent=a)))
    store.apply(cs(UpsertAsset(ref=b, type=AssetType.TABLE, parent=a)))
    store.apply(cs(UpsertAsset(ref=a, type=AssetType.TABLE, parent=b)))
    store.apply(cs(DeleteAsset(ref=a)))
    with store.read() as conn:
        assert get_by_ref(conn, "acme", a).status == "deleted" and get_by_ref(conn, "acme", b).status == "deleted"
        deleted = [c for c in changes_after(conn, "acme", 0, 100) if c.kind == "asset.deleted"]
        assert sorted(str(c.entity_id) for c in deleted) == sorted(str(asset_id("acme", r)) for r in (a, b))


def test_lineage_traversal_and_removal(store: Store) -> None:
    a, b, c = (AssetRef(namespace="ns", name=n) for n in "abc")
    store.apply(cs(AddLineage(source=a, target=b), AddLineage(source=b, target=c)))
    with store.read() as conn:
        down = traverse(conn, "acme", asset_id("acme", a), Direction.DOWNSTREAM, 10)
        assert {(n.asset_id, n.depth) for n in down} == {(asset_id("acme", b), 1), (asset_id("acme", c), 2)}
        up = traverse(conn, "acme", asset_id("acme", c), Direction.UPSTREAM, 1)
        assert [n.asset_id for n in up] == [asset_id("acme", b)]
    store.apply(cs(RemoveLineage(source=b, target=c)))
    with store.read() as conn:
        assert len(traverse(conn, "acme", asset_id("acme", a), Direction.DOWNSTREAM, 10)) == 1


def test_rename_moves_columns_edges_and_classifications(store: Store) -> None:
    new = AssetRef(namespace=PG, name="shop.public.customers")
    store.apply(cs(UpsertAsset(ref=USERS, type=AssetType.TABLE, columns=[ColumnSpec(name="email")]),
                   AddClassification(ref=USERS.column("email"), tag="PII.email"),
                   AddLineage(source=USERS.column("email"), target=EXPORT.column("email"))))
    store.apply(cs(RenameAsset(ref=USERS, new_ref=new)))
    with store.read() as conn:
        assert get_by_ref(conn, "acme", USERS).status == "deleted"
        moved = get_by_ref(conn, "acme", new.column("email"))
        assert moved is not None and moved.status == "active"
        assert [c.tag for c in classifications_of(conn, "acme", [moved.id])] == ["PII.email"]
        assert [n.asset_id for n in traverse(conn, "acme", moved.id)] == [asset_id("acme", EXPORT.column("email"))]


def test_classification_on_unknown_asset_fails_whole_changeset(store: Store) -> None:
    with pytest.raises(UnknownAsset):
        store.apply(cs(UpsertAsset(ref=EXPORT, type=AssetType.DATASET),
                       AddClassification(ref=USERS, tag="PII")))
    with store.read() as conn:
        assert get_by_ref(conn, "acme", EXPORT) is None
        assert changes_after(conn, "acme") == []


def test_failure_between_state_and_change_write_leaves_neither(store: Store, monkeypatch) -> None:
    def boom(*_a, **_k):
        raise RuntimeError("injected failure before the change rows")

    monkeypatch.setattr(apply_mod, "write_changes", boom)
    with pytest.raises(RuntimeError):
        store.apply(cs(UpsertAsset(ref=USERS, type=AssetType.TABLE, columns=[ColumnSpec(name="email")])))
    monkeypatch.undo()
    with store.read() as conn:
        assert get_by_ref(conn, "acme", USERS) is None
        assert changes_after(conn, "acme") == []
        assert list_assets(conn, "acme", q="users") == []


def test_every_operation_of_the_model_has_a_writer() -> None:
    union = get_args(get_args(MetadataEvent)[0])
    assert {op.model_fields["op"].default for op in union} == set(apply_mod._DISPATCH)


def test_operation_without_a_writer_fails_the_whole_changeset(store: Store) -> None:
    unknown = ChangeSet.model_construct(tenant_id="acme", actor="user:test", operations=[
        UpsertAsset(ref=USERS, type=AssetType.TABLE), SimpleNamespace(op="frobnicate")])
    with pytest.raises(ApplyError, match="operation 'frobnicate' has no writer registered"):
        store.apply(unknown)
    with store.read() as conn:
        assert get_by_ref(conn, "acme", USERS) is None
        assert changes_after(conn, "acme") == []


def test_tenants_are_isolated_in_store(store: Store) -> None:
    store.apply(cs(UpsertAsset(ref=USERS, type=AssetType.TABLE, columns=[ColumnSpec(name="email")])))
    with store.read() as conn:
        assert list_assets(conn, "globex") == []
        assert list_assets(conn, "globex", q="users") == []
        assert get_by_ref(conn, "globex", USERS) is None
        assert changes_after(conn, "globex") == []


def test_search_matches_names_columns_descriptions_and_tags(store: Store) -> None:
    store.apply(cs(UpsertAsset(ref=USERS, type=AssetType.TABLE, description="Customer master data",
                               columns=[ColumnSpec(name="email_address")]),
                   AddClassification(ref=USERS.column("email_address"), tag="GDPR.personal")))
    with store.read() as conn:
        for q in ("users", "customer", "email", "gdpr", "shop users"):
            assert USERS in {a.ref for a in list_assets(conn, "acme", q=q)}, q
        assert list_assets(conn, "acme", q="nonexistentword") == []


def test_consumer_offsets_round_trip(store: Store) -> None:
    from datetime import UTC, datetime

    from lily.store.feed import commit_offset, get_offset

    with store.write() as conn:
        assert get_offset(conn, "propagation", "acme") == 0
        commit_offset(conn, "propagation", "acme", 5, datetime.now(UTC))
        commit_offset(conn, "propagation", "acme", 9, datetime.now(UTC))
    with store.read() as conn:
        assert get_offset(conn, "propagation", "acme") == 9
        assert get_offset(conn, "propagation", "globex") == 0
