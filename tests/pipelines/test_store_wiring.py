"""Catalog wiring: a run applies its catalog events through ``Store.apply`` into the tenant's catalog."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from lily.bootstrap import ensure_tenant
from lily.model import AssetRef, Direction, LineageLevel, asset_id
from lily.pipelines import demo
from lily.pipelines.delta import read_all
from lily.pipelines.lake import Lake
from lily.pipelines.runs import State
from lily.pipelines.schema import GOLD_COLUMNS, SILVER_COLUMNS
from lily.pipelines.wiring import store_runner
from lily.store import Store, catalog
from lily.store import lineage as lineage_store
from lily.store.feed import audit_records, changes_after

from .conftest import FakeClock

D1 = date(2024, 1, 1)


def test_runs_publish_datasets_schema_counts_owners_and_column_lineage(database_url: str, tmp_path: Path) -> None:
    store = Store.from_url(database_url)
    ensure_tenant(store, "default")
    ensure_tenant(store, "other")
    lake = Lake(tmp_path / "lake")
    lake.ensure()
    demo.write_files(lake, demo.generate(D1, 2, seed=5, per_file=20))
    runner = store_runner(store, lake, tenant_id="default", clock=FakeClock(), threads=1)
    first = runner.run(D1)
    assert first.state is State.SUCCEEDED
    ns = lake.namespace()

    with store.read() as conn:
        silver = catalog.get_by_ref(conn, "default", AssetRef(namespace=ns, name="silver/logs"))
        gold = catalog.get_by_ref(conn, "default", AssetRef(namespace=ns, name="gold/daily_activity"))
        assert silver is not None and gold is not None
        assert silver.attributes["partitions"] == ["log_type", "event_date"]
        assert silver.attributes["row_count"] == read_all(lake.silver).num_rows > 0
        assert gold.attributes["partitions"] == ["event_date"] and gold.attributes["format"] == "delta"
        assert [o.name for o in silver.owners] == ["platform-team"]
        assert [c.ref.field for c in catalog.columns_of(conn, "default", silver.id)] == [c[0] for c in SILVER_COLUMNS]
        assert [c.ref.field for c in catalog.columns_of(conn, "default", gold.id)] == [c[0] for c in GOLD_COLUMNS]
        # column lineage: gold p95 <- silver latency_ms <- each bronze alias of it
        p95 = asset_id("default", gold.ref.column("p95_latency_ms"))
        up = lineage_store.traverse(conn, "default", p95, Direction.UPSTREAM, 5, LineageLevel.COLUMN)
        reached = catalog.get_many(conn, "default", [n.asset_id for n in up])
        names = {(a.ref.name, a.ref.field) for a in reached.values()}
        assert ("silver/logs", "latency_ms") in names
        assert {("bronze/ndjson", "latency_ms"), ("bronze/json_gzip", "duration_ms")} <= names
        # nothing leaked into another tenant
        assert catalog.get_by_ref(conn, "other", silver.ref) is None
        edges_before = len(lineage_store.edges_of(conn, "default", silver.id))
        feed = changes_after(conn, "default", 0, limit=10_000)
        audit = audit_records(conn, "default", actor="pipeline:logs", limit=50)

    assert {c.correlation_id for c in feed if c.actor == "pipeline:logs"} == {first.run_id}
    assert audit and all(a["correlation_id"] == first.run_id for a in audit)

    # the next day updates counts in place: same assets, same edges
    second = runner.run(D1 + timedelta(days=1))
    assert second.state is State.SUCCEEDED
    with store.read() as conn:
        again = catalog.get_by_ref(conn, "default", silver.ref)
        assert again is not None and again.id == silver.id
        assert again.attributes["row_count"] == read_all(lake.silver).num_rows > silver.attributes["row_count"]
        assert len(lineage_store.edges_of(conn, "default", silver.id)) == edges_before
    store.dispose()
