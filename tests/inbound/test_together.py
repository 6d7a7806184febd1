"""``lily.inbound.together``: which events may be applied as one change set, and how their changes
are split back per event (or refused when a change cannot be attributed)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from lily.inbound.together import apply_together, independent
from lily.model import AddLineage, AssetRef, AssetType, ChangeSet, ColumnSpec, DeleteAsset, UpsertAsset
from lily.store import Store
from lily.store.accounts import create_tenant
from lily.store.apply import write_deferred
from lily.store.apply_cache import ApplyCache

T0 = datetime(2026, 3, 1, tzinfo=UTC)
BUCKET = AssetRef(namespace="s3://b", name="")


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    s = Store.from_url(database_url)
    with s.write() as conn:
        create_tenant(conn, "acme", "Acme", T0)
    yield s
    s.dispose()


def obj(key: str) -> AssetRef:
    return AssetRef(namespace="s3://b", name=key)


def created(key: str, bucket: UpsertAsset) -> list[Any]:
    return [bucket, UpsertAsset(ref=obj(key), type=AssetType.S3_OBJECT, parent=BUCKET, attributes={"k": key})]


def removed(key: str) -> list[Any]:
    return [UpsertAsset(ref=obj(key), type=AssetType.S3_OBJECT, parent=BUCKET), DeleteAsset(ref=obj(key))]


def test_independent_events_share_an_asset_only_through_the_very_same_operation() -> None:
    bucket = UpsertAsset(ref=BUCKET, type=AssetType.S3_BUCKET, attributes={"region": "eu"})
    equal_copy = bucket.model_copy()
    assert independent([created("a", bucket), created("b", bucket), removed("c")]) == 3
    assert independent([created("a", bucket), created("b", equal_copy)]) == 1  # equal is not the same
    assert independent([created("a", bucket), removed("a")]) == 1  # one object, two events
    with_columns = UpsertAsset(ref=obj("t"), type=AssetType.TABLE, columns=[ColumnSpec(name="id")])
    assert independent([created("a", bucket), [with_columns]]) == 1
    edge = AddLineage(source=obj("a"), target=obj("b"))
    assert independent([[edge], created("a", bucket)]) == 0
    assert independent([]) == 0


def _sets(*events: list[Any]) -> list[ChangeSet]:
    return [ChangeSet(tenant_id="acme", actor="inbound:s3", operations=ops, cause_event_id=f"e{i}", at=T0)
            for i, ops in enumerate(events)]


def test_each_event_gets_its_own_changes_and_result(store: Store) -> None:
    bucket = UpsertAsset(ref=BUCKET, type=AssetType.S3_BUCKET, attributes={"region": "eu"})
    cache = ApplyCache(defer_changes=True)
    with store.write() as conn:
        results = apply_together(conn, _sets(created("a", bucket), created("b", bucket), created("c", bucket)), cache)
        assert results is not None
        assert [len(c.pending) for c, _ in cache.deferred] == [2, 1, 1]  # the bucket's change is the first's
        write_deferred(conn, cache)
    assert [(r.first_seq, r.last_seq) for r in results] == [(1, 2), (3, 3), (4, 4)]
    assert [list(r.asset_ids) for r in results] == [[BUCKET, obj(k)] for k in "abc"]
    assert [c["cause_event_id"] for r in results for c in r.changes] == ["e0", "e0", "e1", "e2"]


def test_a_change_no_event_names_refuses_the_run(store: Store) -> None:
    """Deleting an object that has columns deletes them too, and its edges: those changes are no
    event's asset, so the run is refused (the worker rolls it back and applies its events one by one)."""
    store.apply(ChangeSet(tenant_id="acme", actor="t", operations=[UpsertAsset(
        ref=obj("x.parquet"), type=AssetType.S3_OBJECT, columns=[ColumnSpec(name="id")])]))
    edge = AddLineage(source=obj("y.parquet"), target=AssetRef(namespace="postgres://db", name="t"))
    store.apply(ChangeSet(tenant_id="acme", actor="t", operations=[edge]))
    bucket = UpsertAsset(ref=BUCKET, type=AssetType.S3_BUCKET)
    with store.write() as conn:
        cache = ApplyCache(defer_changes=True)
        assert apply_together(conn, _sets(created("a", bucket), removed("x.parquet")), cache) is None
        assert cache.deferred == []
        # An edge from a deleted object goes with it: the edge's change is its target's, which no
        # event of the run names.
        assert apply_together(conn, _sets(removed("y.parquet")), ApplyCache(defer_changes=True)) is None
        conn.rollback()
