"""Outbound worker over SQLite: planning, superseding, retries with backoff, dead letters, webhooks, CLI."""

from __future__ import annotations

import json
import random
import socket
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import httpx
import psycopg
import pytest
from typer.testing import CliRunner

from lily import cli
from lily.outbound.connections import recorded
from lily.outbound.errors import is_retryable
from lily.outbound.retry import RetryPolicy
from lily.outbound.runtime import propagation_consumer
from lily.outbound.targets.base import ApplyError, Statement
from lily.outbound.targets.webhook import SIGNATURE_HEADER, verify_signature
from lily.outbound.worker import OutboundWorker
from lily.store import governance as repo
from tests.api.conftest import Env
from tests.governance_flow.helpers import PG, SF, SF_USERS, USERS, USERS_EMAIL, aid, pii_rule


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tag(env: Env, ref=USERS_EMAIL, name: str = "PII.email") -> None:
    resp = env.client.post(f"/api/v1/assets/{aid(ref)}/classifications", headers=env.admin_headers, json={"tag": name})
    assert resp.status_code == 201


def deliveries(env: Env, **params: str) -> list[dict]:
    return env.client.get("/api/v1/deliveries", headers=env.admin_headers, params=params).json()


def test_unreachable_target_retries_with_backoff_then_dead_letters(env: Env) -> None:
    h = env.admin_headers
    env.client.post("/api/v1/targets", headers=h, json={
        "name": "down", "kind": "postgres", "config": {"namespaces": [PG], "managed_roles": ["analyst"],
                                                       "connect_timeout_s": 2},
        "secrets": {"dsn": f"postgresql://nobody@127.0.0.1:{closed_port()}/shop"}})
    env.client.post("/api/v1/security/rules", headers=h, json=pii_rule(["reader"]))
    tag(env)
    clock = Clock()
    worker = OutboundWorker(env.store, env.settings.fernet_key(), RetryPolicy(base_s=1, cap_s=10, max_attempts=3,
                                                                              max_elapsed_s=None),
                            clock=clock, rng=random.Random(7))
    worker.plan_all()
    (d,) = deliveries(env, target="down")
    assert d["status"] == "pending" and {s["kind"] for s in d["statements"]} >= {"create_view", "revoke"}

    (first,) = worker.deliver_due()
    assert first.status == "failed" and "connection" in first.error.lower()
    d = deliveries(env, target="down")[0]
    retry_at = datetime.fromisoformat(d["next_attempt_at"])
    assert clock.now < retry_at <= clock.now + timedelta(seconds=1)  # full jitter within base * 2^0
    assert worker.deliver_due() == []  # not due yet
    assert 0 < worker.next_due_in() <= 1

    clock.now = retry_at
    assert [o.status for o in worker.deliver_due()] == ["failed"]
    d = deliveries(env, target="down")[0]
    second_wait = datetime.fromisoformat(d["next_attempt_at"]) - clock.now
    assert timedelta(0) <= second_wait <= timedelta(seconds=2)  # base * 2^1

    clock.now = datetime.fromisoformat(d["next_attempt_at"])
    assert [o.status for o in worker.deliver_due()] == ["dead"]
    (dead,) = deliveries(env, status="dead")
    assert dead["attempts"] == 3 and dead["next_attempt_at"] is None and dead["last_error"]
    actions = [a["action"] for a in env.client.get("/api/v1/audit", headers=h, params={"limit": 500}).json()
               if a["entity_id"] == dead["id"]]
    assert sorted(actions) == ["outbound.dead_letter", "outbound.retry", "outbound.retry"]
    clock.now += timedelta(days=1)
    assert worker.deliver_due() == []  # dead letters wait for a replay


def test_newer_plans_supersede_queued_ones_and_equal_plans_are_kept(env: Env) -> None:
    h = env.admin_headers
    env.client.post("/api/v1/targets", headers=h, json={
        "name": "down", "kind": "postgres", "config": {"namespaces": [PG], "managed_roles": ["analyst"]},
        "secrets": {"dsn": f"postgresql://nobody@127.0.0.1:{closed_port()}/shop"}})
    env.client.post("/api/v1/security/rules", headers=h, json=pii_rule(["reader"]))
    worker = OutboundWorker(env.store, env.settings.fernet_key())
    tag(env)
    worker.plan_all()
    (first,) = deliveries(env)
    # an unrelated change to the same table re-plans it to the same policy: the queued delivery stays
    env.client.put(f"/api/v1/assets/{aid(USERS)}/columns", headers=h, json={"columns": [
        {"name": c} for c in ("id", "email", "full_name", "phone", "date_of_birth", "country", "created_at")]})
    tag(env, USERS.column("country"), "Internal.note")  # no rule selects it
    worker.plan_all()
    assert [d["id"] for d in deliveries(env)] == [first["id"]]
    # a second PII column changes the desired policy: the queued one is superseded by a new plan
    tag(env, USERS.column("phone"), "PII.phone")
    worker.plan_all()
    newest, old = deliveries(env)
    assert old["id"] == first["id"] and old["status"] == "superseded" and newest["status"] == "pending"
    assert any('"phone"' in s["text"] for s in newest["statements"])


