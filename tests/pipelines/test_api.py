"""Pipelines API: trigger (202, background), list and read runs, permissions, 404s, validation."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from lily.model import Role
from lily.pipelines import demo
from lily.pipelines.lake import Lake
from lily.pipelines.service import PipelineService
from tests.api.conftest import Env, make_env

D1 = date(2024, 1, 1)
RUNS = "/api/v1/pipelines/logs/runs"


@pytest.fixture
def penv(database_url: str, tmp_path: Path) -> Iterator[Env]:
    lake = Lake(tmp_path / "lake")
    lake.ensure()
    demo.write_files(lake, demo.generate(D1, 2, seed=9, per_file=15))
    e = make_env(database_url, tmp_path, lake_root=str(lake.root))
    yield e
    service(e).stop()
    e.client.close()
    e.store.dispose()


def service(env: Env) -> PipelineService:
    return env.client.app.state.pipelines


def settle(env: Env) -> None:
    assert service(env).wait_idle(timeout=120), "pipeline jobs did not finish"


def test_trigger_one_day_then_read_it_with_steps_and_counts(penv: Env) -> None:
    engineer = penv.key(Role.DATA_ENGINEER)
    resp = penv.client.post(RUNS, headers=engineer, json={"date": "2024-01-01"})
    assert resp.status_code == 202, resp.text
    body = resp.json()
    run_id = body["run_ids"][0]
    assert body["runs"] == [{"run_id": run_id, "process_date": "2024-01-01", "attempt": 1, "state": "QUEUED",
                             "trigger": "manual"}]
    assert resp.headers["location"] == f"{RUNS}/{run_id}"
    settle(penv)

    viewer = penv.key(Role.VIEWER)  # reading runs is catalog:read
    run = penv.client.get(f"{RUNS}/{run_id}", headers=viewer).json()
    assert run["state"] == "SUCCEEDED" and run["trigger"] == "manual" and run["duration_s"] > 0
    assert [s["step"] for s in run["steps"]] == ["ingest", "normalize", "aggregate", "catalog"]
    assert all(s["state"] == "SUCCEEDED" for s in run["steps"])
    norm = run["steps"][1]
    counts = run["counts"]
    assert counts["records_in"] == norm["rows_in"] == counts["silver_rows"] + counts["rejected_rows"]
    assert counts["rejected_rows"] > 0 and norm["details"]["reject_reasons"]
    assert counts["files_rejected"] == 5 and counts["gold_rows"] > 0

    listed = penv.client.get(RUNS, headers=viewer, params={"date": "2024-01-01", "state": "SUCCEEDED"}).json()
    assert [r["run_id"] for r in listed["items"]] == [run_id]
    assert penv.client.get(RUNS, headers=viewer, params={"state": "FAILED"}).json()["items"] == []


def test_backfill_returns_a_run_id_per_day_and_lists_newest_first(penv: Env) -> None:
    resp = penv.client.post(RUNS, headers=penv.admin_headers,
                            json={"from": "2024-01-01", "to": "2024-01-03", "parallel": 2})
    assert resp.status_code == 202
    runs = resp.json()["runs"]
    assert [r["process_date"] for r in runs] == ["2024-01-01", "2024-01-02", "2024-01-03"]
    assert {r["trigger"] for r in runs} == {"backfill"} and len({r["run_id"] for r in runs}) == 3
    settle(penv)
    items = penv.client.get(RUNS, headers=penv.admin_headers).json()["items"]
    assert [i["process_date"] for i in items] == ["2024-01-03", "2024-01-02", "2024-01-01"]
    assert [i["run_id"] for i in items[::-1]] == [r["run_id"] for r in runs]
    assert all(i["state"] == "SUCCEEDED" for i in items), [i["error"] for i in items]
    window = penv.client.get(RUNS, headers=penv.admin_headers, params={"from": "2024-01-02", "to": "2024-01-02"})
    assert [i["process_date"] for i in window.json()["items"]] == ["2024-01-02"]
    limited = penv.client.get(RUNS, headers=penv.admin_headers, params={"limit": 1}).json()["items"]
    assert [i["process_date"] for i in limited] == ["2024-01-03"]
    # a second trigger of a finished day is a new attempt
    again = penv.client.post(RUNS, headers=penv.admin_headers, json={"date": "2024-01-02"}).json()["runs"][0]
    assert again["attempt"] == 2 and again["run_id"] not in {r["run_id"] for r in runs}
    settle(penv)


def test_a_day_already_queued_is_not_queued_twice(penv: Env) -> None:
    runner = service(penv).runner("logs")
    gate = threading.Event()
    real = runner.run_days

    def held(*args: Any, **kwargs: Any) -> Any:
        assert gate.wait(60)
        return real(*args, **kwargs)

    runner.run_days = held  # type: ignore[method-assign]
    try:
        first = penv.client.post(RUNS, headers=penv.admin_headers, json={"from": "2024-01-01", "to": "2024-01-02"})
        second = penv.client.post(RUNS, headers=penv.admin_headers, json={"from": "2024-01-02", "to": "2024-01-03"})
        ids1 = {r["process_date"]: r["run_id"] for r in first.json()["runs"]}
        runs2 = {r["process_date"]: r for r in second.json()["runs"]}
        assert runs2["2024-01-02"]["run_id"] == ids1["2024-01-02"] and runs2["2024-01-02"]["attempt"] == 1
        assert runs2["2024-01-03"]["state"] == "QUEUED"
        queued = penv.client.get(RUNS, headers=penv.admin_headers, params={"state": "QUEUED"}).json()["items"]
        assert len(queued) == 3
    finally:
        gate.set()
    settle(penv)
    items = penv.client.get(RUNS, headers=penv.admin_headers).json()["items"]
    assert sorted((i["process_date"], i["attempt"], i["state"]) for i in items) == [
        ("2024-01-01", 1, "SUCCEEDED"), ("2024-01-02", 1, "SUCCEEDED"), ("2024-01-03", 1, "SUCCEEDED")]


def test_permissions_unknown_pipelines_and_foreign_tenants(penv: Env) -> None:
    for role in (Role.VIEWER, Role.DATA_ANALYST, Role.ML_ENGINEER):
        resp = penv.client.post(RUNS, headers=penv.key(role), json={"date": "2024-01-01"})
        assert resp.status_code == 403 and "pipelines:run" in resp.json()["detail"]
    missing = penv.client.post("/api/v1/pipelines/nope/runs", headers=penv.admin_headers, json={"date": "2024-01-01"})
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/problem+json")
    assert penv.client.get("/api/v1/pipelines/nope/runs", headers=penv.admin_headers).status_code == 404
    assert penv.client.get(f"{RUNS}/not-a-run", headers=penv.admin_headers).status_code == 404
    # the lake belongs to the default tenant: another tenant has no "logs" pipeline
    other = penv.key(Role.ADMIN, tenant="other")
    assert penv.client.get(RUNS, headers=other).status_code == 404
    assert penv.client.post(RUNS, headers=other, json={"date": "2024-01-01"}).status_code == 404
    assert service(penv).recorder().runs() == []


@pytest.mark.parametrize("body", [{}, {"date": "2024-01-01", "from": "2024-01-01", "to": "2024-01-02"},
                                  {"from": "2024-01-05", "to": "2024-01-01"}, {"from": "2024-01-01"},
                                  {"date": "yesterday"}, {"date": "2024-01-01", "parallel": 0},
                                  {"from": "2000-01-01", "to": "2024-01-01"}, {"date": "2024-01-01", "x": 1}])
def test_invalid_requests_are_422_problems(sqlite_url: str, tmp_path: Path, body: dict[str, Any]) -> None:
    env = make_env(sqlite_url, tmp_path, lake_root=str(tmp_path / "lake"))
    resp = env.client.post(RUNS, headers=env.admin_headers, json=body)
    assert resp.status_code == 422 and resp.headers["content-type"].startswith("application/problem+json")
    assert service(env).recorder().runs() == []
    env.client.close()


def test_run_of_another_pipeline_name_is_not_found(penv: Env) -> None:
    run_id = penv.client.post(RUNS, headers=penv.admin_headers, json={"date": "2024-01-01"}).json()["run_ids"][0]
    settle(penv)
    assert penv.client.get(f"{RUNS}/{run_id}", headers=penv.admin_headers).status_code == 200
    assert penv.client.get(f"/api/v1/pipelines/other/runs/{run_id}", headers=penv.admin_headers).status_code == 404
    assert D1 + timedelta(days=1) not in {r.process_date for r in service(penv).recorder().runs()}
