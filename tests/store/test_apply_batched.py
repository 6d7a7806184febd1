"""The inbound worker's shape of the apply path — many change sets in one transaction, their change
rows, audit rows and search documents written once at the end (``write_deferred``), an event that
fails rolled back to its savepoint — must store exactly what applying each change set in its own
transaction stores: catalog rows, change feed, audit rows and search documents.

Oracle: the same change sets through ``Store.apply`` one by one (no cache, nothing deferred), in
another tenant of the same database; ids differ between tenants, so rows are compared by identity.
The operations are those of the sources whose fast paths this guards: S3 objects under a few
buckets (created, re-created, deleted), tables with columns and tags (generic events), column
lineage written by several jobs into one shared table (OpenLineage), runs naming them, and
incident updates whose enrichment (blast radius) is memoised while the catalog does not change.
"""

from __future__ import annotations

import contextlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from lily.model import (
    AddClassification,
    AddLineage,
    AssetRef,
    AssetType,
    ChangeSet,
    ClassificationSource,
    ColumnSpec,
    DeleteAsset,
    RecordRun,
    RemoveClassification,
    RunState,
    UpsertAsset,
    UpsertIncident,
    asset_id,
)
from lily.store import Store, catalog
from lily.store.accounts import create_tenant
from lily.store.apply import ApplyError, apply_in, write_deferred
from lily.store.apply.assets import stored_attributes
from lily.store.apply_cache import ApplyCache
from lily.store.tables import assets, audit_log, changes, classifications, lineage_edges, search_docs
from lily.store.tables_runs import incident_assets, incidents, run_io, runs

NS = "postgres://db:5432"
T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)

buckets = st.sampled_from(["s3://exports", "s3://logs"])
keys = st.sampled_from(["a/part-1.parquet", "a/part-2.parquet", "b/x.csv.gz"])


def _object(ns: str, key: str, seq: int, size: int | None) -> list[Any]:
    bucket = AssetRef(namespace=ns, name="")
    attributes: dict[str, Any] = {"sequencer": f"{seq:04X}"} | ({"size": size} if size is not None else {})
    return [UpsertAsset(ref=bucket, type=AssetType.S3_BUCKET, display_name=ns, attributes={"region": "eu"}),
            UpsertAsset(ref=AssetRef(namespace=ns, name=key), type=AssetType.S3_OBJECT, parent=bucket,
                        display_name=key.rsplit("/", 1)[-1], attributes=attributes)]


created = st.builds(_object, buckets, keys, st.integers(0, 20), st.none() | st.integers(0, 9))
removed = st.builds(lambda ns, key: [DeleteAsset(ref=AssetRef(namespace=ns, name=key))], buckets, keys)
deleted_bucket = st.builds(lambda ns: [DeleteAsset(ref=AssetRef(namespace=ns, name=""))], buckets)

fields = st.lists(st.sampled_from(["id", "email", "segment"]), unique=True, max_size=3)
tags = st.sampled_from(["PII.email", "gold"])


def table_upserts(tables: st.SearchStrategy[str]) -> st.SearchStrategy[list[Any]]:
    return st.builds(
        lambda name, cols, desc, replace: [UpsertAsset(
            ref=AssetRef(namespace=NS, name=name), type=AssetType.TABLE, description=desc, replace_columns=replace,
            columns=[ColumnSpec(name=c, description=f"{c} column", data_type="text") for c in cols])],
        tables, fields, st.none() | st.sampled_from(["Customers", "Orders"]), st.booleans())


def tag_changes(tables: st.SearchStrategy[str], kind: type) -> st.SearchStrategy[list[Any]]:
    return st.builds(lambda name, fld, tag: [kind(
        ref=AssetRef(namespace=NS, name=name, field=fld), tag=tag, source=ClassificationSource.IMPORTED)],
        tables, st.sampled_from(["", "email"]), tags)


def table_deletes(tables: st.SearchStrategy[str]) -> st.SearchStrategy[list[Any]]:
    return st.builds(lambda name: [DeleteAsset(ref=AssetRef(namespace=NS, name=name))], tables)


tables = st.sampled_from(["shop.users", "shop.orders", "shop.events"])
table_upsert, table_deleted = table_upserts(tables), table_deletes(tables)
tagged, untagged = tag_changes(tables, AddClassification), tag_changes(tables, RemoveClassification)
# Several jobs writing one shared table, each run with its own id.
lineage = st.builds(lambda job, src, run: [AddLineage(
    source=AssetRef(namespace=NS, name=src, field="id"), target=AssetRef(namespace=NS, name="shop.events", field="id"),
    job=AssetRef(namespace="dbt", name=f"job{job}"), run_id=run)],
    st.integers(0, 2), st.sampled_from(["shop.users", "shop.orders"]), st.sampled_from(["r1", "r2", "r3"]))
