"""Targets API (secrets encrypted, never returned, strict configs) and tenant isolation of governance."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from lily.model import Role
from lily.outbound.runtime import outbound_worker, propagation_consumer
from lily.store.tables_governance import outbound_targets
from tests.api.conftest import Env, make_env
from tests.governance_flow.helpers import SF, USERS_EMAIL, aid, load_demo_chain, pii_rule

RULES = "/api/v1/security/rules"


@pytest.fixture
def env(sqlite_url: str, tmp_path: Path) -> Iterator[Env]:
    e = make_env(sqlite_url, tmp_path)
    yield e
    e.client.close()
    e.store.dispose()


def rule(**overrides: object) -> dict:
    return {**pii_rule(["PII_READER"]), **overrides}



def test_target_secrets_are_encrypted_and_never_returned(env: Env) -> None:
    h = env.admin_headers
    dsn = "postgresql://lily:s3cr3t-pw@warehouse:5432/shop"
    resp = env.client.post("/api/v1/targets", headers=h, json={
        "name": "warehouse", "kind": "postgres", "config": {"managed_roles": ["analyst"]}, "secrets": {"dsn": dsn}})
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["secret_keys"] == ["dsn"] and "s3cr3t" not in resp.text
    for r in (env.client.get("/api/v1/targets", headers=h), env.client.get(f"/api/v1/targets/{body['id']}", headers=h)):
        assert r.status_code == 200 and "s3cr3t" not in r.text
    with env.store.read() as conn:
        stored = conn.execute(select(outbound_targets.c.secrets, outbound_targets.c.config)).one()
    assert "s3cr3t" not in stored.secrets and "s3cr3t" not in str(stored.config)
    # config changes keep the secrets unless new ones are sent
    updated = env.client.put(f"/api/v1/targets/{body['id']}", headers=h, json={
        "name": "warehouse", "kind": "postgres", "config": {"managed_roles": ["analyst", "bi"]}})
    assert updated.status_code == 200 and updated.json()["secret_keys"] == ["dsn"]
    with env.store.read() as conn:
        assert conn.execute(select(outbound_targets.c.secrets)).scalar() == stored.secrets


@pytest.mark.parametrize(("body", "detail"), [
    ({"name": "w", "kind": "postgres", "config": {"managed_roles": ["a"], "password": "x"}},
     "config.password: looks like a secret; put it in 'secrets' (encrypted, never returned)"),
    ({"name": "w", "kind": "postgres", "config": {"managed_roles": ["a"]}}, "secrets.dsn: Field required"),
    ({"name": "w", "kind": "postgres", "config": {"managed_roles": ["a"], "schema": "x"}, "secrets": {"dsn": "x"}},
     "config.schema: unknown setting"),
    ({"name": "s", "kind": "snowflake", "config": {}},
     "secrets.connect_params: required when connection is 'connector'"),
    ({"name": "h", "kind": "webhook", "config": {"subscribers": {"soc": {"url": "https://soc.example/hook"}}}},
     "secrets.subscribers: no signing secret for soc"),
])
def test_invalid_target_configs_are_422(env: Env, body: dict, detail: str) -> None:
    resp = env.client.post("/api/v1/targets", headers=env.admin_headers, json=body)
    assert resp.status_code == 422 and resp.json()["detail"] == detail


def test_tenants_cannot_see_or_change_each_others_rules_targets_deliveries(env: Env) -> None:
    mine, other = env.admin_headers, env.key(Role.ADMIN, tenant="other")
    load_demo_chain(env.store, "other")
    c = env.client
    assert c.post(RULES, headers=other, json=rule(rule_id="secret-rule")).status_code == 201
    target = c.post("/api/v1/targets", headers=other, json={
        "name": "secret-target", "kind": "snowflake", "config": {"namespaces": [SF], "connection": "recording"}})
    assert c.post(f"/api/v1/assets/{aid(USERS_EMAIL, 'other')}/classifications", headers=other,
                  json={"tag": "PII.email"}).status_code == 201
    propagation_consumer(env.store, env.settings).drain()
    outbound_worker(env.store, env.settings).drain()
    (delivery,) = c.get("/api/v1/deliveries", headers=other).json()
    assert delivery["status"] == "applied" and delivery["target"] == "secret-target"
    tid, did = target.json()["id"], delivery["id"]

    # tenant A (default) sees none of it, and cannot touch it
    assert c.get(RULES, headers=mine).json() == [] and c.get("/api/v1/targets", headers=mine).json() == []
    assert c.get("/api/v1/deliveries", headers=mine).json() == []
    assert c.get("/api/v1/deliveries", headers=mine, params={"target": "secret-target"}).status_code == 404
    assert c.get(f"{RULES}/secret-rule", headers=mine).status_code == 404
    assert c.put(f"{RULES}/secret-rule", headers=mine, json=rule(rule_id="secret-rule")).status_code == 404
    assert c.delete(f"{RULES}/secret-rule", headers=mine).status_code == 404
    assert c.get(f"/api/v1/targets/{tid}", headers=mine).status_code == 404
    assert c.put(f"/api/v1/targets/{tid}", headers=mine, json={
        "name": "x", "kind": "snowflake", "config": {"connection": "recording"}}).status_code == 404
    assert c.delete(f"/api/v1/targets/{tid}", headers=mine).status_code == 404
    assert c.get(f"/api/v1/deliveries/{did}", headers=mine).status_code == 404
    assert c.post(f"/api/v1/deliveries/{did}/replay", headers=mine).status_code == 404
    # A's own rule governs only A: planning A creates nothing for B's target
    assert c.post(RULES, headers=mine, json=rule(rule_id="secret-rule")).status_code == 201
    outbound_worker(env.store, env.settings).drain()
    assert len(c.get("/api/v1/deliveries", headers=other).json()) == 1
    assert c.get(f"{RULES}/secret-rule", headers=other).json()["version"] == 1


