"""One trace follows an event from the accepting request through the inbound worker, propagation
and the outbound delivery to the warehouse statements. Each stage here continues the context it
finds stored with its work (the event's kept headers, the change row, the delivery row), as it does
when the stages run in different processes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from lily import tracing
from lily.governance.consumer import PropagationConsumer
from lily.outbound.worker import OutboundWorker
from tests.governance_flow.helpers import SF, USERS_EMAIL, load_demo_chain, pii_rule
from tests.inbound_flow.conftest import Flow, make_flow

CALLER = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"  # the producer's own trace


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.enable(provider)
    try:
        yield exporter
    finally:
        tracing.disable()


@pytest.fixture
def traced_flow(spans: InMemorySpanExporter, sqlite_url: str, tmp_path: Path) -> Iterator[Flow]:
    f = make_flow(sqlite_url, tmp_path)  # after tracing is on: the app installs its request spans
    yield f
    f.worker.close()
    f.runtime.close()
    f.env.client.close()
    f.env.store.dispose()


def test_one_trace_from_the_request_to_the_warehouse_statement(spans: InMemorySpanExporter, traced_flow: Flow) -> None:
    flow, h = traced_flow, traced_flow.headers
    load_demo_chain(flow.env.store)
    assert flow.env.client.post("/api/v1/targets", headers=h, json={
        "name": "snowflake", "kind": "snowflake",
        "config": {"namespaces": [SF], "connection": "recording", "policy_schema": "GOV.POLICIES"}}).status_code == 201
    assert flow.env.client.post("/api/v1/security/rules", headers=h, json=pii_rule([])).status_code == 201
    # A scanner reports the users table's email column as PII.
    event = {"event_id": "users-email-1", "event_type": "asset.updated", "timestamp": "2026-01-05T10:00:00Z",
             "source": "scanner", "tenant_id": "default",
             "payload": {"asset_id": USERS_EMAIL.qualified_name, "asset_type": "column",
                         "metadata": {"tags": ["PII.Email"]}}}
    outbound = OutboundWorker(flow.env.store, flow.env.settings.fernet_key())
    outbound.drain()  # the targets' and rule's own planning, before the event
    spans.clear()

    assert flow.post("/api/v1/events", event, headers={"traceparent": CALLER}).status_code == 202
    assert flow.drain().applied == 1
    PropagationConsumer(flow.env.store).drain()
    _plans, outcomes = outbound.drain()
    assert any(o.status == "applied" for o in outcomes)

    finished: list[ReadableSpan] = list(spans.get_finished_spans())
    by_id = {s.context.span_id: s for s in finished}
    statements = [s for s in finished if s.name == "lily.warehouse.statements"]
    assert statements, [s.name for s in finished]
    for leaf in statements:
        assert "MASKING POLICY" in leaf.attributes["db.statement"].upper()
        chain, span = [], leaf
        while span is not None:
            chain.append(span.name)
            span = by_id.get(span.parent.span_id) if span.parent else None
        assert chain == ["lily.warehouse.statements", "lily.outbound.deliver", "lily.outbound.plan",
                         "lily.propagation", "lily.inbound.apply", "POST /api/v1/events"]
        # ... and the whole chain continues the producer's trace.
        assert leaf.context.trace_id == int(CALLER.split("-")[1], 16)
