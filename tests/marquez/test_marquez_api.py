"""Real OpenLineage samples → apply → the Marquez read API, shape by shape (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from lily.model import Role
from tests.api.conftest import Env
from tests.inbound.samples import openlineage_sample_names
from tests.marquez.conftest import get, ingest_samples, marquez_sample, module_env, seg

PG = "postgres://localhost:5432"
ANALYTICS = "dbt_test.main.customer_analytics"
MODEL_JOB = "dbt_test.main.openlineage_compatibility_test.customer_analytics"
MODEL_RUN = "019a977e-cd5e-71fb-a982-ec11b80e5b01"
NAMESPACE_KEYS = {"name", "createdAt", "updatedAt", "ownerName", "description", "isHidden"}
DATASET_KEYS = {"id", "type", "name", "physicalName", "createdAt", "updatedAt", "namespace", "sourceName", "fields",
                "tags", "lastModifiedAt", "lastLifecycleState", "description", "currentVersion", "columnLineage",
                "facets", "deleted"}
JOB_KEYS = {"id", "type", "name", "simpleName", "parentJobName", "parentJobUuid", "createdAt", "updatedAt",
            "namespace", "inputs", "outputs", "location", "description", "latestRun", "latestRuns", "facets",
            "currentVersion", "labels", "tags"}
RUN_KEYS = {"id", "createdAt", "updatedAt", "nominalStartTime", "nominalEndTime", "state", "startedAt", "endedAt",
            "durationMs", "args", "jobVersion", "inputDatasetVersions", "outputDatasetVersions", "context", "facets"}
GRAPH_NODE = marquez_sample("marquez_test_lineage_graph_node.json")
COLUMN_NODE = marquez_sample("marquez_test_column_lineage_node.json")


@pytest.fixture(scope="module")
def catalog(module_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    """Every real sample ingested once per database; the tests below only read."""
    for env in module_env(module_database_url, tmp_path_factory):
        ingest_samples(env.store, *(n for n in openlineage_sample_names() if "TEMPLATED" not in n))
        yield env


def assert_problem(env: Env, path: str, status: int, **params: str) -> dict:
    resp = env.client.get(f"/api/v1{path}", params=params, headers=env.admin_headers)
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    body = resp.json()
    assert body["status"] == status and body["code"] == status and body["message"] == body["detail"]
    return body


def test_namespaces(catalog: Env) -> None:
    body = get(catalog, "/namespaces")
    assert set(body) == {"namespaces"}
    names = [n["name"] for n in body["namespaces"]]
    assert names == sorted(names) and {"dbt", PG, "file", "gs://mock-bucket", "airflow"} <= set(names)
    assert all(set(n) == NAMESPACE_KEYS for n in body["namespaces"])
    one = get(catalog, f"/namespaces/{seg(PG)}")
    assert one["name"] == PG and one["createdAt"].endswith("Z") and one["isHidden"] is False
    assert_problem(catalog, f"/namespaces/{seg('nope://x')}", 404)
    assert_problem(catalog, f"/namespaces/{seg('nope://x')}/datasets", 404)


def test_datasets_of_a_namespace(catalog: Env) -> None:
    body = get(catalog, f"/namespaces/{seg(PG)}/datasets")
    assert set(body) == {"totalCount", "datasets"} and body["totalCount"] == 3
    assert [d["name"] for d in body["datasets"]] == [ANALYTICS, "dbt_test.main.stg_customers",
                                                      "dbt_test.main.stg_orders"]
    d = body["datasets"][0]
    assert set(d) == DATASET_KEYS and set(GRAPH_NODE["data"]) <= set(d)
    assert d["id"] == {"namespace": PG, "name": ANALYTICS} and d["type"] == "DB_TABLE"
    assert d["description"] == "Customer analytics with aggregated metrics"
    assert [f["name"] for f in d["fields"]][:2] == ["customer_id", "total_revenue"]
    assert set(d["fields"][0]) == set(GRAPH_NODE["data"]["fields"][0])
    assert d["lastModifiedAt"] == "2025-11-18T15:04:20.125206Z"  # the dbt model run that wrote it completed
    by_field = {c["name"]: c for c in d["columnLineage"]}
    assert by_field["customer_id"]["inputFields"] == [{
        "namespace": PG, "dataset": "dbt_test.main.stg_customers", "field": "customer_id",
        "transformationDescription": None, "transformationType": "DIRECT"}]
    assert "schema" in d["facets"] and d["deleted"] is False
    page = get(catalog, f"/namespaces/{seg(PG)}/datasets", limit=1, offset=1)
    assert page["totalCount"] == 3 and [x["name"] for x in page["datasets"]] == ["dbt_test.main.stg_customers"]


def test_dataset_names_with_slashes_and_namespaces_with_colons(catalog: Env) -> None:
    d = get(catalog, f"/namespaces/file/datasets/{seg('/tmp/cll_test/tbl1')}")
    assert d["name"] == "/tmp/cll_test/tbl1" and d["namespace"] == "file"
    # A client that does not encode the name's slashes still reaches it.
    assert get(catalog, "/namespaces/file/datasets//tmp/cll_test/tbl1")["name"] == "/tmp/cll_test/tbl1"
    hdfs = "hdfs://dataproc-producer-test-m"
    d = get(catalog, f"/namespaces/{seg(hdfs)}/datasets/{seg('/user/hive/warehouse/t2')}")
    assert d["id"] == {"namespace": hdfs, "name": "/user/hive/warehouse/t2"}
    assert d["lastLifecycleState"] is None and d["sourceName"]
    assert_problem(catalog, f"/namespaces/file/datasets/{seg('/tmp/missing')}", 404)


def test_jobs_runs_and_facets(catalog: Env) -> None:
    body = get(catalog, "/namespaces/dbt/jobs")
    assert set(body) == {"totalCount", "jobs"} and body["totalCount"] == 3
    job = next(j for j in body["jobs"] if j["name"] == MODEL_JOB)
    assert set(job) == JOB_KEYS and job["type"] == "BATCH"
    assert job["inputs"] == [{"namespace": PG, "name": "dbt_test.main.stg_customers"},
                             {"namespace": PG, "name": "dbt_test.main.stg_orders"}]
    assert job["outputs"] == [{"namespace": PG, "name": ANALYTICS}]
    assert job["parentJobName"] == "dbt-run-openlineage_compatibility_test" and job["parentJobUuid"]
    assert job["latestRun"]["id"] == MODEL_RUN and job["latestRun"]["state"] == "COMPLETED"
    assert set(job["latestRun"]) == RUN_KEYS and "sql" in job["facets"]
    assert get(catalog, f"/namespaces/dbt/jobs/{seg(MODEL_JOB)}") == job

    runs = get(catalog, f"/namespaces/dbt/jobs/{seg(MODEL_JOB)}/runs")
    assert set(runs) == {"totalCount", "runs"} and runs["totalCount"] == 1
    run = runs["runs"][0]
    assert run["jobVersion"]["namespace"] == "dbt" and run["jobVersion"]["name"] == MODEL_JOB
    assert run["outputDatasetVersions"][0]["datasetVersionId"]["name"] == ANALYTICS
    assert {v["datasetVersionId"]["name"] for v in run["inputDatasetVersions"]} == {
        "dbt_test.main.stg_customers", "dbt_test.main.stg_orders"}
    assert run["endedAt"] == "2025-11-18T15:04:20.125206Z" and run["args"] == {}

    facets = get(catalog, f"/jobs/runs/{MODEL_RUN}/facets")
    assert set(facets) == {"runId", "facets"} and "dbt_run" in facets["facets"]
    assert "sql" in get(catalog, f"/jobs/runs/{MODEL_RUN}/facets", type="job")["facets"]
    assert_problem(catalog, f"/jobs/runs/{uuid.uuid4()}/facets", 404)
    assert_problem(catalog, f"/namespaces/dbt/jobs/{seg('no.such.job')}", 404)


def test_all_jobs_run_by_id_and_last_run_states(catalog: Env) -> None:
    everything = get(catalog, "/jobs", limit=500)
    assert set(everything) == {"totalCount", "jobs"} and everything["totalCount"] == len(everything["jobs"]) >= 10
    assert {j["namespace"] for j in everything["jobs"]} >= {"dbt", "airflow", "default"}
    completed = {j["name"] for j in get(catalog, "/jobs", lastRunStates="COMPLETED", limit=500)["jobs"]}
    running = {j["name"] for j in get(catalog, "/jobs", lastRunStates="RUNNING", limit=500)["jobs"]}
    assert MODEL_JOB in completed and MODEL_JOB not in running and "jobName" in running
    both = get(catalog, "/jobs", lastRunStates=["COMPLETED", "RUNNING"], limit=500)
    assert {j["name"] for j in both["jobs"]} == completed | running
    assert_problem(catalog, "/jobs", 422, lastRunStates="DONE")  # RunState, as Marquez spells it
    run = get(catalog, f"/jobs/runs/{MODEL_RUN}")
    assert run == get(catalog, f"/namespaces/dbt/jobs/{seg(MODEL_JOB)}/runs")["runs"][0]
    assert_problem(catalog, f"/jobs/runs/{uuid.uuid4()}", 404)


def test_airflow_task_has_its_dag_as_parent(catalog: Env) -> None:
    job = get(catalog, "/namespaces/airflow/jobs/BQ.upload")
    assert (job["parentJobName"], job["simpleName"]) == ("BQ", "upload")
    assert job["outputs"] == [{"namespace": "bigquery", "name": "mock-project.test.upload"}]


def test_lineage_graph_goes_through_jobs(catalog: Env) -> None:
    body = get(catalog, "/lineage", nodeId=f"dataset:{PG}:{ANALYTICS}", depth=20)
    assert set(body) == {"graph"}
    nodes = {n["id"]: n for n in body["graph"]}
    assert list(nodes) == sorted(nodes)
    for n in nodes.values():
        assert set(n) == set(GRAPH_NODE)
        assert all(set(e) == {"origin", "destination"} for e in n["inEdges"] + n["outEdges"])
        ends = [e["origin"] for e in n["inEdges"]] + [e["destination"] for e in n["outEdges"]]
        # Marquez lineage alternates: a dataset only touches jobs and a job only touches datasets.
        assert all(other.split(":")[0] != n["id"].split(":")[0] for other in ends)
    analytics = nodes[f"dataset:{PG}:{ANALYTICS}"]
    assert analytics["type"] == "DATASET" and set(GRAPH_NODE["data"]) <= set(analytics["data"])
    assert analytics["inEdges"] == [{"origin": f"job:dbt:{MODEL_JOB}", "destination": f"dataset:{PG}:{ANALYTICS}"}]
    assert analytics["outEdges"] == [{"origin": f"dataset:{PG}:{ANALYTICS}", "destination": f"job:dbt:{MODEL_JOB}.test"}]
    model = nodes[f"job:dbt:{MODEL_JOB}"]
    assert model["type"] == "JOB" and set(model["data"]) == JOB_KEYS
    assert [e["origin"] for e in model["inEdges"]] == [f"dataset:{PG}:dbt_test.main.stg_customers",
                                                       f"dataset:{PG}:dbt_test.main.stg_orders"]
    assert len(nodes) == 5
    # Every edge is listed at both of its ends.
    for n in nodes.values():
        for e in n["outEdges"]:
            assert e in nodes[e["destination"]]["inEdges"]


def test_lineage_errors(catalog: Env) -> None:
    # A NodeId that does not parse is refused by the parameter's declared pattern (422).
    assert_problem(catalog, "/lineage", 422)
    for bad in ("table:x:y", "dataset:only-one-part", "", "dataset:ns:1:2", f"run:{uuid.uuid4()}"):
        assert assert_problem(catalog, "/lineage", 422, nodeId=bad)["detail"].startswith("query.nodeId: ")
    assert_problem(catalog, "/column-lineage", 422, nodeId=f"run:{uuid.uuid4()}")
    assert_problem(catalog, "/lineage", 404, nodeId="dataset:nope:nothing")
    assert_problem(catalog, "/lineage", 404, nodeId=f"job:dbt:{MODEL_JOB}.missing")
    assert_problem(catalog, "/column-lineage", 404, nodeId="datasetField:nope:nothing:x")
    # Lily keeps the current graph only: a version suffix is accepted and ignored, as without it.
    version = uuid.uuid4()
    plain = get(catalog, "/column-lineage", nodeId=f"dataset:{PG}:{ANALYTICS}", withDownstream="true")
    assert get(catalog, "/column-lineage", nodeId=f"dataset:{PG}:{ANALYTICS}#{version}",
               withDownstream="true") == plain


def test_column_lineage_nodes(catalog: Env) -> None:
    body = get(catalog, "/column-lineage", nodeId=f"datasetField:{PG}:{ANALYTICS}:customer_id")
    nodes = {n["id"]: n for n in body["graph"]}
    target = f"datasetField:{PG}:{ANALYTICS}:customer_id"
    source = f"datasetField:{PG}:dbt_test.main.stg_customers:customer_id"
    assert set(nodes) == {target, source}
    node = nodes[target]
    assert set(node) == set(COLUMN_NODE) and node["type"] == "DATASET_FIELD"
    assert set(COLUMN_NODE["data"]) <= set(node["data"])
    assert set(COLUMN_NODE["data"]["inputFields"][0]) <= set(node["data"]["inputFields"][0])
    assert node["data"]["inputFields"][0]["dataset"] == "dbt_test.main.stg_customers"
    assert node["inEdges"] == [{"origin": source, "destination": target}]
    assert nodes[source]["outEdges"] == [{"origin": source, "destination": target}]
    whole = get(catalog, "/column-lineage", nodeId=f"dataset:{PG}:{ANALYTICS}")
    assert {n["data"]["field"] for n in whole["graph"] if n["data"]["dataset"] == ANALYTICS} >= {
        "customer_id", "total_revenue", "avg_order_value"}


def test_dataset_versions_come_from_history(catalog: Env) -> None:
    body = get(catalog, f"/namespaces/{seg(PG)}/datasets/{ANALYTICS}/versions")
    assert set(body) == {"totalCount", "versions"} and body["totalCount"] == len(body["versions"]) >= 1
    newest = body["versions"][0]
    assert newest["id"] == {"namespace": PG, "name": ANALYTICS, "version": newest["version"]}
    assert newest["version"] == get(catalog, f"/namespaces/{seg(PG)}/datasets/{ANALYTICS}")["currentVersion"]
    assert {"createdByRun", "fields", "facets", "lifecycleState", "createdAt"} <= set(newest)


def test_viewers_read_and_other_tenants_see_nothing(catalog: Env) -> None:
    viewer = catalog.key(Role.VIEWER)
    assert catalog.client.get("/api/v1/namespaces", headers=viewer).status_code == 200
    assert catalog.client.get("/api/v1/namespaces").status_code == 401
    other = catalog.key(Role.ADMIN, tenant="other")
    assert catalog.client.get("/api/v1/namespaces", headers=other).json() == {"namespaces": []}
    resp = catalog.client.get("/api/v1/lineage", params={"nodeId": f"dataset:{PG}:{ANALYTICS}"}, headers=other)
    assert resp.status_code == 404
