"""Tenant A can never read or change tenant B's data through any route."""

from __future__ import annotations

import re
import uuid

from lily.api.permissions import ROUTE_PERMISSIONS
from lily.model import Role
from tests.api.conftest import Env

SECRET_NAME = "zzsecretotherco"


def seed_other(env: Env) -> tuple[dict[str, str], dict[str, str]]:
    other = env.key(Role.ADMIN, tenant="other")
    c = env.client
    asset = c.post("/api/v1/assets", headers=other, json={
        "type": "table", "namespace": f"postgres://{SECRET_NAME}", "name": f"{SECRET_NAME}.users",
        "description": SECRET_NAME, "columns": [{"name": "email"}]}).json()
    col = asset["columns"][0]
    assert c.post(f"/api/v1/assets/{col['id']}/classifications", headers=other,
                  json={"tag": "PII.email"}).status_code == 201
    edge = c.post("/api/v1/edges", headers=other, json={
        "source": {"namespace": f"postgres://{SECRET_NAME}", "name": f"{SECRET_NAME}.users", "field": "email"},
        "target": {"namespace": f"s3://{SECRET_NAME}", "name": "export", "field": "email"}}).json()
    token = c.post("/api/v1/tokens", headers=other, json={"name": SECRET_NAME, "role": "viewer"}).json()
    event = c.post("/api/v1/events", headers=other, json={
        "event_id": SECRET_NAME, "event_type": "asset.created", "timestamp": "2026-01-01T00:00:00Z",
        "source": SECRET_NAME, "tenant_id": "other",
        "payload": {"asset_id": f"postgres://{SECRET_NAME}/{SECRET_NAME}.events", "asset_type": "table"}}).json()
    ids = {"asset_id": asset["id"], "edge_id": edge["id"], "token_id": token["id"], "tag": "PII.email",
           "column_id": col["id"], "event_id": event["events"][0]["id"]}
    # Pipelines exist only in the lake's tenant; a pipeline name and run id tenant A does not have
    # must be 404 like any other foreign id.
    ids |= {"name": "not-a-pipeline-here", "run_id": "not-a-run-here"}
    # Governance: tenant B's security rule.
    rule = c.post("/api/v1/security/rules", headers=other, json={
        "rule_id": SECRET_NAME, "rule_type": "masking", "description": SECRET_NAME,
        "conditions": [{"field": "classification", "operator": "matches", "value": "PII.*"}],
        "actions": [{"type": "mask", "parameters": {"strategy": "hash"}}]})
    assert rule.status_code == 201
    ids |= {"rule_id": SECRET_NAME}
    # ... and its target, plus a delivery id tenant A does not have.
    target = c.post("/api/v1/targets", headers=other, json={
        "name": SECRET_NAME, "kind": "snowflake", "config": {"connection": "recording"}})
    assert target.status_code == 201
    ids |= {"target_id": target.json()["id"], "delivery_id": str(uuid.uuid4())}
    # A declared lineage process and a data contract of tenant B (their content names the secret), under
    # a name tenant A may use too: a 404 may echo the name asked for, never B's content.
    process = c.put(f"/api/v1/lineage-processes/{SHARED}", headers=other, json={**PROCESS, "owner": SECRET_NAME})
    assert process.status_code == 200, process.text
    contract = c.put(f"/api/v1/contracts/{SHARED}", headers=other,
                     json={**CONTRACT, "id": SHARED, "name": SECRET_NAME})
    assert contract.status_code == 200, contract.text
    ids |= {"contract_id": SHARED}
    return other, ids


SHARED = "shared-name"
PROCESS = {"type": "export", "owner": "team", "inputs": [{"namespace": "postgres://x", "name": "a"}],
           "outputs": [{"namespace": "s3://x", "name": "b"}]}
CONTRACT = {"apiVersion": "v3.1.0", "kind": "DataContract", "version": "1.0.0", "status": "active",
            "schema": [{"name": "t", "properties": [{"name": "c", "logicalType": "string"}]}]}
# Create-or-replace routes: a name tenant B uses is free in tenant A, so A's PUT makes A's own (and
# the DELETE that follows in the route table deletes that one); B's are checked untouched at the end.
OWN = {("PUT", "/api/v1/lineage-processes/{name}"), ("DELETE", "/api/v1/lineage-processes/{name}"),
       ("PUT", "/api/v1/contracts/{contract_id}")}


