"""Acceptance: 30 days of demo logs backfilled through the API-triggered, store-wired runner; the
catalog and the runs API then show what the pipeline produced."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from lily.model import Role
from lily.pipelines import demo
from lily.pipelines.lake import Lake
from lily.pipelines.schema import GOLD_COLUMNS, SILVER_COLUMNS
from tests.api.conftest import Env, make_env

START = date(2024, 1, 1)


def asset_named(env: Env, headers: dict[str, str], namespace: str, name: str) -> dict[str, Any]:
    page = env.client.get("/api/v1/assets", headers=headers, params={"namespace": namespace, "limit": 500}).json()
    found = [a for a in page["items"] if a["name"] == name and a["field"] == ""]
    assert len(found) == 1, (name, [a["name"] for a in page["items"]])
    return env.client.get(f"/api/v1/assets/{found[0]['id']}", headers=headers).json()


def test_30_day_backfill_shows_datasets_schema_lineage_and_runs_in_the_api(sqlite_url: str, tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    lake.ensure()
    files = demo.generate(START, 30, seed=17, per_file=8)
    demo.write_files(lake, files)
    env = make_env(sqlite_url, tmp_path, lake_root=str(lake.root))
    engineer, viewer = env.key(Role.DATA_ENGINEER), env.key(Role.VIEWER)

    resp = env.client.post("/api/v1/pipelines/logs/runs", headers=engineer,
                           json={"from": "2024-01-01", "to": "2024-01-30", "parallel": 2})
    assert resp.status_code == 202 and len(resp.json()["run_ids"]) == 30
    assert env.client.app.state.pipelines.wait_idle(timeout=300)

    # Runs: 30, all succeeded, each with four steps whose counts add up.
    runs = env.client.get("/api/v1/pipelines/logs/runs", headers=viewer, params={"limit": 100}).json()["items"]
    assert len(runs) == 30 and {r["state"] for r in runs} == {"SUCCEEDED"}
    assert sorted(r["run_id"] for r in runs) == sorted(resp.json()["run_ids"])
    for run in runs:
        assert [s["step"] for s in run["steps"]] == ["ingest", "normalize", "aggregate", "catalog"]
        c = run["counts"]
        assert c["records_in"] == c["silver_rows"] + c["rejected_rows"], run
        assert c["silver_rows"] > 0 and c["gold_rows"] > 0
    assert sum(r["counts"]["rejected_rows"] for r in runs) == sum(f.bad_records for f in files)
    assert sum(r["counts"]["files_in"] for r in runs) == len(files)

    # Catalog: silver and gold with their schema, partitions, row counts and owners.
    ns = lake.namespace()
    silver = asset_named(env, viewer, ns, "silver/logs")
    gold = asset_named(env, viewer, ns, "gold/daily_activity")
    assert [c["field"] for c in silver["columns"]] == [c[0] for c in SILVER_COLUMNS]
    assert [c["field"] for c in gold["columns"]] == [c[0] for c in GOLD_COLUMNS]
    assert silver["attributes"]["partitions"] == ["log_type", "event_date"]
    assert gold["attributes"]["partitions"] == ["event_date"]
    assert silver["attributes"]["row_count"] == sum(r["counts"]["silver_rows"] for r in runs)
    assert gold["attributes"]["row_count"] == sum(r["counts"]["gold_rows"] for r in runs)
    assert [o["name"] for o in gold["owners"]] == ["platform-team"]

    # Lineage: dataset level gold <- silver <- bronze <- raw ...
    up = env.client.get(f"/api/v1/assets/{gold['id']}/lineage", headers=viewer,
                        params={"direction": "upstream", "level": "dataset", "depth": 5}).json()
    by_depth = {(n["asset"]["name"], n["depth"]) for n in up["nodes"]}
    assert {("silver/logs", 1), ("bronze/ndjson", 2), ("bronze/json_gzip", 2), ("bronze/xml_errors", 2),
            ("raw", 3)} <= by_depth
    # ... and column level, from a gold column back to the bronze input fields it comes from.
    p95 = next(c for c in gold["columns"] if c["field"] == "p95_latency_ms")
    col_up = env.client.get(f"/api/v1/assets/{p95['id']}/lineage", headers=viewer,
                            params={"direction": "upstream", "level": "column", "depth": 5}).json()
    reached = {(n["asset"]["name"], n["asset"]["field"], n["depth"]) for n in col_up["nodes"]}
    assert ("silver/logs", "latency_ms", 1) in reached
    assert {("bronze/ndjson", "latency_ms", 2), ("bronze/json_gzip", "duration_ms", 2)} <= reached
    assert all(e["level"] == "column" for e in col_up["edges"]) and len(col_up["edges"]) >= 3
    env.client.close()
    env.store.dispose()
