"""`lily serve` under real uvicorn, driven by the real openlineage-python client (HTTP transport,
API key auth, gzip): a three-job chain with column lineage shows up in Lily's lineage API and in the
Marquez-compatible /lineage and /column-lineage."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import column_lineage_dataset, schema_dataset
from openlineage.client.transport.http import ApiKeyTokenProvider, HttpCompression, HttpConfig, HttpTransport
from openlineage.client.uuid import generate_new_uuid

from lily.api.marquez_ids import dataset_id, field_id
from lily.model import AssetRef, asset_id
from tests.support.live import LiveLily

NS = "postgres://warehouse:5432"
PRODUCER = "https://github.com/lily/tests/live"
CHAIN = [  # job, input, output, {output column: input column}
    ("etl.extract", "shop.raw.orders", "shop.stage.orders", {"id": "id", "amount": "amount", "email": "email"}),
    ("etl.clean", "shop.stage.orders", "shop.clean.orders", {"id": "id", "amount": "amount"}),
    ("etl.aggregate", "shop.clean.orders", "shop.mart.revenue", {"total": "amount"}),
]


def output(name: str, source: str, columns: dict[str, str]) -> OutputDataset:
    lineage = column_lineage_dataset.ColumnLineageDatasetFacet(fields={
        out: column_lineage_dataset.Fields(inputFields=[column_lineage_dataset.InputField(
            namespace=NS, name=source, field=col,
            transformations=[column_lineage_dataset.Transformation(type="DIRECT", subtype="IDENTITY")])])
        for out, col in columns.items()})
    schema = schema_dataset.SchemaDatasetFacet(fields=[schema_dataset.SchemaDatasetFacetFields(name=c, type="TEXT")
                                                       for c in columns])
    return OutputDataset(namespace=NS, name=name, facets={"schema": schema, "columnLineage": lineage})


def emit_chain(client: OpenLineageClient) -> int:
    sent = 0
    for job, source, target, columns in CHAIN:
        run = Run(runId=str(generate_new_uuid()))
        for state in (RunState.START, RunState.COMPLETE):
            client.emit(RunEvent(eventType=state, eventTime="2026-03-01T10:00:00+00:00", run=run,
                                 job=Job(namespace="etl", name=job), producer=PRODUCER,
                                 inputs=[InputDataset(namespace=NS, name=source)],
                                 outputs=[output(target, source, columns)]))
            sent += 1
    return sent


def wait_applied(http: httpx.Client, n: int, timeout: float = 30) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        items = http.get("/api/v1/events", params={"source": "openlineage", "limit": 100}).json()["items"]
        if len(items) >= n and all(i["status"] == "applied" for i in items):
            return items
        assert time.monotonic() < deadline, [(i["status"], i["error"]) for i in items]
        time.sleep(0.05)


def test_openlineage_client_chain_reaches_both_lineage_apis(tmp_path: Path) -> None:
    with LiveLily(tmp_path, env={"LILY_INBOUND_WORKERS": "1"}) as lily:
        transport = HttpTransport(HttpConfig(url=lily.url, auth=ApiKeyTokenProvider({"apiKey": lily.api_key}),
                                             compression=HttpCompression.GZIP))
        sent = emit_chain(OpenLineageClient(transport=transport))
        http = httpx.Client(base_url=lily.url, headers={"Authorization": f"Bearer {lily.api_key}"}, timeout=10)
        events = wait_applied(http, sent)
        assert len(events) == sent == 6
        assert all(e["headers"].get("content-encoding") == "gzip" for e in events)

        raw = asset_id("default", AssetRef(namespace=NS, name="shop.raw.orders"))
        lineage = http.get(f"/api/v1/assets/{raw}/lineage", params={"depth": 10}).json()
        reached = {(n["asset"]["namespace"], n["asset"]["name"], n["asset"]["field"]) for n in lineage["nodes"]}
        for _, _, target, _ in CHAIN:
            assert (NS, target, "") in reached
        amount = asset_id("default", AssetRef(namespace=NS, name="shop.raw.orders", field="amount"))
        columns = http.get(f"/api/v1/assets/{amount}/lineage", params={"depth": 10, "level": "column"}).json()
        path = {(n["asset"]["name"], n["asset"]["field"]): n["depth"] for n in columns["nodes"]}
        assert path == {("shop.stage.orders", "amount"): 1, ("shop.clean.orders", "amount"): 2,
                        ("shop.mart.revenue", "total"): 3}

        graph = http.get("/api/v1/lineage", params={"nodeId": dataset_id(NS, "shop.mart.revenue"),
                                                     "depth": 10}).json()["graph"]
        ids = {n["id"] for n in graph}
        assert {dataset_id(NS, name) for _, name, _, _ in CHAIN} <= ids
        assert {f"job:etl:{job}" for job, _, _, _ in CHAIN} <= ids
        fields = http.get("/api/v1/column-lineage",
                          params={"nodeId": field_id(NS, "shop.mart.revenue", "total")}).json()["graph"]
        assert field_id(NS, "shop.raw.orders", "amount") in {n["id"] for n in fields}
