"""Security rules and classification preview APIs: strict validation with precise 422s, CRUD, preview."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from lily.governance.consumer import PropagationConsumer
from lily.model import Role
from tests.api.conftest import Env, make_env
from tests.governance_flow.helpers import S3_EMAIL, SF_EMAIL, USERS_EMAIL, aid, load_demo_chain, pii_rule

RULES = "/api/v1/security/rules"


@pytest.fixture
def env(sqlite_url: str, tmp_path: Path) -> Iterator[Env]:
    e = make_env(sqlite_url, tmp_path)
    yield e
    e.client.close()
    e.store.dispose()


def rule(**overrides: object) -> dict:
    return {**pii_rule(["PII_READER"]), **overrides}


@pytest.mark.parametrize(("body", "detail"), [
    (rule(rule_type="maskin"), "rule_type: unknown rule type 'maskin'; allowed: masking, access_control, "
                               "row_level_security, tagging, notification, composite"),
    (rule(conditions=[{"field": "classification", "operator": "like", "value": "PII.*"}]),
     "conditions[0].operator: unknown operator 'like'; allowed: equals, not_equals, in, not_in, matches, regex, exists"),
    (rule(conditions=[{"field": "colour", "operator": "equals", "value": "red"}]),
     "conditions[0].field: unknown condition field 'colour'; allowed: classification, asset, namespace, type, name"),
    (rule(actions=[{"type": "mask", "parameters": {"strategy": "scramble"}}]),
     "actions[0].parameters: invalid mask parameters: strategy: unknown mask strategy 'scramble'; "
     "allowed: full, partial, hash, null (parameters: targets, strategy, exempt_roles)"),
    (rule(actions=[{"type": "mask", "parameters": {"strategy": "hash", "roles": ["x"]}}]),
     "actions[0].parameters: invalid mask parameters: unknown parameter 'roles' "
     "(parameters: targets, strategy, exempt_roles)"),
    (rule(actions=[{"type": "explode", "parameters": {}}]),
     "actions[0].type: unknown action type 'explode'; allowed: mask, tag, row_filter, deny, notify"),
    (rule(conditions=[]), "a rule needs at least one condition or an asset_id"),
    (rule(colour="red"), "unknown rule field 'colour'; allowed: rule_id, asset_id, rule_type, description, enabled, "
                         "conditions, actions"),
    (rule(actions=[{"type": "row_filter", "parameters": {"expression": "1; DROP TABLE users"}}]),
     "actions[0].parameters: invalid row_filter parameters: expression '1; DROP TABLE users' must be a single "
     "predicate (no ';' or comments) (parameters: targets, column, values, expression, allowed_roles)"),
    (rule(conditions=[{"field": "name", "operator": "regex", "value": "("}]),
     "conditions[0]: invalid regex '(': missing ), unterminated subpattern at position 0"),
])
def test_invalid_rules_are_422_with_the_precise_message(env: Env, body: dict, detail: str) -> None:
    resp = env.client.post(RULES, headers=env.admin_headers, json=body)
    assert resp.status_code == 422
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["detail"] == detail
    assert env.client.get(RULES, headers=env.admin_headers).json() == []


def test_rule_crud_versions_and_audit(env: Env) -> None:
    h = env.admin_headers
    created = env.client.post(RULES, headers=h, json=rule())
    assert created.status_code == 201 and created.json()["version"] == 1
    assert created.json()["actions"][0]["parameters"]["exempt_roles"] == ["PII_READER"]
    assert env.client.post(RULES, headers=h, json=rule()).status_code == 409
    changed = env.client.put(f"{RULES}/pii-mask", headers=h, json={**rule(), "enabled": False})
    assert changed.status_code == 200 and changed.json()["version"] == 2 and changed.json()["enabled"] is False
    mismatch = env.client.put(f"{RULES}/pii-mask", headers=h, json={**rule(), "rule_id": "other"})
    assert mismatch.status_code == 422 and "does not match the path" in mismatch.json()["detail"]
    bad = env.client.put(f"{RULES}/pii-mask", headers=h, json={**rule(), "rule_type": "nope"})
    assert bad.status_code == 422 and bad.json()["detail"].startswith("rule_type: unknown rule type 'nope'")
    assert env.client.get(f"{RULES}/pii-mask", headers=h).json()["version"] == 2
    assert env.client.delete(f"{RULES}/pii-mask", headers=h).status_code == 204
    assert env.client.get(f"{RULES}/pii-mask", headers=h).status_code == 404
    actions = [a["action"] for a in env.client.get("/api/v1/audit", headers=h).json()]
    assert {"rule.create", "rule.update", "rule.delete"} <= set(actions)
    # engineers read rules, only governance (admin) changes them
    engineer = env.key(Role.DATA_ENGINEER)
    assert env.client.get(RULES, headers=engineer).status_code == 200
    assert env.client.post(RULES, headers=engineer, json=rule()).status_code == 403



def test_preview_reports_what_would_change_without_writing(env: Env) -> None:
    load_demo_chain(env.store)
    h = env.admin_headers
    before = env.client.get("/api/v1/changes", headers=h, params={"limit": 1000}).json()["last_seq"]
    resp = env.client.post("/api/v1/classifications/preview", headers=h,
                           json={"asset_id": aid(USERS_EMAIL), "tag": "PII.email"})
    assert resp.status_code == 200, resp.text
    adds = {i["qualified_name"]: i for i in resp.json()["to_add"]}
    assert adds[str(SF_EMAIL)]["depth"] == 2 and adds[str(S3_EMAIL)]["path"] == [aid(USERS_EMAIL), aid(S3_EMAIL)]
    assert resp.json()["to_remove"] == [] and resp.json()["limits_hit"] == []
    assert env.client.get("/api/v1/changes", headers=h, params={"after": before}).json()["items"] == []
    # removing a tag that is not there is a 404; once applied and propagated, removal previews retraction
    missing = env.client.post("/api/v1/classifications/preview", headers=h,
                              json={"asset_id": aid(USERS_EMAIL), "tag": "PII.email", "action": "remove"})
    assert missing.status_code == 404
    env.client.post(f"/api/v1/assets/{aid(USERS_EMAIL)}/classifications", headers=h, json={"tag": "PII.email"})
    PropagationConsumer(env.store).drain()
    removal = env.client.post("/api/v1/classifications/preview", headers=h,
                              json={"asset_id": aid(USERS_EMAIL), "tag": "PII.email", "action": "remove"}).json()
    assert {i["qualified_name"] for i in removal["to_remove"]} == set(adds) and removal["to_add"] == []
    again = env.client.post("/api/v1/classifications/preview", headers=h,
                            json={"asset_id": aid(USERS_EMAIL), "tag": "PII.email"}).json()
    assert again["to_add"] == [] and again["to_remove"] == []