run = st.builds(lambda job, run, done, src: [RecordRun(
    run_id=run, job=AssetRef(namespace="dbt", name=f"job{job}"),
    state=RunState.COMPLETED if done else RunState.RUNNING, event_type="COMPLETE" if done else "START",
    event_time=T0, inputs=[AssetRef(namespace=NS, name=src)], outputs=[AssetRef(namespace=NS, name="shop.events")])],
    st.integers(0, 2), st.sampled_from(["r1", "r2", "r3"]), st.booleans(), st.sampled_from(["shop.users", "shop.orders"]))

# Monte Carlo: updates of two incidents on the tables, whose enrichment (owners, tags, blast radius
# downstream) reads the catalog the other events change.
def incidents_on(tables: st.SearchStrategy[str]) -> st.SearchStrategy[list[Any]]:
    return st.builds(lambda ext, name, status, second: [UpsertIncident(
        source="monte_carlo", external_id=f"i{ext}", affected=[AssetRef(namespace=NS, name=name)], status=status,
        update={"alert_feedback": status, "n": second}, observed_at=T0 + timedelta(seconds=second))],
        st.integers(0, 1), tables, st.sampled_from(["open", "investigating", "resolved"]), st.integers(0, 5))


incident = incidents_on(tables)

event = st.one_of(created, created, removed, deleted_bucket, table_upsert, tagged, untagged, table_deleted,
                  lineage, run, incident, incident)
# (operations of one event, whether it fails after it was applied: rolled back to its savepoint)
batches = st.lists(st.tuples(st.lists(event, min_size=1, max_size=3).map(lambda parts: [op for part in parts for op in part]),
                             st.sampled_from([False, False, False, True])),
                   min_size=1, max_size=12)


class Injected(Exception):
    pass


def _names(conn: Any, tenant: str) -> dict[str, Any]:
    """Every id of ``tenant``'s rows (assets, edges, classifications) -> an identity the same in any tenant."""
    out: dict[str, Any] = {}
    rows = conn.execute(select(assets).where(assets.c.tenant_id == tenant)).mappings().all()
    for r in rows:
        out[str(r["id"])] = ("asset", r["namespace"], r["name"], r["field"])
    for r in conn.execute(select(lineage_edges).where(lineage_edges.c.tenant_id == tenant)).mappings():
        out[str(r["id"])] = ("edge", out[str(r["source_id"])], out[str(r["target_id"])])
    for r in conn.execute(select(classifications).where(classifications.c.tenant_id == tenant)).mappings():
        out[str(r["id"])] = ("tag", out[str(r["asset_id"])], r["tag"])
    return out


def _norm(value: Any, names: dict[str, Any]) -> Any:
    """``value`` with every id replaced by its identity (ids of rows gone since: a placeholder)."""
    if isinstance(value, dict):
        return {k: _norm(v, names) for k, v in value.items() if k != "tenant_id"}
    if isinstance(value, list | tuple):
        return [_norm(v, names) for v in value]
    if isinstance(value, uuid.UUID):
        value = str(value)
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            uuid.UUID(value)
            return names.get(value, "<gone>")
    return value


def _state(store: Store, tenant: str) -> dict[str, Any]:
    with store.read() as conn:
        names = _names(conn, tenant)

        def rows(table: Any, *order: str) -> list[Any]:
            found = conn.execute(select(table).where(table.c.tenant_id == tenant)).mappings().all()
            out = [_norm({k: v for k, v in r.items() if k not in order}, names) for r in found]
            return sorted(out, key=repr)

        feed = conn.execute(select(changes).where(changes.c.tenant_id == tenant).order_by(changes.c.seq)).mappings()
        # Within one change set the order of rows may follow ids (so the tenant): compared as a multiset
        # per change set, change sets in order.
        by_set: dict[Any, list[Any]] = {}
        for r in feed:
            row = {k: v for k, v in r.items() if k not in ("seq", "id", "cause_event_id", "correlation_id")}
            by_set.setdefault(r["at"], []).append(repr(_norm(row, names)))
        audit = conn.execute(select(audit_log).where(audit_log.c.tenant_id == tenant).order_by(audit_log.c.at))
        docs = conn.execute(select(search_docs.c.asset_id, search_docs.c.body).where(
            search_docs.c.tenant_id == tenant)).all()
        return {
            "assets": rows(assets, "id", "parent_id"),
            "edges": rows(lineage_edges, "id"),
            "classifications": rows(classifications, "id", "created_at"),
            "runs": rows(runs, "id"),
            "run_io": rows(run_io, "id"),
            "incidents": rows(incidents, "seq", "id"),
            "incident_assets": rows(incident_assets, "incident_id"),
            "changes": [sorted(v) for _, v in sorted(by_set.items())],
            "audit": [_norm({k: v for k, v in r._mapping.items() if k not in ("id", "correlation_id")}, names)
                      | {"details": {k: v for k, v in r.details.items() if k != "cause_event_id"}}
                      for r in audit],
            "search": sorted((names[str(aid)], sorted(body.split())) for aid, body in docs),
        }


