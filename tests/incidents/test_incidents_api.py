"""``GET /incidents`` (filters, cursor) and ``GET /incidents/{id}`` over both databases."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from lily.model import Role, asset_id
from lily.store.incidents import incident_id
from tests.api.conftest import Env
from tests.incidents.conftest import INCIDENT, T0, sample, update, webhook
from tests.incidents.test_incident_apply import ABBREV, ARTEMIS, DAILY, MAPPING, seed_lineage
from tests.marquez.conftest import module_env

OTHER = "0b6f2c0e-1111-4e3a-9a57-1f0e5d7c9a11"


@pytest.fixture(scope="module")
def env(module_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    """Two incidents, written once per database through parse → apply; the tests below only read."""
    for e in module_env(module_database_url, tmp_path_factory):
        seed_lineage(e.store, tenant="default")
        webhook(e.store, sample(ABBREV), T0, mapping=MAPPING, tenant="default")
        for i, fields in enumerate([{"alert_feedback": "investigating"}, {"owner": "oncall@acme.io"},
                                    {"declared_alert_severity": "SEV-1"}], start=1):
            webhook(e.store, update(**fields), T0 + timedelta(minutes=i), mapping=MAPPING, tenant="default")
        # A second incident, on a table Lily does not map, opened later.
        webhook(e.store, {**sample(ABBREV), "payload": {**sample(ABBREV)["payload"], "incident_id": OTHER}},
                T0 + timedelta(hours=1), tenant="default")
        yield e


def items(env: Env, **params: Any) -> dict[str, Any]:
    resp = env.client.get("/api/v1/incidents", params=params, headers=env.admin_headers)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_list_newest_first_with_filters(env: Env) -> None:
    body = items(env)
    assert [i["external_id"] for i in body["items"]] == [OTHER, INCIDENT] and body["next_cursor"] is None
    main = body["items"][1]
    assert (main["status"], main["severity"], main["owner"]) == ("investigating", "SEV-1", "oncall@acme.io")
    assert main["affected"] == [{"asset_id": str(asset_id("default", ARTEMIS)), "namespace": ARTEMIS.namespace,
                                 "name": ARTEMIS.name, "field": "", "qualified_name": ARTEMIS.qualified_name,
                                 "known": True}]
    assert main["blast_radius_total"] == 3 and main["updates"] == 4
    assert body["items"][0]["unresolved"] == [{"table_name": "artemis"}] and body["items"][0]["affected"] == []
    assert [i["external_id"] for i in items(env, status="investigating")["items"]] == [INCIDENT]
    assert [i["external_id"] for i in items(env, status="open")["items"]] == [OTHER]
    assert [i["external_id"] for i in items(env, severity="SEV-1")["items"]] == [INCIDENT]
    assert [i["external_id"] for i in items(env, asset=str(asset_id("default", ARTEMIS)))["items"]] == [INCIDENT]
    assert items(env, asset=str(asset_id("default", DAILY)))["items"] == []
    assert items(env, source="s3")["items"] == []


def test_cursor_pages(env: Env) -> None:
    first = items(env, limit=1)
    assert [i["external_id"] for i in first["items"]] == [OTHER] and first["next_cursor"]
    second = items(env, limit=1, cursor=first["next_cursor"])
    assert [i["external_id"] for i in second["items"]] == [INCIDENT] and second["next_cursor"] is None
    bad = env.client.get("/api/v1/incidents", params={"cursor": "!!"}, headers=env.admin_headers)
    assert bad.status_code == 422 and bad.json()["detail"].startswith("query.cursor: ")  # not a cursor Lily wrote


def test_detail_has_timeline_affected_unresolved_and_enrichment(env: Env) -> None:
    iid = incident_id("default", "monte_carlo", INCIDENT)
    resp = env.client.get(f"/api/v1/incidents/{iid}", headers=env.key(Role.VIEWER))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["title"] == "Has 42 rows vs. 101 expected"  # status-only updates keep the name
    assert [e["set"].get("status") for e in body["timeline"]] == ["open", "investigating", None, None]
    assert [e["observed_at"] for e in body["timeline"]] == [
        (T0 + timedelta(minutes=i)).isoformat().replace("+00:00", "Z") for i in range(4)]
    assert body["timeline"][0]["update"]["event_details"] == ["Has 42 rows vs. 101 expected"]
    radius = body["enrichment"]["blast_radius"]
    assert radius["total"] == 3 and radius["owners"] == ["analytics@acme.io", "bi@acme.io", "etl@acme.io"]
    assert body["enrichment"]["owners"] == ["data-eng@acme.io"]
    assert body["link"].endswith(INCIDENT) and body["unresolved"] == []


def test_unknown_and_other_tenants_incidents_are_not_found(env: Env) -> None:
    assert env.client.get(f"/api/v1/incidents/{uuid.uuid4()}", headers=env.admin_headers).status_code == 404
    other = env.key(Role.ADMIN, tenant="other")
    iid = incident_id("default", "monte_carlo", INCIDENT)
    assert env.client.get(f"/api/v1/incidents/{iid}", headers=other).status_code == 404
    assert env.client.get("/api/v1/incidents", headers=other).json()["items"] == []
    assert env.client.get("/api/v1/incidents").status_code == 401
