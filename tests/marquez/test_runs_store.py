"""Runs and quality results as the apply path stores them (SQLite and PostgreSQL)."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from lily.inbound.sources import openlineage
from lily.model import AssetRef, ChangeSet, asset_id
from lily.store import Store
from lily.store import runs as run_store
from lily.store.accounts import create_tenant
from lily.store.feed import changes_after
from tests.inbound.samples import openlineage_events

RUN = str(uuid.UUID(int=7))
JOB = AssetRef(namespace="etl", name="orders.load")


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    s = Store.from_url(database_url)
    with s.write() as conn:
        create_tenant(conn, "acme", "Acme", datetime.now(UTC))
    yield s
    s.dispose()


def event(event_type: str | None, time: str, **run_facets: Any) -> dict[str, Any]:
    return {"eventType": event_type, "eventTime": time, "producer": "https://example.com/p",
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
            "run": {"runId": RUN, "facets": run_facets}, "job": {"namespace": JOB.namespace, "name": JOB.name},
            "inputs": [{"namespace": "pg", "name": "raw.orders"}], "outputs": [{"namespace": "pg", "name": "orders"}]}


def apply(store: Store, *events: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for e in events:
        result = store.apply(ChangeSet(tenant_id="acme", actor="test", operations=openlineage.parse(e)))
        out += [c for c in result.changes if c["kind"] == "run.updated"]
    return out


def run(store: Store) -> run_store.StoredRun:
    with store.read() as conn:
        found = run_store.get_run(conn, "acme", RUN)
    assert found is not None
    return found


def facet(value: str) -> dict[str, Any]:
    return {"_producer": "p", "value": value}


def test_facets_are_additive_and_replaced_by_name(store: Store) -> None:
    apply(store, event("START", "2026-01-01T10:00:00Z", a=facet("1"), b=facet("1")),
          event("COMPLETE", "2026-01-01T10:05:00Z", b=facet("2"), c=facet("2")))
    r = run(store)
    assert r.facets == {"a": facet("1"), "b": facet("2"), "c": facet("2")}
    assert (r.state, r.event_types) == ("COMPLETED", ["START", "COMPLETE"])
    assert r.started_at == datetime(2026, 1, 1, 10, tzinfo=UTC)
    assert r.ended_at == datetime(2026, 1, 1, 10, 5, tzinfo=UTC)
    assert r.inputs == [{"namespace": "pg", "name": "raw.orders"}] and r.outputs == [{"namespace": "pg", "name": "orders"}]
    assert r.job_id == asset_id("acme", JOB)
    assert {(io.asset_id, io.role) for io in r.io} == {(asset_id("acme", AssetRef(namespace="pg", name="raw.orders")),
                                                        "input"),
                                                       (asset_id("acme", AssetRef(namespace="pg", name="orders")),
                                                        "output")}


def test_out_of_order_events_converge(store: Store) -> None:
    start = event("START", "2026-01-01T10:00:00Z", b=facet("old"))
    complete = event("COMPLETE", "2026-01-01T10:05:00Z", b=facet("new"))
    late_other = event("OTHER", "2026-01-01T10:09:00Z")
    apply(store, complete, start, late_other)
    r = run(store)
    # COMPLETE arrived first: the older START neither reopens the run nor overwrites facet b;
    # an OTHER after completion (allowed by the spec) does not reopen it either.
    assert r.state == "COMPLETED" and r.facets["b"] == facet("new")
    assert r.started_at == datetime(2026, 1, 1, 10, tzinfo=UTC)
    assert r.ended_at == datetime(2026, 1, 1, 10, 5, tzinfo=UTC)
    assert r.event_types == ["COMPLETE", "START", "OTHER"]
    assert r.first_event_at == datetime(2026, 1, 1, 10, tzinfo=UTC)
    assert r.last_event_at == datetime(2026, 1, 1, 10, 9, tzinfo=UTC)


def test_a_later_terminal_event_wins(store: Store) -> None:
    apply(store, event("FAIL", "2026-01-01T10:05:00Z"), event("COMPLETE", "2026-01-01T10:07:00Z"))
    assert run(store).state == "COMPLETED"
    apply(store, event("ABORT", "2026-01-01T10:06:00Z"))  # older than the stored terminal state
    assert run(store).state == "COMPLETED"


def test_the_same_event_twice_changes_nothing(store: Store) -> None:
    e = event("START", "2026-01-01T10:00:00Z", a=facet("1"))
    assert len(apply(store, e)) == 1
    assert apply(store, copy.deepcopy(e)) == []
    with store.read() as conn:
        assert [c.kind for c in changes_after(conn, "acme") if c.entity_type == "run"] == ["run.updated"]


def test_nominal_time_and_parent_from_facets(store: Store) -> None:
    apply(store, *openlineage_events("marquez_test_run_event_full_facets.json"))
    with store.read() as conn:
        r = run_store.get_run(conn, "acme", "ea041791-68bc-4ae1-bd89-4c8106a157e4")
    assert r is not None and r.state == "COMPLETED"
    assert r.nominal_start_time == datetime(2020, 12, 17, 3, 0, 0, 1000, tzinfo=UTC)
    assert r.nominal_end_time == datetime(2020, 12, 17, 4, 0, 0, 1000, tzinfo=UTC)
    assert r.parent_run_id is not None


def test_failed_dbt_run_keeps_its_error_message(store: Store) -> None:
    events = openlineage_events("dbt_failed_run_events_TEMPLATED_runids.json")
    apply(store, *events)
    failed = [e for e in events if e.get("eventType") == "FAIL" and "errorMessage" in e["run"].get("facets", {})]
    assert failed
    with store.read() as conn:
        r = run_store.get_run(conn, "acme", failed[0]["run"]["runId"])
    assert r is not None and r.state == "FAILED" and "errorMessage" in r.facets


def test_quality_results_are_stored_once(store: Store) -> None:
    events = openlineage_events("dbt_test_complete_dataquality_assertions.json")
    apply(store, *events)
    apply(store, *copy.deepcopy(events))
    ref = AssetRef(namespace="postgres://localhost:5432", name="dbt_test.main.customer_analytics")
    with store.read() as conn:
        results = run_store.quality_of(conn, "acme", asset_id("acme", ref))
        kinds = [c.kind for c in changes_after(conn, "acme")]
    assert len(results) == 1 and kinds.count("quality.recorded") == 1
    [q] = results
    assert (q["passed"], q["failed"]) == (3, 0) and q["run_id"] == events[0]["run"]["runId"]
    assert [a["assertion"] for a in q["assertions"]] == ["not_null_customer_analytics_customer_id",
                                                      "not_null_customer_analytics_total_revenue",
                                                      "unique_customer_analytics_customer_id"]
