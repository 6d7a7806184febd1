"""`lily serve` applies inbound events in its worker process, and that process tells the server about
its commits (the commit pipe), so the server's governance thread propagates a classification set by
an OpenLineage event at once. The fallback poll is set to minutes: only the pipe can wake it in time."""

from __future__ import annotations

import os
import signal
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from lily.model import AssetRef, asset_id
from tests.e2e.test_worker_process import worker_pid
from tests.support.live import LiveLily

NS = "postgres://commit-pipe:5432"
TENANT = "default"
TAG = "PII.email"


def ref(name: str) -> AssetRef:
    return AssetRef(namespace=NS, name=name)


def ol_event(upstream: AssetRef, downstream: AssetRef, tags: bool) -> dict[str, Any]:
    source: dict[str, Any] = {"namespace": NS, "name": upstream.name}
    if tags:
        source["facets"] = {"tags": {
            "_producer": "https://example.com/e2e",
            "_schemaURL": "https://openlineage.io/spec/facets/1-0-0/TagsDatasetFacet.json#/$defs/TagsDatasetFacet",
            "tags": [{"key": "PII", "value": "email", "source": "e2e"}]}}
    return {"eventType": "COMPLETE", "eventTime": "2026-01-05T10:00:00Z", "producer": "https://example.com/e2e",
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
            "run": {"runId": str(uuid.uuid4())}, "job": {"namespace": "e2e", "name": f"build-{downstream.name}"},
            "inputs": [source], "outputs": [{"namespace": NS, "name": downstream.name}]}


def classifications(http: httpx.Client, asset: AssetRef) -> list[dict[str, Any]]:
    resp = http.get(f"/api/v1/assets/{asset_id(TENANT, asset)}/classifications")
    return resp.json() if resp.status_code == 200 else []


def event_ids(http: httpx.Client) -> set[str]:
    return {e["id"] for e in http.get("/api/v1/events", params={"source": "openlineage"}).json()["items"]}


def wait_applied(http: httpx.Client, ids_before: set[str], within: float) -> None:
    deadline = time.monotonic() + within
    while True:
        items = http.get("/api/v1/events", params={"source": "openlineage"}).json()["items"]
        new = [e for e in items if e["id"] not in ids_before]
        if new and all(e["status"] == "applied" for e in new):
            return
        assert all(e["status"] == "received" for e in new), new
        assert time.monotonic() < deadline, f"not applied within {within}s: {new}"
        time.sleep(0.01)


def tag_propagates(http: httpx.Client, upstream: AssetRef, downstream: AssetRef) -> float:
    """Lineage first (also waits for a just-started child), then the tag: seconds until it is propagated."""
    before = event_ids(http)
    assert http.post("/api/v1/lineage", json=ol_event(upstream, downstream, tags=False)).status_code == 201
    wait_applied(http, before, within=30)
    assert classifications(http, upstream) == []

    before = event_ids(http)
    t0 = time.monotonic()
    assert http.post("/api/v1/lineage", json=ol_event(upstream, downstream, tags=True)).status_code == 201
    while True:
        got = [c for c in classifications(http, downstream) if c["tag"] == TAG]
        if got:
            break
        assert time.monotonic() - t0 < 2.0, (
            f"{TAG} not propagated to {downstream.qualified_name} within 2 s; upstream has "
            f"{classifications(http, upstream)}")
        time.sleep(0.01)
    took = time.monotonic() - t0
    wait_applied(http, before, within=1)
    assert [(c["tag"], c["source"]) for c in classifications(http, upstream)] == [(TAG, "imported")]
    (propagated,) = got
    assert propagated["source"] == "propagated"
    assert propagated["provenance"]["origin_asset_id"] == str(asset_id(TENANT, upstream))
    return took


def test_inbound_commits_wake_the_servers_governance_thread(tmp_path: Path) -> None:
    env = {"LILY_WORKERS_IN_PROCESS": "true", "LILY_WORKER_POLL_S": "300",
           "LILY_RATE_LIMIT_PER_MINUTE": "10000000", "LILY_RATE_LIMIT_BURST": "1000000"}
    with LiveLily(tmp_path, env=env) as lily:
        assert lily.proc is not None
        child = worker_pid(lily.proc.pid)  # applying happens in the child process, not in the server
        with httpx.Client(base_url=lily.url, headers={"Authorization": f"Bearer {lily.api_key}"}, timeout=10) as http:
            assert tag_propagates(http, ref("shop.public.users"), ref("shop.mart.users")) < 2.0
            # A replacement child reports through a pipe of its own.
            os.kill(child, signal.SIGKILL)
            worker_pid(lily.proc.pid, other_than=child)
            assert tag_propagates(http, ref("shop.public.accounts"), ref("shop.mart.accounts")) < 2.0
