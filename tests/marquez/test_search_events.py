"""Marquez ``/search`` and ``/events/lineage`` (the raw OpenLineage events, read from the inbox)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from lily.inbound.sources import openlineage
from lily.model.identity import event_id
from lily.store import inbox
from tests.api.conftest import Env
from tests.inbound.samples import openlineage_events
from tests.marquez.conftest import get, ingest_samples

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_search_by_name_pattern(env: Env) -> None:
    ingest_samples(env.store, "dbt_model_complete_columnlineage.json", "dbt_test_complete_dataquality_assertions.json")
    body = get(env, "/search", q="customer_analytics")
    assert set(body) == {"totalCount", "results"} and body["totalCount"] == len(body["results"]) == 3
    assert [(r["type"], r["name"]) for r in body["results"]] == [
        ("DATASET", "dbt_test.main.customer_analytics"),
        ("JOB", "dbt_test.main.openlineage_compatibility_test.customer_analytics"),
        ("JOB", "dbt_test.main.openlineage_compatibility_test.customer_analytics.test")]
    first = body["results"][0]
    assert set(first) == {"type", "name", "updatedAt", "namespace", "nodeId"}
    assert first["nodeId"] == "dataset:postgres://localhost:5432:dbt_test.main.customer_analytics"
    assert get(env, "/lineage", nodeId=first["nodeId"])["graph"]  # a result's nodeId is a valid lineage start
    jobs = get(env, "/search", q="CUSTOMER", filter="JOB", limit=1)
    assert [r["type"] for r in jobs["results"]] == ["JOB"]
    assert get(env, "/search", q="stg_%ers", filter="dataset")["totalCount"] == 2  # % is a wildcard
    assert get(env, "/search", q="zzz")["results"] == []
    assert get(env, "/search", q="customer\\")["results"] == []  # a literal backslash, not an escape
    assert get(env, "/search", q="customer", namespace="dbt", sort="UPDATE_AT")["totalCount"] == 2
    # filter, sort and before outside their declared values (enums in any case, a date): 422.
    for params in ({"q": "x", "filter": "table"}, {"q": "x", "sort": "size"}, {"q": "x", "before": "yesterday"}):
        resp = env.client.get("/api/v1/search", params=params, headers=env.admin_headers)
        assert resp.status_code == 422, params
        assert resp.json()["code"] == 422 and resp.json()["message"] == resp.json()["detail"]
    # q is required and not empty, as the schema says; whitespace is a pattern like any other.
    for params in ({}, {"q": ""}, {"q": "x" * 1001}, {"q": "%" * 17}, {"q": "a\x00"}):
        resp = env.client.get("/api/v1/search", params=params, headers=env.admin_headers)
        assert resp.status_code == 422, params
    assert get(env, "/search", q="  ")["results"] == []


def test_tags_are_the_classifications_in_use(env: Env) -> None:
    ingest_samples(env.store, "dbt_model_complete_columnlineage.json")
    assert get(env, "/tags") == {"tags": []}
    column = next(c for c in env.client.get("/api/v1/assets", params={"q": "customer_analytics email"},
                                            headers=env.admin_headers).json()["items"] if c["field"] == "email")
    assert env.client.post(f"/api/v1/assets/{column['id']}/classifications", json={"tag": "PII.email"},
                           headers=env.admin_headers).status_code == 201
    assert get(env, "/tags") == {"tags": [{"name": "PII.email", "description": None}]}
    dataset = get(env, "/namespaces/postgres%3A%2F%2Flocalhost%3A5432/datasets/dbt_test.main.customer_analytics")
    assert next(f for f in dataset["fields"] if f["name"] == "email")["tags"] == ["PII.email"]


def store_inbound(env: Env, tenant: str, events: list[dict[str, Any]], status: str = "applied",
                  start: datetime = T0) -> None:
    rows = []
    for i, event in enumerate(events):
        key = openlineage.idempotency_key(event)
        at = start + timedelta(minutes=i)
        rows.append({"id": event_id(tenant, "openlineage", key), "tenant_id": tenant, "source": "openlineage",
                     "event_type": event.get("eventType"), "idempotency_key": key, "partition": 0,
                     "payload": json.dumps(event).encode(), "headers": {}, "actor": "test", "correlation_id": None,
                     "status": status, "attempts": 1, "available_at": at, "received_at": at})
    with env.store.inbox_write() as conn:
        inbox.insert_received(conn, rows)


@pytest.fixture
def events(env: Env) -> list[dict[str, Any]]:
    received = [*openlineage_events("dbt_run_start_tags.json"), *openlineage_events("dbt_model_complete_columnlineage.json"),
                *openlineage_events("python_client_job_event.json")]
    store_inbound(env, "default", received)
    store_inbound(env, "default", openlineage_events("airflow_dag_start.json"), status="failed",
                  start=T0 + timedelta(hours=1))
    store_inbound(env, "other", openlineage_events("spark_dataproc_insert_complete.json"))
    return received


def test_raw_events_as_received(env: Env, events: list[dict[str, Any]]) -> None:
    body = get(env, "/events/lineage")
    assert set(body) == {"events", "totalCount"} and body["totalCount"] == 3
    assert body["events"] == list(reversed(events))  # exactly as sent, newest first
    asc = get(env, "/events/lineage", sortDirection="asc", limit=2, offset=1)
    assert asc["events"] == events[1:3] and asc["totalCount"] == 3
    window = get(env, "/events/lineage", after=T0.isoformat(), before=(T0 + timedelta(minutes=2)).isoformat())
    assert window["events"] == [events[1]]


def test_events_lineage_is_not_taken_for_an_event_id(env: Env, events: list[dict[str, Any]]) -> None:
    resp = env.client.get("/api/v1/events/lineage", params={"limit": 1}, headers=env.admin_headers)
    assert resp.status_code == 200 and resp.json()["events"] == [events[-1]]
    bad = env.client.get("/api/v1/events/lineage", params={"before": "not a time"}, headers=env.admin_headers)
    assert bad.status_code == 422 and bad.json()["detail"].startswith("query.before: ")