def test_no_route_reads_or_changes_another_tenants_data(env: Env) -> None:
    other, ids = seed_other(env)
    before = env.client.get("/api/v1/changes?limit=1000", headers=other).json()["items"]
    mine = env.admin_headers
    bodies = {
        "POST /api/v1/assets": {"type": "table", "namespace": "postgres://mine", "name": "mine.users"},
        "POST /api/v1/edges": {"source": {"namespace": "x", "name": "a"}, "target": {"namespace": "x", "name": "b"}},
        "POST /api/v1/tokens": {"name": "t", "role": "viewer"},
        "POST /api/v1/users": {"username": "someone", "password": "long-enough-pw", "role": "viewer"},
        "PUT /api/v1/assets/{asset_id}/columns": {"columns": [{"name": "x"}]},
        "POST /api/v1/assets/{asset_id}/classifications": {"tag": "Stolen"},
        "PUT /api/v1/lineage-processes/{name}": PROCESS,
        "PUT /api/v1/contracts/{contract_id}": {**CONTRACT, "id": SHARED},
    }
    for method, template in ROUTE_PERMISSIONS:
        named = ids | {"name": SHARED} if "lineage-processes" in template else ids
        path = re.sub(r"\{(\w+)\}", lambda m, named=named: named[m.group(1)], template)
        resp = env.client.request(method, path, headers=mine, json=bodies.get(f"{method} {template}", {}))
        assert SECRET_NAME not in resp.text, (method, template, resp.text[:200])
        if (method, template) in OWN:
            assert resp.status_code == 200, (method, template, resp.status_code, resp.text[:200])
        elif "{" in template:
            assert resp.status_code == 404, (method, template, resp.status_code)
    # Search and filters do not leak either.
    for query in (f"?q={SECRET_NAME}", f"?namespace=postgres://{SECRET_NAME}", "?q=users"):
        assert SECRET_NAME not in env.client.get(f"/api/v1/assets{query}", headers=mine).text
    # Writing B's identities from A creates A's own assets and edges, never touches B's.
    env.client.post("/api/v1/assets", headers=mine, json={
        "type": "table", "namespace": f"postgres://{SECRET_NAME}", "name": f"{SECRET_NAME}.users",
        "description": "overwritten?", "columns": [], "replace_columns": True})
    env.client.post("/api/v1/edges", headers=mine, json={
        "source": {"namespace": f"postgres://{SECRET_NAME}", "name": f"{SECRET_NAME}.users", "field": "email"},
        "target": {"namespace": "x", "name": "y"}})
    # Tenant B's state is exactly as it was: same changes, same description, edge and token alive.
    after = env.client.get("/api/v1/changes?limit=1000", headers=other).json()["items"]
    assert after == before
    asset = env.client.get(f"/api/v1/assets/{ids['asset_id']}", headers=other).json()
    assert asset["description"] == SECRET_NAME and [c["field"] for c in asset["columns"]] == ["email"]
    assert env.client.get(f"/api/v1/edges/{ids['edge_id']}", headers=other).status_code == 200
    theirs = env.client.get(f"/api/v1/lineage-processes/{SHARED}", headers=other).json()
    assert theirs["process"]["inputs"] == PROCESS["inputs"] and theirs["process"]["owner"] == SECRET_NAME
    assert env.client.get(f"/api/v1/contracts/{SHARED}", headers=other).json()["document"]["name"] == SECRET_NAME
    tokens = env.client.get("/api/v1/tokens", headers=other).json()
    assert any(t["id"] == ids["token_id"] and t["revoked_at"] is None for t in tokens)


def test_same_identity_in_two_tenants_is_two_assets(env: Env) -> None:
    other = env.key(Role.ADMIN, tenant="other")
    body = {"type": "table", "namespace": "postgres://shared", "name": "public.t"}
    a = env.client.post("/api/v1/assets", headers=env.admin_headers, json={**body, "description": "A"}).json()
    b = env.client.post("/api/v1/assets", headers=other, json={**body, "description": "B"}).json()
    assert a["id"] != b["id"]
    assert env.client.get(f"/api/v1/assets/{a['id']}", headers=env.admin_headers).json()["description"] == "A"
    assert env.client.get(f"/api/v1/assets/{b['id']}", headers=other).json()["description"] == "B"
