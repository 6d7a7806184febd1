"""Accept semantics: 2xx only once durable, idempotent redelivery, clear 4xx for bad input."""

from __future__ import annotations

import gzip
import json
from typing import Any

import orjson
from sqlalchemy import select

from lily.inbound.accept import QUICK_BODY_BYTES
from lily.model import Role
from lily.store.tables_inbound import inbound_events
from tests.inbound.samples import OPENLINEAGE, S3, load
from tests.inbound_flow.conftest import Flow

PG = "postgres://db:5432"


def ol_event(name: str = "shop.public.orders", run: str = "3f6f2c4e-8a55-4e1f-9d10-1b2a3c4d5e6f",
             event_type: str = "COMPLETE") -> dict[str, Any]:
    return {
        "eventType": event_type, "eventTime": "2026-01-05T10:00:00Z",
        "producer": "https://example.com/producer", "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": run}, "job": {"namespace": "etl", "name": f"load_{name}"},
        "inputs": [{"namespace": PG, "name": "shop.public.raw"}],
        "outputs": [{"namespace": PG, "name": name, "facets": {"schema": {"fields": [{"name": "id", "type": "int"}]}}}],
    }


def dataset_event(name: str = "shop.public.users", description: str = "users") -> dict[str, Any]:
    return {"eventTime": "2026-01-05T10:00:00Z", "producer": "p",
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent",
            "dataset": {"namespace": PG, "name": name,
                        "facets": {"documentation": {"description": description}}}}


def generic(event_id: str = "e-1", tenant: str = "default", **payload: Any) -> dict[str, Any]:
    return {"event_id": event_id, "event_type": "asset.created", "timestamp": "2026-01-05T10:00:00Z",
            "source": "crawler", "tenant_id": tenant,
            "payload": {"asset_id": "postgres://db:5432/shop.public.items", "asset_type": "table", **payload}}


def problem_of(resp: Any, status: int) -> str:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    return str(resp.json()["detail"])


def test_lineage_answers_201_empty_after_the_row_is_committed(flow: Flow) -> None:
    resp = flow.lineage(dataset_event())
    assert resp.status_code == 201 and resp.content == b""
    # Durable before the answer: the row is there, not yet applied (no worker ran).
    rows = flow.rows()
    assert [(r["source"], r["status"], r["event_type"]) for r in rows] == [("openlineage", "received", "DatasetEvent")]
    assert orjson.loads(rows[0]["payload"])["dataset"]["name"] == "shop.public.users"
    assert flow.asset(PG, "shop.public.users") is None
    assert flow.drain().applied == 1
    assert flow.asset(PG, "shop.public.users").description == "users"
    assert flow.rows()[0]["status"] == "applied"


def test_gzip_by_header_or_by_magic_bytes(sqlite_flow: Flow) -> None:
    assert sqlite_flow.lineage(dataset_event("a"), gzip_body=True).status_code == 201
    body = gzip.compress(orjson.dumps(dataset_event("b")))
    assert sqlite_flow.post("/api/v1/lineage", body).status_code == 201  # no Content-Encoding header
    sqlite_flow.drain()
    assert sqlite_flow.asset(PG, "a") is not None and sqlite_flow.asset(PG, "b") is not None


def test_redelivery_is_2xx_stored_once_applied_once(flow: Flow) -> None:
    event = dataset_event()
    assert flow.lineage(event).status_code == 201
    flow.drain()
    once = flow.state()
    causes = flow.change_causes()
    # The OpenLineage client re-sends the same event on 5xx or timeout; key order does not matter.
    again = dict(reversed(list(event.items())))
    assert flow.lineage(again).status_code == 201
    assert flow.lineage(event, gzip_body=True).status_code == 201
    assert len(flow.rows()) == 1
    assert flow.drain().total == 0
    assert flow.state() == once and flow.change_causes() == causes


def test_batch_reports_per_event_results(sqlite_flow: Flow) -> None:
    bad = {"eventTime": "2026-01-05T10:00:00Z", "run": {"runId": "r"}, "job": {"namespace": "etl"}}
    resp = sqlite_flow.post("/api/v1/lineage/batch", [dataset_event("x"), bad, "not an object", dataset_event("y")])
    assert resp.status_code == 422  # an element that is not an object makes the array itself invalid
    resp = sqlite_flow.post("/api/v1/lineage/batch", [dataset_event("x"), bad, dataset_event("y"), dataset_event("x")])
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["status"] == "partial_success"
    assert body["summary"] == {"received": 4, "successful": 3, "failed": 1, "retriable": 0, "non_retriable": 1}
    assert body["failed_events"] == [{"index": 1, "reason": "job.name: is required", "retriable": False}]
    assert len(sqlite_flow.rows()) == 2  # the repeated event is one event
    ok = sqlite_flow.post("/api/v1/lineage/batch", [dataset_event("z")]).json()
    assert ok["status"] == "success" and ok["failed_events"] == []
    failed = sqlite_flow.post("/api/v1/lineage/batch", [bad]).json()
    assert failed["status"] == "failure" and failed["summary"]["failed"] == 1


