"""The `make run` acceptance: demo catalog served over HTTP, searchable, with column lineage."""

from __future__ import annotations

import os
import stat

import httpx

from tests.support.live import LiveLily


def test_credentials_file_is_private(live_demo: LiveLily) -> None:
    mode = stat.S_IMODE(os.stat(live_demo.data_dir / "admin-credentials.json").st_mode)
    assert mode == 0o600
    assert set(live_demo.credentials) == {"tenant", "username", "password", "api_key"}


def test_search_users_and_email_lineage_reaches_snowflake_and_looker(live_demo: LiveLily) -> None:
    creds = live_demo.credentials
    with httpx.Client(base_url=live_demo.url, timeout=10) as http:
        token = http.post("/api/v1/auth/token", json={"tenant": creds["tenant"], "username": creds["username"],
                                                      "password": creds["password"]}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        found = http.get("/api/v1/assets", params={"q": "users"}, headers=headers).json()["items"]
        names = {a["qualified_name"] for a in found if a["type"] in ("table", "dataset")}
        assert "postgres://db.deltaarc.internal:5432/shop.public.users" in names
        assert "snowflake://deltaarc-prod/ANALYTICS.PUBLIC.DIM_USERS" in names
        assert "s3://delta-arc-lake/exports/users" in names
        email = next(a for a in http.get("/api/v1/assets", params={"q": "users email", "type": "column"},
                                         headers=headers).json()["items"]
                     if a["namespace"].startswith("postgres://") and a["field"] == "email")
        lineage = http.get(f"/api/v1/assets/{email['id']}/lineage", params={"direction": "downstream", "depth": 10},
                           headers=headers).json()
        reached = {n["asset"]["qualified_name"]: n["depth"] for n in lineage["nodes"]}
        assert reached["snowflake://deltaarc-prod/ANALYTICS.PUBLIC.DIM_USERS#EMAIL"] == 2
        assert reached["looker://deltaarc.looker.com/dashboards/customer_360"] == 3
        classifications = http.get(f"/api/v1/assets/{email['id']}/classifications", headers=headers).json()
        assert [c["tag"] for c in classifications] == ["PII.email"]


def test_health_ready_and_metrics(live_demo: LiveLily) -> None:
    with httpx.Client(base_url=live_demo.url, timeout=10) as http:
        assert http.get("/healthz").json() == {"status": "ok"}
        assert http.get("/readyz").json()["status"] == "ready"
        metrics = http.get("/metrics")
        assert metrics.status_code == 200 and "lily_http_requests_total" in metrics.text
        assert http.get("/docs").status_code == 200
