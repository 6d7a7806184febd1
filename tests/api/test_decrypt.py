"""POST /api/v1/anonymize/decrypt: admin only, audited without plaintexts, bad tokens are 422."""

from __future__ import annotations

import json

import pyarrow as pa

from lily.anonymize import OperatorSpec, apply_operator, load_keyring
from lily.model import Role
from lily.store.feed import audit_records
from tests.api.conftest import Env

URL = "/api/v1/anonymize/decrypt"
PLAIN = ["jane.doe@example.com", "DE89370400440532013000", "jane.doe@example.com"]


def _tokens(env: Env, deterministic: bool) -> list[str]:
    keys = load_keyring("default", env.settings.data_dir)  # the keys the pipelines of the tenant use
    spec = OperatorSpec(kind="encrypt", deterministic=deterministic)
    return [str(v) for v in apply_operator(pa.array(PLAIN), spec, keys=keys).to_pylist()]


def _audits(env: Env) -> list[dict]:
    with env.store.read() as conn:
        return audit_records(conn, "default", action="anonymize.decrypt")


def test_admin_decrypts_tokens_of_the_encrypt_operator_and_the_call_is_audited(sqlite_env: Env) -> None:
    for deterministic in (True, False):
        tokens = _tokens(sqlite_env, deterministic)
        resp = sqlite_env.client.post(URL, json={"values": tokens}, headers=sqlite_env.admin_headers)
        assert resp.status_code == 200, resp.text
        assert resp.json() == {"values": PLAIN}
    audits = _audits(sqlite_env)
    assert len(audits) == 2
    record = audits[0]
    assert record["actor"].startswith("api_key:")  # the admin's key, by name
    assert record["details"] == {"values": 3, "outcome": "decrypted"}
    assert record["correlation_id"] == resp.headers["x-request-id"]
    stored = json.dumps(audits, default=str)
    assert not any(p in stored for p in PLAIN) and not any(t in stored for t in tokens)


def test_other_roles_are_refused_and_nothing_is_decrypted(sqlite_env: Env) -> None:
    tokens = _tokens(sqlite_env, True)
    for role in (Role.DATA_ENGINEER, Role.ML_ENGINEER, Role.DATA_ANALYST, Role.VIEWER):
        resp = sqlite_env.client.post(URL, json={"values": tokens}, headers=sqlite_env.key(role))
        assert resp.status_code == 403, (role, resp.text)
        assert "anonymize:decrypt" in resp.json()["detail"]
    assert _audits(sqlite_env) == []


def test_bad_tokens_are_422_with_a_message_and_audited_as_refused(sqlite_env: Env) -> None:
    good = _tokens(sqlite_env, True)[0]
    for bad, message in (("not-a-token", "not a token"), ("k9:siv:" + good.split(":", 2)[2], "not a token"),
                         (good[:-6] + "AAAAAA", "")):
        resp = sqlite_env.client.post(URL, json={"values": [good, bad]}, headers=sqlite_env.admin_headers)
        assert resp.status_code == 422, resp.text
        assert resp.headers["content-type"].startswith("application/problem+json")
        assert message in resp.json()["detail"] and "jane" not in resp.text
    assert [a["details"]["outcome"] for a in _audits(sqlite_env)] == ["refused"] * 3


def test_the_request_is_bounded(sqlite_env: Env) -> None:
    for body in ({"values": []}, {"values": ["x"] * 1001}, {"values": ["x" * 8193]}, {"values": [""]}, {}):
        resp = sqlite_env.client.post(URL, json=body, headers=sqlite_env.admin_headers)
        assert resp.status_code == 422, body
    assert _audits(sqlite_env) == []