def test_big_batches_decoded_off_the_event_loop_answer_like_small_ones(sqlite_flow: Flow) -> None:
    """Bodies over QUICK_BODY_BYTES are decoded on the thread pool, small ones on the event loop:
    the same answers, the same stored events, bad elements reported the same way."""
    bad = {"eventTime": "2026-01-05T10:00:00Z", "run": {"runId": "r"}, "job": {"namespace": "etl"}}
    for size, prefix in ((3, "small"), (400, "big")):
        batch = [dataset_event(f"{prefix}.t{i}", description="d" * 200) for i in range(size)] + [bad]
        body = orjson.dumps(batch)
        assert (len(body) > QUICK_BODY_BYTES) == (prefix == "big")
        resp = sqlite_flow.post("/api/v1/lineage/batch", body)
        assert resp.status_code == 200, resp.text
        assert resp.json()["summary"] == {"received": size + 1, "successful": size, "failed": 1, "retriable": 0,
                                          "non_retriable": 1}
    assert len(sqlite_flow.rows()) == 403


def test_bad_bodies_get_clear_problems_and_store_nothing(sqlite_flow: Flow) -> None:
    problem_of(sqlite_flow.post("/api/v1/lineage", b"{not json"), 400)
    problem_of(sqlite_flow.post("/api/v1/lineage", b""), 400)
    problem_of(sqlite_flow.post("/api/v1/lineage", b"xx", headers={"Content-Encoding": "br"}), 415)
    problem_of(sqlite_flow.post("/api/v1/lineage", b"\x1f\x8b garbage"), 400)
    assert "job.name" in problem_of(sqlite_flow.lineage({"eventTime": "2026-01-05T10:00:00Z", "run": {"runId": "r"},
                                                  "job": {"namespace": "etl"}}), 422)
    assert "eventTime" in problem_of(sqlite_flow.lineage({**ol_event(), "eventTime": "2021-13-45"}), 422)
    huge = orjson.dumps({**dataset_event(), "pad": "x" * (sqlite_flow.env.settings.max_body_bytes + 10)})
    problem_of(sqlite_flow.post("/api/v1/lineage", huge), 413)
    # A small body that inflates past the decoded limit (zip bomb) is refused too.
    sqlite_flow.runtime.inbound.inbound_max_decoded_bytes = 100_000
    bomb = gzip.compress(b"[" + b" " * 2_000_000 + b"]")
    assert len(bomb) < 10_000
    problem_of(sqlite_flow.post("/api/v1/lineage", bomb, headers={"Content-Encoding": "gzip"}), 413)
    assert sqlite_flow.rows() == []


def test_unauthenticated_and_unpermitted_callers_are_refused(sqlite_flow: Flow) -> None:
    resp = sqlite_flow.env.client.post("/api/v1/lineage", content=orjson.dumps(dataset_event()))
    assert resp.status_code == 401
    viewer = sqlite_flow.env.key(Role.VIEWER)
    assert sqlite_flow.post("/api/v1/lineage", dataset_event(), headers=viewer).status_code == 403
    assert sqlite_flow.rows() == []


def test_generic_events_checked_for_tenant_and_fields(flow: Flow) -> None:
    resp = flow.post("/api/v1/events", generic())
    assert resp.status_code == 202, resp.text
    body = resp.json()
    assert body["accepted"] == 1 and body["duplicates"] == 0 and len(body["events"]) == 1
    again = flow.post("/api/v1/events", generic()).json()
    assert again["accepted"] == 0 and again["duplicates"] == 1
    assert again["events"][0]["id"] == body["events"][0]["id"]
    assert "other" in problem_of(flow.post("/api/v1/events", generic("e-2", tenant="other")), 403)
    detail = problem_of(flow.post("/api/v1/events", {**generic("e-3"), "surprise": 1}), 422)
    assert "surprise" in detail and "unknown field" in detail
    assert "event_type" in problem_of(flow.post("/api/v1/events", {**generic("e-4"), "event_type": "x.y"}), 422)
    batch = flow.post("/api/v1/events", [generic("e-5"), generic("e-6")]).json()
    assert batch["accepted"] == 2
    flow.drain()
    assert flow.asset("postgres://db:5432", "shop.public.items").type.value == "table"
    assert [r["status"] for r in flow.rows()] == ["applied"] * 3


def test_s3_webhook_accepts_every_envelope_and_ignores_test_events(sqlite_flow: Flow) -> None:
    test_event = sqlite_flow.post("/api/v1/webhooks/s3", load(S3 / "awsdocs_s3_test_event.json"))
    assert test_event.status_code == 200 and test_event.json()["accepted"] == 0
    sqs = sqlite_flow.post("/api/v1/webhooks/s3", load(S3 / "powertools_s3SqsEvent.json"))
    assert sqs.status_code == 200 and sqs.json()["accepted"] >= 1
    assert problem_of(sqlite_flow.post("/api/v1/webhooks/s3", {"Records": "nope"}), 422)
    assert sqlite_flow.drain().applied == sqs.json()["accepted"]


def test_openlineage_sample_accepted_as_sent_by_clients(sqlite_flow: Flow) -> None:
    raw = (OPENLINEAGE / "python_client_job_event.json").read_bytes()
    resp = sqlite_flow.post("/api/v1/lineage", raw, headers={"Content-Type": "application/json; charset=UTF-8"})
    assert resp.status_code == 201
    with sqlite_flow.env.store.inbox_read() as conn:
        stored = conn.execute(select(inbound_events.c.payload)).scalar_one()
    assert bytes(stored) == raw  # the producer's bytes are kept for replay
    assert json.loads(raw)["job"]["name"]
