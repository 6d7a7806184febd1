"""Monte Carlo webhooks: tenant by query, per-tenant secret (encrypted at rest), 401 missing, 403 wrong."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from lily.model import Role
from lily.store.tables_inbound import inbound_source_configs
from tests.inbound.samples import MONTECARLO, load
from tests.inbound_flow.conftest import Flow

VECTORS = load(MONTECARLO / "montecarlo_signature_test_vectors_DERIVED.json")
SECRET = VECTORS["secret"]
URL = "/api/v1/webhooks/monte-carlo"


def configure(flow: Flow, **body: Any) -> Any:
    resp = flow.env.client.put("/api/v1/sources/monte-carlo/config", headers=flow.headers,
                               json={"secret": SECRET, **body})
    assert resp.status_code == 200, resp.text
    return resp.json()


def send(flow: Flow, name: str, signature: str | None, tenant: str | None = "default") -> Any:
    raw = (MONTECARLO / name).read_bytes()
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["x-mcd-signature"] = signature
    params = {"tenant": tenant} if tenant else None
    return flow.env.client.post(URL, content=raw, headers=headers, params=params)


@pytest.mark.parametrize("vector", VECTORS["vectors"], ids=lambda v: v["file"])
@pytest.mark.parametrize("form", ["signature_mc_reference", "signature_raw_body"])
def test_signed_webhooks_are_accepted_in_both_forms(sqlite_flow: Flow, vector: dict[str, Any], form: str) -> None:
    configure(sqlite_flow)
    resp = send(sqlite_flow, vector["file"], vector[form])
    assert resp.status_code == 200, resp.text
    assert resp.json()["accepted"] == 1
    row = sqlite_flow.rows()[0]
    assert row["source"] == "monte_carlo" and row["actor"] == "webhook:monte_carlo"


def test_missing_wrong_and_unconfigured_signatures(sqlite_flow: Flow) -> None:
    vector = VECTORS["vectors"][0]
    # No tenant and no token: nobody to authenticate against.
    resp = send(sqlite_flow, vector["file"], vector["signature_mc_reference"], tenant=None)
    assert resp.status_code == 401 and resp.headers["www-authenticate"].startswith("Bearer")
    # A tenant without a secret does not take unsigned (or any) webhooks.
    assert send(sqlite_flow, vector["file"], None).status_code == 401
    unconfigured = send(sqlite_flow, vector["file"], vector["signature_mc_reference"])
    assert unconfigured.status_code == 401 and "no Monte Carlo webhook secret" in unconfigured.json()["detail"]
    configure(sqlite_flow)
    assert send(sqlite_flow, vector["file"], None).status_code == 401
    wrong = send(sqlite_flow, vector["file"], "0" * 128)
    assert wrong.status_code == 403 and "x-mcd-signature" in wrong.json()["detail"]
    # The signature of another tenant's secret does not open this one.
    assert send(sqlite_flow, vector["file"], vector["signature_mc_reference"], tenant="other").status_code == 401
    assert sqlite_flow.rows() == []
    assert send(sqlite_flow, vector["file"], vector["signature_mc_reference"]).status_code == 200


def test_secret_is_encrypted_at_rest_and_never_returned(sqlite_flow: Flow) -> None:
    out = configure(sqlite_flow, mapping={"tables": [{"table": "artemis", "ref": {"namespace": "bq", "name": "p.d.artemis"}}]})
    assert out["secret_configured"] is True and "secret" not in out
    assert out["webhook_path"] == "/api/v1/webhooks/monte-carlo?tenant=default"
    with sqlite_flow.env.store.read() as conn:
        stored = conn.execute(select(inbound_source_configs.c.secret_encrypted)).scalar_one()
    assert SECRET not in stored
    assert Fernet(sqlite_flow.env.settings.fernet_key().encode()).decrypt(stored.encode()).decode() == SECRET
    # Omitting the secret keeps it; null removes it.
    kept = sqlite_flow.env.client.put("/api/v1/sources/monte-carlo/config", headers=sqlite_flow.headers, json={}).json()
    assert kept["secret_configured"] is True and kept["mapping"]["tables"] == []
    removed = sqlite_flow.env.client.put("/api/v1/sources/monte-carlo/config", headers=sqlite_flow.headers,
                                  json={"secret": None}).json()
    assert removed["secret_configured"] is False
    got = sqlite_flow.env.client.get("/api/v1/sources/monte-carlo/config", headers=sqlite_flow.headers)
    assert got.status_code == 200 and got.json()["secret_configured"] is False
    # Only admins manage webhook secrets.
    engineer = sqlite_flow.env.key(Role.DATA_ENGINEER)
    assert sqlite_flow.env.client.put("/api/v1/sources/monte-carlo/config", headers=engineer,
                               json={"secret": SECRET}).status_code == 403


def test_bearer_token_relay_uses_the_keys_tenant(sqlite_flow: Flow) -> None:
    raw = (MONTECARLO / "montecarlo_webhook_anomaly_incident_abbrev.json").read_bytes()
    resp = sqlite_flow.env.client.post(URL, content=raw, headers=sqlite_flow.headers)
    assert resp.status_code == 200 and resp.json()["accepted"] == 1
    assert sqlite_flow.env.client.post(URL, content=raw, headers=sqlite_flow.headers,
                                params={"tenant": "other"}).status_code == 403
    viewer = sqlite_flow.env.key(Role.VIEWER)
    assert sqlite_flow.env.client.post(URL, content=raw, headers=viewer).status_code == 403
    assert sqlite_flow.rows()[0]["actor"] == "api_key:bootstrap-admin"


def test_duplicate_update_is_one_event_and_malformed_body_is_refused(sqlite_flow: Flow) -> None:
    configure(sqlite_flow)
    vector = VECTORS["vectors"][1]
    first = send(sqlite_flow, vector["file"], vector["signature_mc_reference"]).json()
    second = send(sqlite_flow, vector["file"], vector["signature_raw_body"]).json()
    assert first["accepted"] == 1 and second["duplicates"] == 1
    assert first["events"][0]["id"] == second["events"][0]["id"]
    assert len(sqlite_flow.rows()) == 1
    body = b'{"payload": {"no_incident_id": true}}'
    from lily.inbound.sources.monte_carlo import sign

    resp = sqlite_flow.env.client.post(URL, content=body, params={"tenant": "default"},
                                headers={"x-mcd-signature": sign(body, SECRET, reference=False)})
    assert resp.status_code == 422 and "incident_id" in resp.json()["detail"]
