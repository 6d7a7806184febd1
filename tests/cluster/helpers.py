"""Talking to a local cluster in tests: the CLI, requests through the proxy, waiting for applies."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import httpx

from lily.cluster.supervisor import Cluster


def lily(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lily.cli", *args], capture_output=True, text=True, timeout=120)


def post(url: str, path: str, key: str, body: Any) -> httpx.Response:
    # A connection per request: the proxy balances connections, so the requests reach both APIs.
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=30) as http:
        return http.post(path, json=body)


def wait_applied(url: str, key: str, expected: dict[str, int], timeout: float = 60) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    counts: dict[str, int] = {}
    while time.monotonic() < deadline:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=30) as http:
            items = http.get("/api/v1/events", params={"limit": 100}).json()["items"]
        counts = {}
        for item in items:
            if item["status"] == "applied":
                counts[item["source"]] = counts.get(item["source"], 0) + 1
        if counts == expected:
            return counts
        time.sleep(0.3)
    return counts


def get(url: str, key: str, path: str) -> Any:
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=30) as http:
        resp = http.get(path)
    assert resp.status_code == 200, resp.text
    return resp.json()


def wait_for(what: Callable[[], bool], timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while not what():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.3)
    return True


def metric(cluster: Cluster, name: str, prefix: str) -> float:
    """The sum of the samples of ``name``'s /metrics whose line starts with ``prefix``."""
    text = httpx.get(f"http://127.0.0.1:{cluster.state['processes'][name]['port']}/metrics", timeout=10).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(prefix))


def applied_total(cluster: Cluster, name: str) -> float:
    return metric(cluster, name, "lily_inbound_applied_total{")


def generic_events(prefix: str, n: int) -> list[dict[str, Any]]:
    return [{"event_id": f"{prefix}-{i}", "event_type": "asset.created", "timestamp": "2026-01-05T10:00:00Z",
             "source": "crawler", "tenant_id": "default",
             "payload": {"asset_id": f"postgres://db:5432/shop.{prefix}.t{i}", "asset_type": "table"}}
            for i in range(n)]


def statuses(url: str, key: str, ids: list[str]) -> dict[str, int]:
    """How many of the events ``ids`` are in each status (``applied``, ``failed``, ...); ``pending``:
    not settled yet (on NATS an event has no row until a worker settles it). One request (the newest
    500 events), so polling stays far below the rate limit."""
    found = {item["id"]: item["status"] for item in get(url, key, "/api/v1/events?limit=500")["items"]}
    counts: dict[str, int] = {}
    for event_id in ids:
        status = found.get(event_id, "pending")
        counts[status] = counts.get(status, 0) + 1
    return counts
