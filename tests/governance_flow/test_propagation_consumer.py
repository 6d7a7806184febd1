"""The propagation consumer over a real store: feed -> propagated rows, exactly once, exact increments."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lily.store.apply as apply_mod
from lily.governance.consumer import ACTOR, CONSUMER, PropagationConsumer
from lily.governance.propagation import PropagatedTag, PropagationLimits, propagate
from lily.governance.snapshot import SnapshotLoader
from lily.model import (
    AddClassification,
    AddLineage,
    AssetRef,
    AssetType,
    ChangeSet,
    ClassificationSource,
    ColumnSpec,
    DeleteAsset,
    RemoveClassification,
    RemoveLineage,
    UpsertAsset,
    asset_id,
)
from lily.store import ApplyError, Store
from lily.store import governance as repo
from lily.store.accounts import create_tenant
from lily.store.catalog import classifications_of
from lily.store.feed import audit_records, changes_after, get_offset

NS = "warehouse://x"
_tenants = itertools.count()


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    s = Store.from_url(database_url)
    yield s
    s.dispose()


def new_tenant(store: Store) -> str:
    tenant = f"t{next(_tenants)}"
    with store.write() as conn:
        create_tenant(conn, tenant, tenant, datetime.now(UTC))
    return tenant


def ds(i: int) -> AssetRef:
    return AssetRef(namespace=NS, name=f"d{i}")


def apply(store: Store, tenant: str, *ops, corr: str = "corr") -> None:
    store.apply(ChangeSet(tenant_id=tenant, actor="user:test", operations=list(ops), correlation_id=corr))


def chain(store: Store, tenant: str, n: int = 4) -> None:
    """d0.c -> d1.c -> ... column lineage, plus the dataset edges."""
    ops = [UpsertAsset(ref=ds(i), type=AssetType.TABLE, columns=[ColumnSpec(name="c"), ColumnSpec(name="k")])
           for i in range(n)]
    for i in range(n - 1):
        ops += [AddLineage(source=ds(i), target=ds(i + 1)),
                AddLineage(source=ds(i).column("c"), target=ds(i + 1).column("c"))]
    apply(store, tenant, *ops)


def propagated(store: Store, tenant: str, ref: AssetRef) -> list:
    with store.read() as conn:
        return [c for c in classifications_of(conn, tenant, [asset_id(tenant, ref)])
                if c.source == ClassificationSource.PROPAGATED]


def test_chain_add_then_remove_with_provenance_and_change_records(store: Store) -> None:
    tenant = new_tenant(store)
    chain(store, tenant)
    consumer = PropagationConsumer(store)
    consumer.drain()
    apply(store, tenant, AddClassification(ref=ds(0).column("c"), tag="PII.email"), corr="tag-request")
    rounds = consumer.drain()
    assert sum(r.added for r in rounds) == 3
    (last,) = propagated(store, tenant, ds(3).column("c"))
    origin = asset_id(tenant, ds(0).column("c"))
    assert last.provenance.origin_asset_id == origin and last.provenance.depth == 3
    assert last.provenance.path == [asset_id(tenant, ds(i).column("c")) for i in range(4)]
    # the planner names the row the store wrote: re-propagation updates it instead of adding a copy
    planned = PropagatedTag(asset_id=last.asset_id, tag="PII.email", origin_asset_id=origin,
                            origin_classification_id=last.provenance.origin_classification_id,
                            path=tuple(last.provenance.path))
    assert last.id == planned.classification_id(tenant)
    assert not propagated(store, tenant, ds(3)) and not propagated(store, tenant, ds(1).column("k"))
    with store.read() as conn:
        feed = changes_after(conn, tenant, 0, 10_000)
        mine = [c for c in feed if c.actor == ACTOR]
        tag_change = next(c for c in feed if c.kind == "classification.added" and c.actor == "user:test")
        assert len(mine) == 3 and {c.kind for c in mine} == {"classification.added"}
        assert {c.cause_event_id for c in mine} == {f"change:{tag_change.seq}"}
        assert {c.correlation_id for c in mine} == {"tag-request"}
        assert get_offset(conn, CONSUMER, tenant) == feed[-1].seq
        assert any(a["actor"] == ACTOR for a in audit_records(conn, tenant))
    # a second drain has nothing to do (its own changes are read and skipped)
    assert all(r.written == 0 for r in consumer.drain())

    apply(store, tenant, RemoveClassification(ref=ds(0).column("c"), tag="PII.email"))
    assert sum(r.removed for r in consumer.drain()) == 3
    assert not propagated(store, tenant, ds(3).column("c"))


def test_deleting_a_middle_asset_retracts_downstream_and_revival_restores(store: Store) -> None:
    tenant = new_tenant(store)
    chain(store, tenant)
    apply(store, tenant, AddClassification(ref=ds(0).column("c"), tag="PII.email"))
    consumer = PropagationConsumer(store)
    consumer.drain()
    apply(store, tenant, DeleteAsset(ref=ds(1)))
    consumer.drain()
    assert not propagated(store, tenant, ds(2).column("c")) and not propagated(store, tenant, ds(1).column("c"))
    # revived without its lineage: nothing flows again until the edges come back
    apply(store, tenant, UpsertAsset(ref=ds(1), type=AssetType.TABLE, columns=[ColumnSpec(name="c")]))
    consumer.drain()
    assert propagated(store, tenant, ds(1).column("c")) == []
    apply(store, tenant, AddLineage(source=ds(0).column("c"), target=ds(1).column("c")),
          AddLineage(source=ds(1).column("c"), target=ds(2).column("c")))
    consumer.drain()
    assert propagated(store, tenant, ds(3).column("c"))[0].provenance.depth == 3


def test_a_failed_round_writes_nothing_and_keeps_the_offset(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    tenant = new_tenant(store)
    chain(store, tenant, 3)
    consumer = PropagationConsumer(store)
    consumer.drain()
    apply(store, tenant, AddClassification(ref=ds(0).column("c"), tag="PII.email"))
    with store.read() as conn:
        offset = get_offset(conn, CONSUMER, tenant)

    def boom(*_a, **_k):
        raise RuntimeError("crash while writing")

    monkeypatch.setattr(apply_mod, "write_changes", boom)
    with pytest.raises(RuntimeError):
        consumer.run_tenant(tenant)
    monkeypatch.undo()
    assert not propagated(store, tenant, ds(1).column("c"))
    with store.read() as conn:
        assert get_offset(conn, CONSUMER, tenant) == offset
    consumer.drain()
    assert len(propagated(store, tenant, ds(2).column("c"))) == 1


def test_time_budget_defers_origins_to_the_next_round(sqlite_url: str) -> None:
    store = Store.from_url(sqlite_url)
    tenant = new_tenant(store)
    chain(store, tenant)
    apply(store, tenant, AddClassification(ref=ds(0).column("c"), tag="PII.email"),
          AddClassification(ref=ds(1).column("k"), tag="PII.phone"))
    consumer = PropagationConsumer(store, PropagationLimits(time_budget_s=0.0))
    first = consumer.run_tenant(tenant)
    assert first.deferred == 2 and first.written == 0
    with store.read() as conn:
        assert len(repo.pending_origins(conn, tenant)) == 2
    consumer.drain()  # pending origins run without a budget: a big origin cannot starve
    with store.read() as conn:
        assert repo.pending_origins(conn, tenant) == set()
    assert len(propagated(store, tenant, ds(3).column("c"))) == 1
    store.dispose()


@pytest.mark.parametrize("batch", [1, 3, 500])
def test_deleting_the_column_a_dataset_tag_flowed_through_retracts_it(store: Store, batch: int) -> None:
    """d1 carries a tag; its column b feeds d0.a, so d0 gets the tag. Deleting d1.b drops that edge:
    the deleted column is not in the live graph, and the tag on d1 must still be recomputed."""
    tenant = new_tenant(store)
    apply(store, tenant, *(UpsertAsset(ref=ds(i), type=AssetType.TABLE,
                                       columns=[ColumnSpec(name="a"), ColumnSpec(name="b")]) for i in range(2)))
    consumer = PropagationConsumer(store, batch_size=batch)
    apply(store, tenant, AddClassification(ref=ds(1), tag="PII.email"),
          AddLineage(source=ds(1).column("b"), target=ds(0).column("a")))
    consumer.drain()
    assert [c.tag for c in propagated(store, tenant, ds(0))] == ["PII.email"]
    apply(store, tenant, DeleteAsset(ref=ds(1).column("b")))
    consumer.drain()
    assert propagated(store, tenant, ds(0)) == []


# --- incremental == full recompute, over random operation sequences --------------------------------

REFS = [ds(i) for i in range(4)] + [ds(i).column(c) for i in range(4) for c in ("a", "b")]
TAGS = ["PII.email", "GDPR.personal"]


@st.composite
def operation(draw):
    kind = draw(st.sampled_from(["tag", "tag", "untag", "edge", "edge", "edge", "unedge", "delete", "revive"]))
    if kind in ("tag", "untag"):
        ref, tag = draw(st.sampled_from(REFS)), draw(st.sampled_from(TAGS))
        source = draw(st.sampled_from([ClassificationSource.DIRECT, ClassificationSource.DETECTED]))
        if kind == "untag":
            return RemoveClassification(ref=ref, tag=tag, source=source)
        return AddClassification(ref=ref, tag=tag, source=source, propagate=draw(st.integers(0, 3)) > 0)
    if kind in ("edge", "unedge"):
        i, j = draw(st.integers(0, 3)), draw(st.integers(0, 3))
        if draw(st.booleans()):
            a, b = draw(st.sampled_from("ab")), draw(st.sampled_from("ab"))
            src, dst = ds(i).column(a), ds(j).column(b)
        else:
            src, dst = ds(i), ds(j)
        if kind == "unedge":
            return RemoveLineage(source=src, target=dst)
        return AddLineage(source=src, target=dst, masking=draw(st.integers(0, 5)) == 0,
                          block_list=draw(st.sampled_from([[], [], ["PII.*"], ["gdpr.personal"]])))
    if kind == "delete":
        return DeleteAsset(ref=draw(st.sampled_from(REFS)))
    i = draw(st.integers(0, 3))
    return UpsertAsset(ref=ds(i), type=AssetType.TABLE, columns=[ColumnSpec(name="a"), ColumnSpec(name="b")])


def _world(store: Store, tenant: str) -> None:
    apply(store, tenant, *(UpsertAsset(ref=ds(i), type=AssetType.TABLE,
                                       columns=[ColumnSpec(name="a"), ColumnSpec(name="b")]) for i in range(4)))


@pytest.fixture(scope="module")
def prop_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    from lily.store.migrate import upgrade

    s = Store.from_url(f"sqlite:///{tmp_path_factory.mktemp('prop') / 'lily.db'}")
    upgrade(s.engine)
    yield s
    s.dispose()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(operation(), min_size=1, max_size=14), batch=st.sampled_from([1, 3, 500]))
def test_incremental_rounds_equal_a_full_recompute(prop_store: Store, ops: list, batch: int) -> None:
    store = prop_store
    tenant = new_tenant(store)
    _world(store, tenant)
    consumer = PropagationConsumer(store, batch_size=batch)
    full = PropagationLimits(time_budget_s=None)
    for op in ops:
        try:
            apply(store, tenant, op)
        except ApplyError:  # e.g. tagging a deleted asset: refused, nothing changed
            continue
        consumer.drain()
        with store.read() as conn:
            snap = SnapshotLoader(conn, tenant).full()
        result = propagate(snap.graph(), snap.classifications, full)
        assert result.is_empty, (op, result.to_add, result.to_remove, result.to_update)
