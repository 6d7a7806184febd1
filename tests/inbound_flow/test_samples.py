"""Every shared sample posted through the API is accepted, applied, and ends up in the catalog.

Each sample goes to its own tenant, so samples that name the same objects do not interfere.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from lily.bootstrap import ensure_tenant
from lily.inbound.sources import get_source, s3
from lily.model import AddLineage, AssetStatus, DeleteAsset, RenameAsset, Role, UpsertAsset
from tests.inbound.samples import (
    MONTECARLO,
    OPENLINEAGE,
    S3,
    TEMPLATED,
    load,
    openlineage_events,
    openlineage_sample_names,
)
from tests.inbound_flow.conftest import Flow

DBT_PG = "postgres://localhost:5432"
_tenants = itertools.count()


def tenant_of(flow: Flow) -> tuple[str, dict[str, str]]:
    tenant = f"s{next(_tenants)}"
    ensure_tenant(flow.env.store, tenant)
    return tenant, flow.env.key(Role.ADMIN, tenant=tenant)


def assert_settled_as_parsed(flow: Flow, tenant: str, source: str, events: list[Any]) -> list[list[Any]]:
    """Each event applied once, with its assets, columns and edges in the catalog."""
    rows = {r["id"]: r for r in flow.rows() if r["tenant_id"] == tenant}
    assert len(rows) == len({get_source(source).idempotency_key(e) for e in events})
    applied_ops: list[list[Any]] = []
    for event in events:
        ops = get_source(source).parse(event, received_at=datetime.now(UTC))
        row = next(r for r in rows.values() if orjson.loads(r["payload"]) == event)
        assert row["status"] == "applied", row["error"]
        assert row["changes"] == flow.change_causes(tenant).count(str(row["id"]))
        applied_ops.append(ops)
    final = [op for ops in applied_ops for op in ops]
    gone = {op.ref for op in final if isinstance(op, DeleteAsset | RenameAsset)}
    edges = flow.edges(tenant)
    for op in final:
        if isinstance(op, UpsertAsset) and op.ref not in gone:
            asset = flow.asset(op.ref.namespace, op.ref.name, op.ref.field, tenant=tenant)
            assert asset is not None and asset.status is AssetStatus.ACTIVE, op.ref
            assert asset.type == op.type
            for column in op.columns or []:
                assert flow.asset(op.ref.namespace, op.ref.name, column.name, tenant=tenant) is not None
        if isinstance(op, AddLineage) and not ({op.source, op.target} & gone):
            assert (op.source.qualified_name, op.target.qualified_name) in edges
    return applied_ops


@pytest.mark.parametrize("name", openlineage_sample_names())
def test_openlineage_samples(sqlite_flow: Flow, name: str) -> None:
    tenant, headers = tenant_of(sqlite_flow)
    events = openlineage_events(name)
    raw = (OPENLINEAGE / name).read_bytes()
    if len(events) == 1 and name != TEMPLATED:
        resp = sqlite_flow.post("/api/v1/lineage", raw, headers=headers)
        assert resp.status_code == 201 and resp.content == b""
    else:
        resp = sqlite_flow.post("/api/v1/lineage/batch", events, headers=headers)
        assert resp.status_code == 200 and resp.json()["status"] == "success", resp.text
    sqlite_flow.drain()
    assert_settled_as_parsed(sqlite_flow, tenant, "openlineage", events)


def test_openlineage_job_event_and_dataset_event_catalog(sqlite_flow: Flow) -> None:
    tenant, headers = tenant_of(sqlite_flow)
    for name in ("python_client_job_event.json", "marquez_test_dataset_event.json"):
        assert sqlite_flow.post("/api/v1/lineage", (OPENLINEAGE / name).read_bytes(), headers=headers).status_code == 201
    sqlite_flow.drain()
    assert sqlite_flow.edges(tenant) == {("openlineage/dataset_a", "openlineage/dataset_b")}
    job = sqlite_flow.asset("openlineage", "name", tenant=tenant)
    assert job.type.value == "job"
    ds = sqlite_flow.asset("my-dataset-namespace", "my-dataset-name", tenant=tenant)
    col = sqlite_flow.asset("my-dataset-namespace", "my-dataset-name", "col_a", tenant=tenant)
    assert ds.type.value == "dataset" and col.attributes["data_type"] == "VARCHAR"


def test_dbt_column_lineage_sample_catalog(sqlite_flow: Flow) -> None:
    tenant, headers = tenant_of(sqlite_flow)
    name = "dbt_model_complete_columnlineage.json"
    assert sqlite_flow.post("/api/v1/lineage", (OPENLINEAGE / name).read_bytes(), headers=headers).status_code == 201
    sqlite_flow.drain()
    out = f"{DBT_PG}/dbt_test.main.customer_analytics"
    column_edges = {(s, t) for s, t in sqlite_flow.edges(tenant) if "#" in t}
    assert (f"{DBT_PG}/dbt_test.main.stg_customers#email", f"{out}#email") in column_edges
    assert len(column_edges) == 9
    assert {(f"{DBT_PG}/dbt_test.main.stg_orders", out), (f"{DBT_PG}/dbt_test.main.stg_customers", out)} <= \
        sqlite_flow.edges(tenant)


@pytest.mark.parametrize("path", sorted(S3.glob("*.json")), ids=lambda p: p.name)
def test_s3_samples(sqlite_flow: Flow, path: Any) -> None:
    tenant, headers = tenant_of(sqlite_flow)
    payload = load(path)
    resp = sqlite_flow.post("/api/v1/webhooks/s3", payload, headers=headers)
    assert resp.status_code == 200, resp.text
    records = get_source("s3").split(payload)
    assert resp.json()["accepted"] == len(records)
    sqlite_flow.drain()
    applied = assert_settled_as_parsed(sqlite_flow, tenant, "s3", records)
    events = [e for r in records for e in s3.events(r)] if records else []
    for event in events:
        obj = sqlite_flow.asset(f"s3://{event.bucket}", event.key, tenant=tenant)
        bucket = sqlite_flow.asset(f"s3://{event.bucket}", "", tenant=tenant)
        if event.kind == "created":
            assert obj.status is AssetStatus.ACTIVE and obj.attributes["size"] == event.size
            assert obj.attributes["sequencer"] == event.sequencer and bucket.type.value == "s3_bucket"
            assert obj.parent_id == bucket.id
        elif event.kind == "removed":
            assert obj.status is AssetStatus.DELETED and obj.attributes["deleted_at"]
    if not records:
        assert (applied == [] and sqlite_flow.rows() == []) or all(r["tenant_id"] != tenant for r in sqlite_flow.rows())


@pytest.mark.parametrize("name", ["montecarlo_webhook_custom_rule_breach.json",
                                  "montecarlo_webhook_anomaly_incident_abbrev.json"])
def test_monte_carlo_samples_signed(sqlite_flow: Flow, name: str) -> None:
    vectors = load(MONTECARLO / "montecarlo_signature_test_vectors_DERIVED.json")
    vector = next(v for v in vectors["vectors"] if v["file"] == name)
    tenant, headers = tenant_of(sqlite_flow)
    assert sqlite_flow.env.client.put("/api/v1/sources/monte-carlo/config", headers=headers,
                                      json={"secret": vectors["secret"]}).status_code == 200
    resp = sqlite_flow.env.client.post("/api/v1/webhooks/monte-carlo", params={"tenant": tenant},
                                       content=(MONTECARLO / name).read_bytes(),
                                       headers={"x-mcd-signature": vector["signature_mc_reference"]})
    assert resp.status_code == 200 and resp.json()["accepted"] == 1
    sqlite_flow.drain()
    payload = load(MONTECARLO / name)
    assert_settled_as_parsed(sqlite_flow, tenant, "monte_carlo", [payload])
    parsed = get_source("monte_carlo").parse(payload, received_at=datetime.now(UTC))
    [incident] = sqlite_flow.env.client.get("/api/v1/incidents", headers=headers).json()["items"]
    assert incident["source"] == "monte_carlo" and incident["external_id"] == payload["payload"]["incident_id"]
    assert incident["status"] == "open" and incident["link"] == payload["payload"]["url"]
    assert incident["title"] == (parsed[0].title or parsed[0].default_title) and incident["updates"] == 1
    # No mapping configured: the tables it names are kept as unresolved references, not dropped.
    assert incident["affected"] == [] and incident["unresolved"] == parsed[0].unresolved


def test_monte_carlo_mapping_links_assets_and_duplicates_fold(sqlite_flow: Flow) -> None:
    vectors = load(MONTECARLO / "montecarlo_signature_test_vectors_DERIVED.json")
    name = "montecarlo_webhook_anomaly_incident_abbrev.json"
    vector = next(v for v in vectors["vectors"] if v["file"] == name)
    tenant, headers = tenant_of(sqlite_flow)
    artemis = {"namespace": "bigquery", "name": "proj.zeus.artemis"}
    # The affected table exists in the catalog with an owner and a downstream consumer.
    sqlite_flow.env.client.post("/api/v1/assets", headers=headers, json={
        "type": "table", **artemis, "owners": [{"name": "ana@example.com"}]})
    sqlite_flow.env.client.post("/api/v1/edges", headers=headers, json={
        "source": artemis, "target": {"namespace": "looker", "name": "dash.kpis"}})
    config = {"secret": vectors["secret"], "mapping": {"tables": [{"table": "artemis", "ref": artemis}]}}
    assert sqlite_flow.env.client.put("/api/v1/sources/monte-carlo/config", headers=headers,
                                      json=config).status_code == 200
    for signature in (vector["signature_mc_reference"], vector["signature_raw_body"]):  # delivered twice
        resp = sqlite_flow.env.client.post("/api/v1/webhooks/monte-carlo", params={"tenant": tenant},
                                           content=(MONTECARLO / name).read_bytes(),
                                           headers={"x-mcd-signature": signature})
        assert resp.status_code == 200
    sqlite_flow.drain()
    [summary] = sqlite_flow.env.client.get("/api/v1/incidents", headers=headers).json()["items"]
    assert [a["qualified_name"] for a in summary["affected"]] == ["bigquery/proj.zeus.artemis"]
    assert summary["updates"] == 1 and summary["blast_radius_total"] >= 1


def s3_record(kind: str, sequencer: str, size: int = 10) -> dict[str, Any]:
    base = load(S3 / "powertools_s3Event.json")["Records"][0]
    record = {**base, "eventName": "ObjectCreated:Put" if kind == "created" else "ObjectRemoved:Delete",
              "s3": {**base["s3"], "object": {"key": "data/part 1.csv", "sequencer": sequencer}}}
    if kind == "created":
        record["s3"]["object"] |= {"size": size, "eTag": f"etag-{size}"}
    return record


HISTORY = [s3_record("created", "0A", 1), s3_record("removed", "0B"), s3_record("created", "0C", 3),
           s3_record("created", "0C1", 4)]


@pytest.mark.parametrize("order", [(0, 1, 2, 3), (3, 2, 1, 0), (1, 3, 0, 2), (2, 0, 3, 1)])
def test_s3_events_out_of_order_converge_to_the_latest(sqlite_flow: Flow, order: tuple[int, ...]) -> None:
    flow = sqlite_flow
    for i in order:
        assert flow.post("/api/v1/webhooks/s3", {"Records": [HISTORY[i]]}).status_code == 200
        flow.drain()
    obj = flow.asset("s3://lambda-artifacts-deafc19498e3f2df", "data/part 1.csv")
    assert obj.status is AssetStatus.ACTIVE and obj.attributes["size"] == 4
    assert obj.attributes["sequencer"] == "0C1" and obj.attributes["format"] == "csv"
    stale = [r for r in flow.rows() if r["note"] and r["note"].startswith("stale S3 event")]
    assert len(stale) == sum(1 for k, i in enumerate(order) if any(j > i for j in order[:k]))


def test_a_late_older_create_cannot_resurrect_a_deleted_object(flow: Flow) -> None:
    for record in (s3_record("removed", "0B"), s3_record("created", "0A", 1)):
        flow.post("/api/v1/webhooks/s3", {"Records": [record]})
        flow.drain()
    obj = flow.asset("s3://lambda-artifacts-deafc19498e3f2df", "data/part 1.csv")
    assert obj.status is AssetStatus.DELETED and "size" not in obj.attributes


def test_duplicates_leave_the_state_of_one_delivery(flow: Flow) -> None:
    job_event = (OPENLINEAGE / "marquez_test_job_event.json").read_bytes()
    flow.post("/api/v1/lineage", job_event)
    flow.post("/api/v1/webhooks/s3", {"Records": [HISTORY[0]]})
    flow.drain()
    once = flow.state()
    flow.post("/api/v1/lineage", job_event)
    flow.post("/api/v1/lineage", job_event, gzip_body=True)
    flow.post("/api/v1/webhooks/s3", {"Records": [HISTORY[0], HISTORY[0]]})
    # An SQS redelivery wraps the same record differently: same key, same event.
    flow.post("/api/v1/webhooks/s3", {"Records": [{"body": orjson.dumps({"Records": [HISTORY[0]]}).decode()}]})
    flow.drain()
    assert flow.state() == once
    assert len(flow.rows()) == 2


def test_the_same_object_key_in_two_tenants_is_two_assets(sqlite_flow: Flow) -> None:
    tenant, headers = tenant_of(sqlite_flow)
    for h in (sqlite_flow.headers, headers):
        sqlite_flow.post("/api/v1/webhooks/s3", {"Records": [HISTORY[0]]}, headers=h)
    sqlite_flow.drain()
    assert len(sqlite_flow.rows()) == 2
    assert sqlite_flow.asset("s3://lambda-artifacts-deafc19498e3f2df", "data/part 1.csv") is not None
    assert sqlite_flow.asset("s3://lambda-artifacts-deafc19498e3f2df", "data/part 1.csv", tenant=tenant) is not None
