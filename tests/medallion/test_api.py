"""Declared pipelines through the HTTP API: reviewing detected tags (and a re-run respecting the
reviews), quality results with history, and runs triggered and read like the log pipeline's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lily.governance.consumer import PropagationConsumer
from lily.model import AssetRef, ClassificationSource, Role, asset_id
from lily.pipelines.lake import Lake
from lily.pipelines.service import PipelineService
from tests.api.conftest import Env, make_env

from .conftest import D1, D2, demo, write_pipeline
from .test_catalog import PEOPLE, TENANT, run_in_lily, tag_map

V1 = "/api/v1"
BRONZE, SILVER, GOLD = "bronze/people/customers", "silver/people/customers", "gold/people/contacts"


@pytest.fixture
def lenv(sqlite_url: str, tmp_path: Path) -> Iterator[tuple[Env, Lake, Path]]:
    lake = Lake((tmp_path / "lake").resolve())
    lake.ensure()
    demo(lake, 2)
    pipeline = write_pipeline(tmp_path / "pipelines", "people", PEOPLE)
    e = make_env(sqlite_url, tmp_path, lake_root=str(lake.root), pipelines_dir=str(pipeline.parent))
    yield e, lake, pipeline
    e.client.app.state.pipelines.stop()
    e.client.close()
    e.store.dispose()


def aid(lake: Lake, name: str, field: str = "") -> str:
    return str(asset_id(TENANT, AssetRef(namespace=lake.namespace(), name=name, field=field)))


def listed(env: Env, asset: str) -> dict[tuple[str, str], dict[str, Any]]:
    resp = env.client.get(f"{V1}/assets/{asset}/classifications", headers=env.admin_headers)
    assert resp.status_code == 200, resp.text
    return {(c["tag"], c["source"]): c for c in resp.json()}


def test_confirm_and_reject_over_http_and_a_rerun_respects_them(lenv: tuple[Env, Lake, Path]) -> None:
    env, lake, pipeline = lenv
    first = run_in_lily(env.store, lake, pipeline)
    assert first.succeeded, first.error
    consumer = PropagationConsumer(env.store)
    consumer.drain()
    email, phone, iban = aid(lake, BRONZE, "email"), aid(lake, BRONZE, "phone"), aid(lake, BRONZE, "iban")
    assert listed(env, email)[("PII.email", "detected")]["status"] == "suggested"
    assert listed(env, aid(lake, SILVER, "phone"))[("PII.phone", "propagated")]

    engineer, viewer = env.key(Role.DATA_ENGINEER), env.key(Role.VIEWER)
    confirm = f"{V1}/assets/{email}/classifications/PII.email/confirm"
    assert env.client.post(confirm, headers=viewer).status_code == 403  # reviewing is classification:write
    resp = env.client.post(confirm, headers=engineer)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["status"] == "confirmed" and body["source"] == "detected" and body["confidence"] > 0.9
    assert body["evidence"]["reviewed_by"].startswith("api_key:") and body["evidence"]["run_id"] == first.run.run_id

    resp = env.client.post(f"{V1}/assets/{phone}/classifications/PII.phone/reject", headers=engineer)
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "rejected" and resp.json()["evidence"]["recognizer"]
    assert ("PII.phone", "detected") not in listed(env, phone)
    # a rejected tag is no tag: its propagated copies go
    consumer.drain()
    assert ("PII.phone", "propagated") not in listed(env, aid(lake, SILVER, "phone"))
    assert ("PII.phone", "propagated") not in listed(env, aid(lake, GOLD, "phone"))
    rejected = env.client.get(f"{V1}/assets/{phone}/rejected-classifications", headers=viewer).json()
    assert [r["tag"] for r in rejected] == ["PII.phone"]

    # nothing to review: 404; a direct tag is not a suggestion
    assert env.client.post(f"{V1}/assets/{phone}/classifications/PII.iban/confirm",
                           headers=engineer).status_code == 404
    assert env.client.post(f"{V1}/assets/{iban}/classifications",
                           headers=engineer, json={"tag": "PII.iban", "propagate": False}).status_code == 201

    # the next day's run re-scores suggestions and leaves the reviewed ones and the direct one alone
    second = run_in_lily(env.store, lake, pipeline, D2)
    assert second.succeeded, second.error
    consumer.drain()
    after_email = listed(env, email)
    assert after_email[("PII.email", "detected")]["status"] == "confirmed"
    assert after_email[("PII.email", "detected")]["evidence"]["run_id"] == first.run.run_id  # untouched
    assert after_email[("GDPR.personal", "detected")]["evidence"]["run_id"] == second.run.run_id  # re-scored
    assert ("PII.phone", "detected") not in listed(env, phone)  # not suggested again
    ibans = listed(env, iban)
    assert ibans[("PII.iban", "direct")]["propagate"] is False
    assert ibans[("PII.iban", "detected")]["evidence"]["run_id"] == first.run.run_id  # not re-written beside it

    # confirming a rejected suggestion restores it, confirmed
    resp = env.client.post(f"{V1}/assets/{phone}/classifications/PII.phone/confirm", headers=engineer)
    assert resp.status_code == 200 and resp.json()["status"] == "confirmed"
    assert env.client.get(f"{V1}/assets/{phone}/rejected-classifications", headers=viewer).json() == []
    consumer.drain()
    assert ("PII.phone", "propagated") in listed(env, aid(lake, GOLD, "phone"))
    assert tag_map(env.store, AssetRef(namespace=lake.namespace(), name=BRONZE, field="phone"))[
        ("PII.phone", ClassificationSource.DETECTED.value)].status == "confirmed"


def test_quality_results_latest_and_history_paginated(lenv: tuple[Env, Lake, Path]) -> None:
    env, lake, pipeline = lenv
    for day in (D1, D2):
        assert run_in_lily(env.store, lake, pipeline, day).succeeded
    silver = aid(lake, SILVER)
    viewer = env.key(Role.VIEWER)
    body = env.client.get(f"{V1}/assets/{silver}/quality", headers=viewer).json()
    latest = body["latest"]
    assert latest["status"] == "warn" and latest["context"]["process_date"] == D2.isoformat()
    assert latest["scores"]["uniqueness"] == 100.0 and set(latest["scores"]) == {"uniqueness", "completeness"}
    assert {c["name"] for c in latest["checks"]} == {"duplicate_count(customer_id)", "missing_count(email)"}
    assert latest["metrics"]["rowCount"] > 0 and latest["passed"] + latest["failed"] == 2
    assert [i["context"]["process_date"] for i in body["items"]] == [D2.isoformat(), D1.isoformat()]

    page1 = env.client.get(f"{V1}/assets/{silver}/quality", headers=viewer, params={"limit": 1}).json()
    assert len(page1["items"]) == 1 and page1["next_cursor"]
    page2 = env.client.get(f"{V1}/assets/{silver}/quality", headers=viewer,
                           params={"limit": 1, "cursor": page1["next_cursor"]}).json()
    assert page2["latest"] == latest and page2["next_cursor"] is None
    assert [i["id"] for i in page1["items"] + page2["items"]] == [i["id"] for i in body["items"]]
    # a dataset without results: no latest; an unknown asset: 404
    gold = env.client.get(f"{V1}/assets/{aid(lake, GOLD)}/quality", headers=viewer).json()
    assert gold["latest"] is None and gold["items"] == []
    # another asset's cursor names no result of this one
    foreign = env.client.get(f"{V1}/assets/{aid(lake, GOLD)}/quality", headers=viewer,
                             params={"cursor": page1["next_cursor"]})
    assert foreign.status_code == 404 and "cursor" in foreign.json()["detail"]
    unknown = aid(lake, "silver/people/nothing")
    assert env.client.get(f"{V1}/assets/{unknown}/quality", headers=viewer).status_code == 404


def service(env: Env) -> PipelineService:
    return env.client.app.state.pipelines


def test_declared_pipelines_run_through_the_pipelines_api(lenv: tuple[Env, Lake, Path]) -> None:
    env, lake, pipeline = lenv
    runs = f"{V1}/pipelines/people/runs"
    resp = env.client.post(runs, headers=env.key(Role.DATA_ENGINEER), json={"date": "2024-01-01"})
    assert resp.status_code == 202, resp.text
    run_id = resp.json()["run_ids"][0]
    assert service(env).wait_idle(timeout=120)
    run = env.client.get(f"{runs}/{run_id}", headers=env.admin_headers).json()
    assert run["state"] == "SUCCEEDED", run
    assert [s["step"] for s in run["steps"]] == ["bronze.customers", "silver.customers", "gold.contacts",
                                                 "retention", "catalog"]
    assert run["steps"][-1]["details"]["sync_detected_classifications"] == 2
    assert [r["run_id"] for r in env.client.get(runs, headers=env.admin_headers).json()["items"]] == [run_id]
    assert listed(env, aid(lake, BRONZE, "email"))[("PII.email", "detected")]["status"] == "suggested"

    # a backfill, then a file that is no longer valid: 422 with the file's errors; unknown: 404
    resp = env.client.post(runs, headers=env.admin_headers, json={"from": "2024-01-01", "to": "2024-01-02"})
    assert resp.status_code == 202 and len(resp.json()["run_ids"]) == 2
    assert service(env).wait_idle(timeout=120)
    pipeline.write_text(pipeline.read_text().replace("primary_key: customer_id", "primary_kye: customer_id"))
    resp = env.client.post(runs, headers=env.admin_headers, json={"date": "2024-01-01"})
    assert resp.status_code == 422 and "primary_kye" in resp.text
    assert env.client.post(f"{V1}/pipelines/nope/runs", headers=env.admin_headers,
                           json={"date": "2024-01-01"}).status_code == 404
