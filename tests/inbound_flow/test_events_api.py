"""GET /events (filters, cursor pages), GET /events/{id} (status, error, timings), replay."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select, update

from lily.model import Role
from lily.store.tables_inbound import inbound_event_assets, inbound_events
from tests.inbound_flow.conftest import Flow
from tests.inbound_flow.test_accept import PG, dataset_event, generic
from tests.inbound_flow.test_samples import HISTORY
from tests.inbound_flow.test_worker import broken_run_event


def get(flow: Flow, path: str, **params: object) -> dict:
    resp = flow.env.client.get(path, headers=flow.headers, params=params)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_filters_and_cursor_pages(flow: Flow) -> None:
    flow.lineage(dataset_event("a"))
    flow.lineage(broken_run_event())
    flow.post("/api/v1/webhooks/s3", {"Records": [HISTORY[0]]})
    flow.post("/api/v1/events", generic())
    flow.drain()
    items = get(flow, "/api/v1/events")["items"]
    assert [i["source"] for i in items] == ["generic", "s3", "openlineage", "openlineage"]  # newest first
    assert [i["status"] for i in get(flow, "/api/v1/events", status="failed")["items"]] == ["failed"]
    assert {i["event_type"] for i in get(flow, "/api/v1/events", source="openlineage")["items"]} == \
        {"DatasetEvent", "RunEvent"}
    assert [i["source"] for i in get(flow, "/api/v1/events", type="ObjectCreated:Put")["items"]] == ["s3"]
    # By asset: id or qualified name; column assets lead back to the event that declared them too.
    by_name = get(flow, "/api/v1/events", asset=f"{PG}/a")["items"]
    by_id = get(flow, "/api/v1/events", asset=flow.id_of(PG, "a"))["items"]
    assert [i["event_type"] for i in by_name] == ["DatasetEvent"] and by_name == by_id
    later = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    assert get(flow, "/api/v1/events", since=later)["items"] == []
    assert len(get(flow, "/api/v1/events", until=later)["items"]) == 4
    # Pages of two, following the cursor, cover everything exactly once.
    seen, cursor = [], None
    while True:
        page = get(flow, "/api/v1/events", limit=2, **({"cursor": cursor} if cursor else {}))
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [i["id"] for i in items]
    # Parameters outside their declared pattern or enum: 422 naming the parameter.
    for params in ({"cursor": "!!"}, {"source": "nope"}, {"since": "0.5"}, {"until": "2024-01-01T00:00:00"}):
        resp = flow.env.client.get("/api/v1/events", headers=flow.headers, params=params)
        assert resp.status_code == 422 and resp.json()["detail"].startswith(f"query.{next(iter(params))}: "), params
    # An asset value that names no asset (neither an id nor a qualified name): no events touched it.
    assert get(flow, "/api/v1/events", asset="no-namespace")["items"] == []


def test_detail_shows_status_error_timings_assets_and_payload(flow: Flow) -> None:
    flow.lineage(dataset_event("a"))
    flow.lineage(broken_run_event())
    flow.drain()
    ok, bad = reversed(get(flow, "/api/v1/events")["items"])
    detail = get(flow, f"/api/v1/events/{ok['id']}")
    assert detail["status"] == "applied" and detail["error"] is None and detail["applied_at"]
    assert all(detail["timings"][k] is not None for k in ("parse_ms", "enrich_ms", "apply_ms"))
    assert detail["changes"] > 0 and detail["first_change_seq"] <= detail["last_change_seq"]
    assert flow.id_of(PG, "a") in detail["assets"]
    assert detail["payload"]["dataset"]["name"] == "a"
    failed = get(flow, f"/api/v1/events/{bad['id']}")
    assert failed["status"] == "failed" and failed["error"] == "parse: inputs[0].name: is required"
    assert failed["timings"]["parse_ms"] is not None and failed["timings"]["apply_ms"] is None
    # The change feed names the event that caused each change.
    changes = flow.env.client.get("/api/v1/changes", headers=flow.headers).json()["items"]
    assert {c["cause_event_id"] for c in changes} == {ok["id"]}


def test_unknown_foreign_and_non_uuid_event_ids(flow: Flow) -> None:
    flow.lineage(dataset_event("a"))
    event_id = get(flow, "/api/v1/events")["items"][0]["id"]
    other = flow.env.key(Role.ADMIN, tenant="other")
    assert flow.env.client.get(f"/api/v1/events/{event_id}", headers=other).status_code == 404
    assert flow.env.client.post(f"/api/v1/events/{event_id}/replay", headers=other).status_code == 404
    assert flow.env.client.get("/api/v1/events/00000000-0000-0000-0000-000000000000",
                               headers=flow.headers).status_code == 404
    # `/events/lineage` belongs to the Marquez-compatible API: it is never read as an event id.
    resp = flow.env.client.get("/api/v1/events/lineage", headers=flow.headers)
    assert resp.status_code == 200 and "events" in resp.json(), resp.text  # Marquez's shape, not an event
    assert flow.env.client.get("/api/v1/events/not-a-uuid", headers=flow.headers).status_code in (404, 422)
    viewer = flow.env.key(Role.VIEWER)
    assert flow.env.client.get("/api/v1/events", headers=viewer).status_code == 403


def test_an_event_not_settled_yet_cannot_be_replayed(flow: Flow) -> None:
    flow.post("/api/v1/events", generic(metadata={"description": "pending"}))
    event = get(flow, "/api/v1/events")["items"][0]
    resp = flow.env.client.post(f"/api/v1/events/{event['id']}/replay", headers=flow.headers)
    assert resp.status_code == 409 and "still received" in resp.json()["detail"]
    assert flow.drain().applied == 1  # applied once, as accepted
    assert get(flow, f"/api/v1/events/{event['id']}")["attempts"] == 1


def test_replay_reapplies_an_event(flow: Flow) -> None:
    flow.post("/api/v1/events", generic(metadata={"description": "first"}))
    flow.drain()
    event = get(flow, "/api/v1/events")["items"][0]
    # Someone edits the asset; replaying the event applies it again (same id, new changes).
    flow.env.client.post("/api/v1/assets", headers=flow.headers, json={
        "type": "table", "namespace": "postgres://db:5432", "name": "shop.public.items", "description": "edited"})
    resp = flow.env.client.post(f"/api/v1/events/{event['id']}/replay", headers=flow.headers)
    assert resp.status_code == 202 and resp.json()["status"] == "received" and resp.json()["attempts"] == 0
    assert flow.drain().applied == 1
    again = get(flow, f"/api/v1/events/{event['id']}")
    assert again["status"] == "applied" and again["first_change_seq"] > event["last_change_seq"]
    assert flow.asset("postgres://db:5432", "shop.public.items").description == "first"


def schema_event(name: str, columns: list[str], description: str) -> dict:
    event = dataset_event(name, description)
    if columns:
        event["dataset"]["facets"]["schema"] = {"fields": [{"name": c, "type": "TEXT"} for c in columns]}
    return event


def test_a_column_finds_the_events_that_touched_it_and_not_its_datasets_others(flow: Flow) -> None:
    flow.lineage(schema_event("t", ["id", "email"], "with the schema"))
    flow.lineage(schema_event("t", [], "no schema: the columns are not touched"))
    flow.lineage(schema_event("u", ["email"], "another table's column of the same name"))
    flow.drain()
    with_schema, without, other = reversed(get(flow, "/api/v1/events")["items"])
    of_table = [i["id"] for i in get(flow, "/api/v1/events", asset=f"{PG}/t")["items"]]
    assert of_table == [without["id"], with_schema["id"]]
    for column in (f"{PG}/t#email", flow.id_of(PG, "t", "email")):  # qualified name or id
        assert [i["id"] for i in get(flow, "/api/v1/events", asset=column)["items"]] == [with_schema["id"]]
    assert [i["id"] for i in get(flow, "/api/v1/events", asset=f"{PG}/u#email")["items"]] == [other["id"]]
    detail = get(flow, f"/api/v1/events/{with_schema['id']}")
    assert {flow.id_of(PG, "t"), flow.id_of(PG, "t", "id"), flow.id_of(PG, "t", "email")} <= set(detail["assets"])
    assert flow.id_of(PG, "t", "email") not in get(flow, f"/api/v1/events/{without['id']}")["assets"]
    # The index holds the table, not its columns.
    with flow.env.store.inbox_read() as conn:
        indexed = {str(r[0]) for r in conn.execute(select(inbound_event_assets.c.asset_id))}
    assert flow.id_of(PG, "t") in indexed and flow.id_of(PG, "t", "email") not in indexed


def test_events_settled_before_rows_listed_their_assets_are_still_found(flow: Flow) -> None:
    flow.lineage(schema_event("t", ["id"], "old"))
    flow.drain()
    (event,) = get(flow, "/api/v1/events")["items"]
    column = uuid.UUID(flow.id_of(PG, "t", "id"))
    with flow.env.store.inbox_write() as conn:  # as an older Lily settled it: the column in the index
        seq = conn.execute(select(inbound_events.c.seq)).scalar_one()
        conn.execute(update(inbound_events).values(touched_assets=None))
        conn.execute(insert(inbound_event_assets).values(event_seq=seq, asset_id=column, tenant_id="default"))
    assert [i["id"] for i in get(flow, "/api/v1/events", asset=str(column))["items"]] == [event["id"]]
    assert str(column) in get(flow, f"/api/v1/events/{event['id']}")["assets"]