def test_disabling_a_target_closes_its_deliveries_and_enabling_replans(env: Env) -> None:
    h = env.admin_headers
    config = {"namespaces": [PG], "managed_roles": ["analyst"]}
    target = env.client.post("/api/v1/targets", headers=h, json={
        "name": "down", "kind": "postgres", "config": config,
        "secrets": {"dsn": f"postgresql://nobody@127.0.0.1:{closed_port()}/shop"}}).json()
    env.client.post("/api/v1/security/rules", headers=h, json=pii_rule(["reader"]))
    tag(env)
    clock = Clock()
    worker = OutboundWorker(env.store, env.settings.fernet_key(), clock=clock)
    worker.plan_all()
    (pending,) = deliveries(env)
    # a worker holding the lease: the next attempt is not before the lease ends (no busy polling)
    with env.store.write() as conn:
        assert repo.claim(conn, uuid.UUID(pending["id"]), clock.now, clock.now + timedelta(seconds=30))
    assert worker.next_due_in() == 30
    off = env.client.put(f"/api/v1/targets/{target['id']}", headers=h,
                         json={"name": "down", "kind": "postgres", "config": config, "enabled": False})
    assert off.status_code == 200
    (closed,) = deliveries(env)
    assert closed["status"] == "superseded" and closed["last_error"] == "target disabled"
    assert worker.next_due_in() is None
    worker.plan_all()
    assert len(deliveries(env)) == 1  # a disabled target gets no new plans
    env.client.put(f"/api/v1/targets/{target['id']}", headers=h,
                   json={"name": "down", "kind": "postgres", "config": config, "enabled": True})
    clock.now += timedelta(minutes=1)
    worker.plan_all()
    assert [d["status"] for d in deliveries(env)] == ["pending", "superseded"]  # newest first


def test_rule_changes_replan_and_deleted_tables_are_forgotten(env: Env) -> None:
    h = env.admin_headers
    target = env.client.post("/api/v1/targets", headers=h, json={
        "name": "sf", "kind": "snowflake", "config": {"namespaces": [SF], "connection": "recording"}}).json()
    tag(env)
    propagation_consumer(env.store, env.settings).drain()
    worker = OutboundWorker(env.store, env.settings.fernet_key())
    worker.drain()
    assert deliveries(env) == [] and recorded(target["id"]) == []  # no rule, no policy
    env.client.post("/api/v1/security/rules", headers=h, json=pii_rule(["PII_READER"]))
    worker.drain()
    assert any("SET MASKING POLICY" in s for s in recorded(target["id"]))
    disabled = {**pii_rule(["PII_READER"]), "enabled": False}
    assert env.client.put("/api/v1/security/rules/pii-mask", headers=h, json=disabled).status_code == 200
    worker.drain()
    assert recorded(target["id"])[-2:] == [
        'ALTER TABLE "ANALYTICS"."PUBLIC"."DIM_USERS" MODIFY COLUMN "EMAIL" UNSET TAG "LILY"."GOVERNANCE"."PII_EMAIL"',
        'ALTER TABLE "ANALYTICS"."PUBLIC"."DIM_USERS" MODIFY COLUMN "EMAIL" UNSET MASKING POLICY']
    env.client.put("/api/v1/security/rules/pii-mask", headers=h, json=pii_rule(["PII_READER"]))
    worker.drain()
    sent = len(recorded(target["id"]))
    # the table leaves the catalog: nothing is sent to a dropped object, the applied state is dropped
    assert env.client.delete(f"/api/v1/assets/{aid(SF_USERS)}", headers=h).status_code == 204
    propagation_consumer(env.store, env.settings).drain()
    worker.drain()
    assert len(recorded(target["id"])) == sent
    assert {d["status"] for d in deliveries(env)} == {"applied"}