def _tenants(store: Store) -> tuple[str, str]:
    batched, plain = f"b-{uuid.uuid4().hex[:8]}", f"p-{uuid.uuid4().hex[:8]}"
    with store.write() as conn:
        create_tenant(conn, batched, "batched", T0)
        create_tenant(conn, plain, "plain", T0)
    return batched, plain


def _changeset(tenant: str, i: int, ops: list[Any]) -> ChangeSet:
    return ChangeSet(tenant_id=tenant, actor="inbound:test", operations=ops, at=T0 + timedelta(seconds=i),
                     cause_event_id=f"e{i}", correlation_id=f"e{i}")


class _Redo(Exception):
    def __init__(self, index: int) -> None:
        super().__init__(index)
        self.index = index


def _as_the_worker(store: Store, tenant: str, batch: list[tuple[list[Any], bool]], cache: ApplyCache,
                   start: int = 0) -> ApplyCache:
    """One transaction: prefetch, every change set deferred; an event that fails goes alone under a
    savepoint after the ones before it were written (``InboundWorker._alone``), and one the apply
    path refuses rolls the transaction back, which is done again with it alone (a fresh cache)."""
    alone: set[int] = {i for i, (_, fails) in enumerate(batch, start) if fails}
    while True:
        try:
            with store.write() as conn:
                cache.revalidate(conn)
                cache.prefetch(conn, tenant, [op for ops, _ in batch for op in ops])
                for i, (ops, fails) in enumerate(batch, start):
                    if i not in alone:
                        try:
                            apply_in(conn, _changeset(tenant, i, ops), cache)
                        except ApplyError as exc:
                            raise _Redo(i) from exc
                        continue
                    write_deferred(conn, cache)
                    savepoint = conn.begin_nested()
                    try:
                        apply_in(conn, _changeset(tenant, i, ops), cache)
                        write_deferred(conn, cache)
                        if fails:
                            raise Injected
                        savepoint.commit()
                    except (Injected, ApplyError):
                        savepoint.rollback()
                        cache.clear()
                write_deferred(conn, cache)
            return cache
        except _Redo as redo:
            alone.add(redo.index)
            cache = ApplyCache(defer_changes=True)


def _one_by_one(store: Store, tenant: str, batch: list[tuple[list[Any], bool]], start: int = 0) -> None:
    for i, (ops, fails) in enumerate(batch, start):
        if not fails:
            with contextlib.suppress(ApplyError):  # refused: nothing of it is stored, as in the worker
                store.apply(_changeset(tenant, i, ops))


def _compare(store: Store, batched: str, plain: str) -> None:
    got, want = _state(store, batched), _state(store, plain)
    for key in want:
        assert got[key] == want[key], key


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=batches)
def test_a_batch_applied_as_the_worker_does_stores_what_one_by_one_stores(store: Store, batch: list) -> None:
    batched, plain = _tenants(store)
    _as_the_worker(store, batched, batch, ApplyCache(defer_changes=True))
    _one_by_one(store, plain, batch)
    _compare(store, batched, plain)


# Incident updates on one table between the changes their enrichment reads (its tags, its columns,
# its deletion, the lineage downstream of it).
users = st.just("shop.users")
enriched = st.lists(st.tuples(st.one_of(incidents_on(users), incidents_on(users), lineage, table_upserts(users),
                                        tag_changes(users, AddClassification), tag_changes(users, RemoveClassification),
                                        table_deletes(users)),
                              st.sampled_from([False, False, False, True])), min_size=2, max_size=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=enriched)
def test_incident_enrichment_in_a_batch_follows_the_catalog(store: Store, batch: list) -> None:
    """The blast radius is memoised while the catalog does not change: an update after a change it
    reads (a tag, a delete, an edge downstream) must see it."""
    batched, plain = _tenants(store)
    _as_the_worker(store, batched, batch, ApplyCache(defer_changes=True))
    _one_by_one(store, plain, batch)
    _compare(store, batched, plain)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=batches, second=batches)
