"""Prometheus metrics of the inbound flow: per-source counters, stage latencies, queue depth, lag."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from lily.store.feed import commit_offset
from tests.inbound_flow.conftest import Flow
from tests.inbound_flow.test_accept import dataset_event, generic
from tests.inbound_flow.test_worker import broken_run_event


def sample(text: str, name: str, **labels: str) -> float:
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        m = re.match(rf"^{name}(?:{{(.*)}})? (\S+)$", line)
        if m and ",".join(sorted((m.group(1) or "").split(","))) == want:
            return float(m.group(2))
    raise AssertionError(f"no sample {name}{{{want}}}")


def test_counters_histograms_and_gauges(sqlite_flow: Flow) -> None:
    flow = sqlite_flow
    flow.lineage(dataset_event("a"))
    flow.lineage(dataset_event("a"))  # duplicate
    flow.lineage(broken_run_event())
    flow.post("/api/v1/lineage", b"{nope")  # refused
    flow.post("/api/v1/events", generic())
    text = flow.env.client.get("/metrics").text
    assert sample(text, "lily_inbound_accepted_total", source="openlineage") == 2
    assert sample(text, "lily_inbound_accepted_total", source="generic") == 1
    assert sample(text, "lily_inbound_duplicates_total", source="openlineage") == 1
    assert sample(text, "lily_inbound_rejected_total", source="openlineage", status="400") == 1
    assert sample(text, "lily_inbound_queue_depth", bus="local") == 3
    flow.drain()
    with flow.env.store.write() as conn:
        commit_offset(conn, "indexer", "default", 1, datetime.now(UTC))
    flow.runtime.refresh_consumer_lag()
    text = flow.env.client.get("/metrics").text
    assert sample(text, "lily_inbound_applied_total", source="openlineage") == 1
    assert sample(text, "lily_inbound_applied_total", source="generic") == 1
    assert sample(text, "lily_inbound_failed_total", source="openlineage") == 1
    assert sample(text, "lily_inbound_queue_depth", bus="local") == 0
    for stage in ("parse", "enrich", "apply"):
        assert sample(text, "lily_inbound_stage_seconds_count", source="openlineage", stage=stage) >= 1
    assert sample(text, "lily_inbound_received_to_applied_seconds_count", source="generic") == 1
    with flow.env.store.read() as conn:
        head = conn.exec_driver_sql("SELECT change_seq FROM tenants WHERE id = 'default'").scalar()
    assert sample(text, "lily_feed_consumer_lag", consumer="indexer", tenant="default") == head - 1