class _Hook(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def hook() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Hook.received = []
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()


def _subscribe(env: Env, url: str, events: list[str] | None = None) -> None:
    h = env.admin_headers
    assert env.client.post("/api/v1/targets", headers=h, json={
        "name": "soc", "kind": "webhook", "config": {"subscribers": {"soc": {"url": url}}},
        "secrets": {"subscribers": {"soc": "whsec-1"}}}).status_code == 201
    notify = {"subscribers": ["soc"], **({"events": events} if events is not None else {})}
    rule = {**pii_rule(["PII_READER"]), "actions": [
        {"type": "mask", "parameters": {"strategy": "full"}}, {"type": "notify", "parameters": notify}]}
    assert env.client.post("/api/v1/security/rules", headers=h, json=rule).status_code == 201


def _received() -> dict[str, list[dict]]:
    """Events the subscriber received, by type, after checking every signature."""
    out: dict[str, list[dict]] = {}
    for headers, body in _Hook.received:
        assert verify_signature(body, headers[SIGNATURE_HEADER], "whsec-1")
        event = json.loads(body)
        out.setdefault(event["type"], []).append(event)
    return out


def test_webhook_target_posts_signed_policy_and_classification_changes(env: Env, hook: str) -> None:
    _subscribe(env, hook)
    worker = OutboundWorker(env.store, env.settings.fernet_key())
    tag(env)
    worker.drain()
    got = _received()
    (policy,) = got["policy.changed"]
    assert policy["data"]["object"]["name"] == "shop.public.users" and policy["data"]["changes"]["masks_set"] == ["email"]
    (added,) = got["classification.changed"]
    assert added["data"]["tag"] == "PII.email" and added["data"]["change"] == "added"
    assert added["data"]["asset"].endswith("shop.public.users#email") and added["data"]["source"] == "direct"

    _Hook.received = []
    resp = env.client.delete(f"/api/v1/assets/{aid(USERS_EMAIL)}/classifications/PII.email", headers=env.admin_headers)
    assert resp.status_code == 204
    worker.drain()
    # the rule no longer selects the table once the tag is gone: the removal is still news to it
    (removed,) = _received()["classification.changed"]
    assert removed["data"]["change"] == "removed" and removed["data"]["tag"] == "PII.email"

    # a dead-lettered notification replays with the same event (same id: subscribers dedupe)
    event_delivery = next(d for d in deliveries(env) if d["object"].startswith("event:")
                          and "classification" in d["object"])
    with env.store.write() as conn:
        repo.update_delivery(conn, uuid.UUID(event_delivery["id"]), {"status": "dead"})
    _Hook.received = []
    assert env.client.post(f"/api/v1/deliveries/{event_delivery['id']}/replay",
                           headers=env.admin_headers).status_code == 200
    worker.drain()
    (again,) = _received()["classification.changed"]
    assert again["id"] in {added["id"], removed["id"]}


def test_notify_events_filter_and_incidents(env: Env, hook: str) -> None:
    from lily.model import ChangeSet, UpsertIncident

    _subscribe(env, hook, events=["incident"])
    worker = OutboundWorker(env.store, env.settings.fernet_key())
    tag(env)
    worker.drain()
    assert "classification.changed" not in _received()  # not subscribed to tag changes
    env.store.apply(ChangeSet(tenant_id="default", actor="test", operations=[UpsertIncident(
        source="monte_carlo", external_id="inc-1", title="Row count dropped", status="open",
        affected=[USERS], observed_at=datetime(2026, 1, 2, tzinfo=UTC))]))
    worker.drain()
    (incident,) = _received()["incident.updated"]
    assert incident["data"]["incident"]["title"] == "Row count dropped"
    assert incident["data"]["incident"]["status"] == "open"
    assert incident["data"]["affected"] == [USERS.qualified_name]


def test_retryable_errors() -> None:
    st = Statement("x", "SELECT 1")
    assert is_retryable(psycopg.OperationalError("connection refused"))
    assert not is_retryable(ApplyError(0, st, psycopg.errors.InsufficientPrivilege("denied")))
    assert not is_retryable(ApplyError(0, st, psycopg.errors.SyntaxError("bad")))
    assert is_retryable(ApplyError(0, st, psycopg.errors.SerializationFailure("retry me")))
    req = httpx.Request("POST", "http://x")
    assert is_retryable(httpx.HTTPStatusError("503", request=req, response=httpx.Response(503, request=req)))
    assert is_retryable(httpx.HTTPStatusError("429", request=req, response=httpx.Response(429, request=req)))
    assert not is_retryable(httpx.HTTPStatusError("400", request=req, response=httpx.Response(400, request=req)))
    assert is_retryable(httpx.ConnectError("refused"))


def test_cli_workers_run_once(env: Env, sqlite_url: str, tmp_path: Path) -> None:
    h = env.admin_headers
    target = env.client.post("/api/v1/targets", headers=h, json={
        "name": "sf", "kind": "snowflake", "config": {"namespaces": [SF], "connection": "recording"}}).json()
    env.client.post("/api/v1/security/rules", headers=h, json=pii_rule(["PII_READER"]))
    tag(env)
    variables = {"LILY_DATABASE_URL": sqlite_url, "LILY_DATA_DIR": str(tmp_path)}
    runner = CliRunner()
    result = runner.invoke(cli.app, ["worker", "propagation", "--once"], env=variables)
    assert result.exit_code == 0 and "3 propagated classifications written" in result.output, result.output
    result = runner.invoke(cli.app, ["worker", "outbound", "--once"], env=variables)
    assert result.exit_code == 0 and "1 deliveries planned, 1 applied, 0 failed" in result.output, result.output
    assert any("SET MASKING POLICY" in s for s in recorded(target["id"]))
    result = runner.invoke(cli.app, ["reconcile"], env=variables)
    assert result.exit_code == 0 and "0 propagated classifications corrected" in result.output, result.output
