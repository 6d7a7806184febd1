"""Adding a source is one file: a made-up source (``fake_source``), registered in one line, goes
through real HTTP, the inbox, the worker and the catalog, and is read back through the API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from lily.inbound.accept import partitioner
from lily.inbound.sources import SOURCES, register, unregister
from lily.model import Role
from tests.inbound_flow import fake_source
from tests.inbound_flow.conftest import Flow

URL = "/api/v1/sources/pipes/events"
CONFIG = "/api/v1/sources/pipes/config"
PG = "postgres://db:5432"
SECRET = "pipes-secret-0123456789"


@pytest.fixture(autouse=True)
def pipes() -> Iterator[None]:
    register(fake_source.SOURCE)  # the one line
    yield
    unregister(fake_source.NAME)


def report(run: str, finished: str = "2026-01-05T10:00:00Z", pipeline: str = "daily_orders") -> dict[str, Any]:
    return {"run": run, "pipeline": pipeline, "finished": finished,
            "reads": [f"{PG}/shop.public.raw_orders", f"{PG}/shop.public.customers"],
            "writes": [f"{PG}/shop.public.orders"]}


def signed(flow: Flow, body: Any, *, secret: str = SECRET, tenant: str | None = "default") -> Any:
    raw = orjson.dumps(body)
    headers = {"Content-Type": "application/json", fake_source.SIGNATURE_HEADER: fake_source.sign(raw, secret)}
    return flow.env.client.post(URL, content=raw, headers=headers, params={"tenant": tenant} if tenant else None)


def test_bearer_reports_reach_the_catalog_and_its_lineage(flow: Flow) -> None:
    resp = flow.post(URL, {"reports": [report("r-1"), report("r-1", pipeline="weekly")]})
    assert resp.status_code == 202, resp.text
    assert resp.json()["accepted"] == 2
    rows = flow.rows()
    assert [(r["source"], r["status"], r["event_type"], r["actor"]) for r in rows] == \
        [("pipes", "received", "run.finished", "api_key:bootstrap-admin")] * 2
    partition = partitioner("default", flow.runtime.bus.partitions)
    assert [r["partition"] for r in rows] == [partition("daily_orders"), partition("weekly")]
    # A redelivery is the same event, not stored again.
    again = flow.post(URL, report("r-1"))
    assert again.status_code == 202 and again.json()["duplicates"] == 1
    assert again.json()["events"][0]["id"] == resp.json()["events"][0]["id"]

    assert flow.drain().applied == 2
    assert {r["status"] for r in flow.rows()} == {"applied"}
    job = flow.asset("pipes", "daily_orders")
    assert job.type.value == "job" and job.attributes["last_run"] == "r-1"
    lineage = flow.env.client.get(f"/api/v1/assets/{flow.id_of(PG, 'shop.public.raw_orders')}/lineage",
                                         headers=flow.headers)
    assert lineage.status_code == 200, lineage.text
    body = lineage.json()
    assert [n["asset"]["name"] for n in body["nodes"]] == ["shop.public.orders"]
    (edge,) = body["edges"]  # one edge per (source, target); it names the job that wrote it last
    assert edge["job_id"] in {flow.id_of("pipes", "daily_orders"), flow.id_of("pipes", "weekly")}
    assert (f"{PG}/shop.public.customers", f"{PG}/shop.public.orders") in flow.edges()


def test_signed_reports_with_the_tenants_secret_and_options(sqlite_flow: Flow) -> None:
    # No tenant, no secret, no signature, a wrong one: refused, nothing stored.
    no_tenant = signed(sqlite_flow, report("r-1"), tenant=None)
    assert no_tenant.status_code == 401 and fake_source.SIGNATURE_HEADER in no_tenant.json()["detail"]
    unconfigured = signed(sqlite_flow, report("r-1"))
    assert unconfigured.status_code == 401 and "no Pipes webhook secret" in unconfigured.json()["detail"]
    configured = sqlite_flow.env.client.put(CONFIG, headers=sqlite_flow.headers,
                                            json={"secret": SECRET, "options": {"namespace": "airflow"}})
    assert configured.status_code == 200, configured.text
    assert configured.json() | {"updated_at": None} == {
        "source": "pipes", "secret_configured": True, "options": {"namespace": "airflow"},
        "events_path": f"{URL}?tenant=default", "updated_at": None, "updated_by": "api_key:bootstrap-admin"}
    unsigned = sqlite_flow.env.client.post(URL, content=orjson.dumps(report("r-1")), params={"tenant": "default"})
    assert unsigned.status_code == 401
    assert signed(sqlite_flow, report("r-1"), secret="another-secret-0123").status_code == 403
    assert sqlite_flow.rows() == []

    resp = signed(sqlite_flow, report("r-1"))
    assert resp.status_code == 202, resp.text
    assert sqlite_flow.rows()[0]["actor"] == "webhook:pipes"
    sqlite_flow.drain()
    assert sqlite_flow.asset("airflow", "daily_orders") is not None  # the options reached parse
    assert sqlite_flow.asset("pipes", "daily_orders") is None
    read = sqlite_flow.env.client.get(CONFIG, headers=sqlite_flow.headers).json()
    assert read["secret_configured"] is True and "secret" not in read


def test_envelope_refusals_and_the_enrich_hook(sqlite_flow: Flow) -> None:
    missing = sqlite_flow.post(URL, {"pipeline": "daily_orders", "finished": "2026-01-05T10:00:00Z"})
    assert missing.status_code == 422 and "run" in missing.json()["detail"]
    assert sqlite_flow.rows() == []
    assert sqlite_flow.post(URL, report("r-2", finished="2026-01-06T10:00:00Z")).status_code == 202
    sqlite_flow.drain()
    # The report of an earlier run arrives late: the enrich hook skips it, with its reason.
    assert sqlite_flow.post(URL, report("r-1", finished="2026-01-05T10:00:00Z")).status_code == 202
    sqlite_flow.drain()
    late = [r for r in sqlite_flow.rows() if r["note"]]
    assert len(late) == 1 and late[0]["note"].startswith("late Pipes report skipped")
    assert sqlite_flow.asset("pipes", "daily_orders").attributes["last_run"] == "r-2"


def test_routes_of_sources(sqlite_flow: Flow) -> None:
    client, headers = sqlite_flow.env.client, sqlite_flow.headers
    assert client.post("/api/v1/sources/kafka/events", content=b"{}", headers=headers).status_code == 404
    assert client.get("/api/v1/sources/kafka/config", headers=headers).status_code == 404
    bad = client.put(CONFIG, headers=headers, json={"options": {"namespace": ""}})
    assert bad.status_code == 422 and "options.namespace" in bad.json()["detail"]
    # A bearer-only source takes no secret, a source without a config no options.
    assert client.put("/api/v1/sources/openlineage/config", headers=headers,
                      json={"secret": SECRET}).status_code == 422
    assert client.put("/api/v1/sources/s3/config", headers=headers, json={"options": {"a": 1}}).status_code == 422
    # Keys of the wrong role, or of another tenant than ?tenant=, are refused.
    viewer = sqlite_flow.env.key(Role.VIEWER)
    assert sqlite_flow.post(URL, report("r-1"), headers=viewer).status_code == 403
    assert sqlite_flow.post(URL, report("r-1"), params={"tenant": "other"}).status_code == 403
    assert client.put(CONFIG, headers=sqlite_flow.env.key(Role.DATA_ENGINEER), json={}).status_code == 403
    # The built-in sources are served too.
    event = {"eventTime": "2026-01-05T10:00:00Z", "dataset": {"namespace": PG, "name": "shop.public.users"}}
    assert sqlite_flow.post("/api/v1/sources/openlineage/events", event).status_code == 202
    assert "pipes" in SOURCES
