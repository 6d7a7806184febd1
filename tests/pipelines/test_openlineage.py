"""OpenLineage events: valid against the spec (offline), deterministic ids, HTTP delivery."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from lily.model import AddLineage, AssetType, UpsertAsset
from lily.pipelines import demo
from lily.pipelines.openlineage import run_id_for
from lily.pipelines.sinks import HttpLineageSink

from .conftest import Harness

SHARED = Path(os.environ.get("LILY_SHARED_DIR", Path(__file__).resolve().parents[2] / ".." / "shared"))
SPEC = SHARED / "samples" / "openlineage" / "spec"


@pytest.fixture(scope="module")
def validators() -> tuple[Draft202012Validator, dict[str, Draft202012Validator]]:
    docs = [json.loads(p.read_text()) for p in [SPEC / "OpenLineage.json", *sorted((SPEC / "facets").glob("*.json"))]]
    registry: Registry = Registry().with_resources((d["$id"], Resource.from_contents(d)) for d in docs)
    core = docs[0]
    event = Draft202012Validator({"$ref": core["$id"] + "#/$defs/RunEvent"}, registry=registry,
                                 format_checker=Draft202012Validator.FORMAT_CHECKER)
    facets = {}
    for doc in docs[1:]:
        for name in doc.get("properties", {}):
            facets[name] = Draft202012Validator(doc, registry=registry)
    return event, facets


def _check(event: dict[str, Any], validators: Any) -> None:
    core, facets = validators
    core.validate(event)
    groups = [event["run"].get("facets", {}), event["job"].get("facets", {})]
    for ds in event["inputs"] + event["outputs"]:
        groups += [ds.get("facets", {}), ds.get("inputFacets", {}), ds.get("outputFacets", {})]
    for group in groups:
        for name, facet in group.items():
            facets[name].validate({name: facet})  # every facet we emit has a spec schema


def test_every_emitted_event_is_valid_and_complete(harness: Harness, validators: Any) -> None:
    demo.write_files(harness.lake, demo.generate(date(2024, 5, 1), 1, seed=5, per_file=20))
    run = harness.runner.run(date(2024, 5, 1))
    events = harness.lineage.events
    assert [(e["job"]["name"], e["eventType"]) for e in events] == [
        (f"logs.{s}", t) for s in ("ingest", "normalize", "aggregate", "catalog") for t in ("START", "COMPLETE")
    ]
    for event in events:
        _check(event, validators)
        assert event["run"]["facets"]["parent"]["run"]["runId"] == run.run_id
    norm = events[3]
    silver = next(o for o in norm["outputs"] if o["name"] == "silver/logs")
    assert silver["outputFacets"]["outputStatistics"]["rowCount"] > 0
    assert "event_time" in silver["facets"]["columnLineage"]["fields"]
    assertions = norm["inputs"][0]["inputFacets"]["dataQualityAssertions"]["assertions"]
    assert {a["assertion"]: a["success"] for a in assertions} == {"row_count_reconciles": True,
                                                                  "no_rejected_rows": False}
    gold = events[5]["outputs"][0]
    assert gold["facets"]["columnLineage"]["fields"]["unique_users"]["inputFields"][0]["field"] == "user_id"


def test_fail_event_is_valid(harness: Harness, validators: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from lily.pipelines import engines as engines_mod

    def boom(*_: object, **__: object) -> None:
        raise OSError("lake unavailable")

    monkeypatch.setattr(engines_mod, "normalize", boom)
    harness.runner.run(date(2024, 5, 1))
    fail = harness.lineage.events[-1]
    assert fail["eventType"] == "FAIL"
    assert fail["run"]["facets"]["errorMessage"]["message"] == "OSError: lake unavailable"
    _check(fail, validators)


def test_run_ids_are_deterministic_uuids() -> None:
    a = run_id_for("logs", date(2024, 1, 1), 1, "normalize")
    assert a == run_id_for("logs", date(2024, 1, 1), 1, "normalize")
    assert len({a, run_id_for("logs", date(2024, 1, 1), 2, "normalize"), run_id_for("logs", date(2024, 1, 2), 1,
                "normalize"), run_id_for("logs", date(2024, 1, 1), 1)}) == 4


def test_http_sink_posts_with_bearer_key() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201 if len(seen) == 1 else 500)

    sink = HttpLineageSink("https://lily.example/", "k-123", client=httpx.Client(transport=httpx.MockTransport(handler)))
    sink.emit({"eventType": "START"})
    assert str(seen[0].url) == "https://lily.example/api/v1/lineage"
    assert seen[0].headers["authorization"] == "Bearer k-123"
    assert json.loads(seen[0].content) == {"eventType": "START"}
    with pytest.raises(httpx.HTTPStatusError):
        sink.emit({"eventType": "COMPLETE"})


def test_catalog_events_describe_datasets_and_lineage(harness: Harness) -> None:
    demo.write_files(harness.lake, demo.generate(date(2024, 5, 1), 1, seed=5, per_file=20))
    harness.runner.run(date(2024, 5, 1))
    events = harness.metadata.batches[-1]
    # a directory lake is file://<dir>; an S3 lake is its s3://bucket/prefix URL
    ns = f"file://{harness.lake.root}" if harness.lake.is_local else str(harness.lake.root)
    assets = {e.ref.name: e for e in events if isinstance(e, UpsertAsset)}
    silver = assets["silver/logs"]
    assert silver.type is AssetType.TABLE and silver.ref.namespace == ns
    assert silver.attributes["partitions"] == ["log_type", "event_date"]
    assert silver.attributes["format"] == "delta" and silver.attributes["location"] == f"{ns}/silver/logs"
    assert silver.attributes["row_count"] > 0
    assert [c.name for c in silver.columns or []][:2] == ["event_time", "event_date"]
    assert assets["logs"].type is AssetType.JOB
    edges = {(e.source.name, e.source.field, e.target.name, e.target.field) for e in events
             if isinstance(e, AddLineage)}
    assert ("bronze/ndjson", "", "silver/logs", "") in edges
    assert ("silver/logs", "", "gold/daily_activity", "") in edges
    assert ("silver/logs", "path", "gold/daily_activity", "endpoint") in edges
    assert ("bronze/json_gzip", "duration_ms", "silver/logs", "latency_ms") in edges