def test_two_batches_with_a_kept_cache_store_what_one_by_one_stores(store: Store, first: list, second: list) -> None:
    """The worker keeps its cache from one transaction to the next on SQLite."""
    batched, plain = _tenants(store)
    cache = _as_the_worker(store, batched, first, ApplyCache(defer_changes=True))
    _as_the_worker(store, batched, second, cache, start=100)
    _one_by_one(store, plain, first)
    _one_by_one(store, plain, second, start=100)
    _compare(store, batched, plain)


def test_another_job_restating_an_edge_records_no_change(store: Store) -> None:
    """Many jobs writing one table restate its edges: the edge keeps the job that created or last
    changed it (as it keeps the run), the jobs' runs record what each read and wrote."""
    src, dst = AssetRef(namespace=NS, name="users", field="id"), AssetRef(namespace=NS, name="events", field="id")
    job = [AssetRef(namespace="dbt", name=f"load{i}") for i in range(3)]

    def edge(i: int, **extra: Any) -> ChangeSet:
        return ChangeSet(tenant_id="acme", actor="t", operations=[
            AddLineage(source=src, target=dst, job=job[i], run_id=f"r{i}", **extra)])

    def lineage_changes(cs: ChangeSet) -> list[tuple[str, Any]]:  # a job's first run creates the job too
        return [(c["kind"], c["after"]) for c in store.apply(cs).changes if c["entity_type"] == "lineage_edge"]

    ids = [str(asset_id("acme", j)) for j in job]
    store.apply(ChangeSet(tenant_id="acme", actor="t", operations=[AddLineage(source=src, target=dst)]))
    # an edge without a job gets the first one naming it
    assert lineage_changes(edge(0)) == [("lineage.updated", {"job_id": ids[0], "run_id": "r0"})]
    assert lineage_changes(edge(1)) == []
    assert lineage_changes(edge(2, masking=True)) == [
        ("lineage.updated", {"masking": True, "run_id": "r2", "job_id": ids[2]})]
    with store.read() as conn:
        row = conn.execute(select(lineage_edges).where(lineage_edges.c.tenant_id == "acme")).mappings().one()
    assert (str(row["job_id"]), row["run_id"], row["masking"]) == (ids[2], "r2", True)


def test_an_incident_update_after_a_tag_sees_it(store: Store) -> None:
    users = AssetRef(namespace=NS, name="shop.users")

    def update(n: int) -> list[Any]:
        return [UpsertIncident(source="monte_carlo", external_id="i1", affected=[users], status="open",
                               update={"n": n}, observed_at=T0 + timedelta(seconds=n))]

    batch = [([UpsertAsset(ref=users, type=AssetType.TABLE)], False), (update(1), False),
             ([AddClassification(ref=users, tag="PII.email")], False), (update(2), False), (update(3), False)]
    batched, plain = _tenants(store)
    _as_the_worker(store, batched, batch, ApplyCache(defer_changes=True))
    _one_by_one(store, plain, batch)
    _compare(store, batched, plain)
    with store.read() as conn:
        enrichment = conn.execute(select(incidents.c.enrichment).where(incidents.c.tenant_id == batched)).scalar_one()
    assert enrichment["classifications"] == ["PII.email"]


S3_REFS = [AssetRef(namespace=ns, name=name) for ns in ("s3://exports", "s3://logs")
           for name in ("", "a/part-1.parquet", "a/part-2.parquet", "b/x.csv.gz")]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.lists(st.one_of(created, created, removed, deleted_bucket), min_size=1, max_size=8),
       second=st.lists(st.one_of(created, created, removed, deleted_bucket), min_size=1, max_size=8))
def test_stored_attributes_through_the_cache_are_what_the_database_holds(store: Store, first: list,
                                                                          second: list) -> None:
    """S3's staleness check reads the objects' attributes through the worker's cache: at every point
    of a transaction (and of the next one, the cache kept) they are what a query returns."""
    tenant, _ = _tenants(store)
    cache = ApplyCache(defer_changes=True)
    for start, batch in ((0, first), (100, second)):
        with store.write() as conn:
            cache.revalidate(conn)
            cache.prefetch(conn, tenant, [op for ops in batch for op in ops])
            for i, ops in enumerate(batch, start):
                assert stored_attributes(conn, cache, tenant, S3_REFS) == catalog.asset_attributes(conn, tenant, S3_REFS)
                apply_in(conn, _changeset(tenant, i, ops), cache)
            write_deferred(conn, cache)
            assert stored_attributes(conn, cache, tenant, S3_REFS) == catalog.asset_attributes(conn, tenant, S3_REFS)
