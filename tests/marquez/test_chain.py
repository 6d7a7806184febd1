"""Three jobs in a chain (raw → stage → clean → mart) with column lineage, seen through Marquez's API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from lily.api.marquez_ids import dataset_id, field_id, job_id, parse_node_id
from tests.api.conftest import Env
from tests.marquez.conftest import get, ingest, module_env

NS = "postgres://db.prod:5432"  # a namespace with ':' and '/', as real ones are
RAW, STAGE, CLEAN, MART = "shop.raw.orders", "shop.stage.orders", "shop.clean.orders", "shop.mart.revenue"
EXTRACT, SCRUB, AGG = "etl.extract", "etl.scrub", "etl.aggregate"


def dataset(name: str, fields: list[str], lineage: dict[str, tuple[str, str, str]] | None = None) -> dict[str, Any]:
    facets: dict[str, Any] = {"schema": {"_producer": "p", "fields": [{"name": f, "type": "STRING"} for f in fields]}}
    if lineage:
        facets["columnLineage"] = {"_producer": "p", "fields": {
            out: {"inputFields": [{"namespace": NS, "name": src, "field": col,
                                   "transformations": [{"type": "DIRECT", "subtype": subtype}]}]}
            for out, (src, col, subtype) in lineage.items()}}
    return {"namespace": NS, "name": name, "facets": facets}


def run(job: str, run_id: str, source: dict[str, Any], target: dict[str, Any]) -> list[dict[str, Any]]:
    base = {"producer": "https://example.com/etl", "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json",
            "run": {"runId": run_id}, "job": {"namespace": "etl", "name": job},
            "inputs": [source], "outputs": [target]}
    return [{**base, "eventType": "START", "eventTime": "2026-03-01T10:00:00Z"},
            {**base, "eventType": "COMPLETE", "eventTime": "2026-03-01T10:01:00Z"}]


@pytest.fixture(scope="module")
def chain(module_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    raw = dataset(RAW, ["id", "email", "amount"])
    stage = dataset(STAGE, ["id", "email", "amount"], {c: (RAW, c, "IDENTITY") for c in ("id", "email", "amount")})
    clean = dataset(CLEAN, ["id", "email_hash", "amount"], {
        "id": (STAGE, "id", "IDENTITY"), "email_hash": (STAGE, "email", "TRANSFORMATION"),
        "amount": (STAGE, "amount", "IDENTITY")})
    mart = dataset(MART, ["total"], {"total": (CLEAN, "amount", "AGGREGATION")})
    for env in module_env(module_database_url, tmp_path_factory):
        ingest(env.store, [*run(EXTRACT, "00000000-0000-4000-8000-000000000001", raw, stage),
                           *run(SCRUB, "00000000-0000-4000-8000-000000000002", stage, clean),
                           *run(AGG, "00000000-0000-4000-8000-000000000003", clean, mart)])
        yield env


def edges(graph: list[dict[str, Any]]) -> set[tuple[str, str]]:
    out = set()
    for node in graph:
        for e in node["outEdges"]:
            out.add((e["origin"], e["destination"]))
            assert e in next(n for n in graph if n["id"] == e["destination"])["inEdges"]
        for e in node["inEdges"]:
            assert e in next(n for n in graph if n["id"] == e["origin"])["outEdges"]
    return out


def test_lineage_walks_dataset_job_dataset(chain: Env) -> None:
    graph = get(chain, "/lineage", nodeId=dataset_id(NS, MART), depth=20)["graph"]
    d = {n: dataset_id(NS, n) for n in (RAW, STAGE, CLEAN, MART)}
    j = {n: job_id("etl", n) for n in (EXTRACT, SCRUB, AGG)}
    assert {n["id"] for n in graph} == set(d.values()) | set(j.values())
    assert edges(graph) == {(d[RAW], j[EXTRACT]), (j[EXTRACT], d[STAGE]), (d[STAGE], j[SCRUB]),
                            (j[SCRUB], d[CLEAN]), (d[CLEAN], j[AGG]), (j[AGG], d[MART])}
    assert {n["type"] for n in graph if n["id"].startswith("job:")} == {"JOB"}
    # Ids round-trip through the NodeId grammar even though the namespace holds ':' and '/'.
    assert {parse_node_id(n["id"]).namespace for n in graph} == {NS, "etl"}
    mart = next(n for n in graph if n["id"] == d[MART])
    assert mart["data"]["lastModifiedAt"] == "2026-03-01T10:01:00Z"
    agg = next(n for n in graph if n["id"] == j[AGG])
    assert agg["data"]["latestRun"]["state"] == "COMPLETED"


def test_lineage_depth_counts_jobs(chain: Env) -> None:
    one = get(chain, "/lineage", nodeId=dataset_id(NS, MART), depth=1)["graph"]
    assert {n["id"] for n in one} == {dataset_id(NS, MART), job_id("etl", AGG), dataset_id(NS, CLEAN)}
    middle = get(chain, "/lineage", nodeId=job_id("etl", SCRUB), depth=1)["graph"]
    assert {n["id"] for n in middle} == {job_id("etl", SCRUB), dataset_id(NS, STAGE), dataset_id(NS, CLEAN)}
    two = get(chain, "/lineage", nodeId=job_id("etl", SCRUB), depth=2)["graph"]
    assert len(two) == 7  # both neighbouring jobs and their datasets
    alone = get(chain, "/lineage", nodeId=job_id("etl", SCRUB), depth=0)["graph"]
    assert [(n["id"], n["inEdges"], n["outEdges"]) for n in alone] == [(job_id("etl", SCRUB), [], [])]


def test_column_lineage_upstream_by_default(chain: Env) -> None:
    graph = get(chain, "/column-lineage", nodeId=field_id(NS, MART, "total"))["graph"]
    ids = [field_id(NS, MART, "total"), field_id(NS, CLEAN, "amount"), field_id(NS, STAGE, "amount"),
           field_id(NS, RAW, "amount")]
    assert {n["id"] for n in graph} == set(ids)
    assert edges(graph) == {(ids[1], ids[0]), (ids[2], ids[1]), (ids[3], ids[2])}
    total = next(n for n in graph if n["id"] == ids[0])
    assert total["data"]["field"] == "total" and total["data"]["fieldType"] == "STRING"
    assert [(f["dataset"], f["field"]) for f in total["data"]["inputFields"]] == [(CLEAN, "amount")]
    assert total["data"]["transformationType"] == "DIRECT"
    raw = next(n for n in graph if n["id"] == ids[3])
    assert raw["data"]["inputFields"] == [] and raw["inEdges"] == []
    shallow = get(chain, "/column-lineage", nodeId=field_id(NS, MART, "total"), depth=1)["graph"]
    assert {n["id"] for n in shallow} == set(ids[:2])


def test_column_lineage_with_downstream(chain: Env) -> None:
    upstream_only = get(chain, "/column-lineage", nodeId=field_id(NS, STAGE, "email"))["graph"]
    assert {n["id"] for n in upstream_only} == {field_id(NS, STAGE, "email"), field_id(NS, RAW, "email")}
    both = get(chain, "/column-lineage", nodeId=field_id(NS, STAGE, "email"), withDownstream="true")["graph"]
    assert {n["id"] for n in both} == {field_id(NS, RAW, "email"), field_id(NS, STAGE, "email"),
                                       field_id(NS, CLEAN, "email_hash")}


def test_column_lineage_of_a_dataset_covers_its_columns(chain: Env) -> None:
    graph = get(chain, "/column-lineage", nodeId=dataset_id(NS, CLEAN), depth=1)["graph"]
    assert {n["id"] for n in graph} == {field_id(NS, CLEAN, c) for c in ("id", "email_hash", "amount")} | {
        field_id(NS, STAGE, c) for c in ("id", "email", "amount")}


def test_dataset_versions_and_the_run_that_wrote_them(chain: Env) -> None:
    versions = get(chain, f"/namespaces/{NS.replace('/', '%2F')}/datasets/{MART}/versions")
    assert versions["totalCount"] == len(versions["versions"]) >= 1
    newest = versions["versions"][0]
    assert [f["name"] for f in newest["fields"]] == ["total"]
    assert newest["createdByRun"]["id"] == "00000000-0000-4000-8000-000000000003"
    assert newest["createdByRun"]["state"] == "COMPLETED"
