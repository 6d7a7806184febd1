"""OpenTelemetry traces across processes: one trace from the accepting request to the warehouse
statement (docs/deployment.md, "Tracing").

The context crosses process boundaries as a W3C ``traceparent`` string stored with the work: in the
inbound event's kept headers (the bus message and the inbox row), on the change rows an event wrote,
and on the deliveries a change caused. Each stage continues the trace with ``span(name, parent=…)``.

Off unless ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set (``configure_from_env``) or a test installs a
provider (``enable``): then nothing here imports OpenTelemetry, and ``span`` and ``traceparent`` cost
a flag check, on a path that runs thousands of times a second.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_state: dict[str, Any] = {"tracer": None}


def enable(provider: Any = None, service_name: str = "lily") -> None:
    """Trace from now on: with ``provider`` (tests: an in-memory exporter), else one exporting OTLP
    over HTTP to ``OTEL_EXPORTER_OTLP_ENDPOINT`` (the SDK reads the other ``OTEL_*`` settings)."""

    if provider is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    _state["tracer"] = provider.get_tracer("lily")


def disable() -> None:
    _state["tracer"] = None


def configure_from_env(service_name: str) -> None:
    """Each process's start: trace when an OTLP endpoint is configured, not otherwise."""
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        enable(service_name=os.environ.get("OTEL_SERVICE_NAME", service_name))


def enabled() -> bool:
    return _state["tracer"] is not None


def traceparent() -> str | None:
    """The current span's context as a W3C ``traceparent``, to store with the work it hands on."""
    if _state["tracer"] is None:
        return None
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    carrier: dict[str, str] = {}
    TraceContextTextMapPropagator().inject(carrier)
    return carrier.get("traceparent")


@contextmanager
def span(name: str, parent: str | None = None, **attributes: Any) -> Iterator[None]:
    """A span continuing ``parent`` (a stored ``traceparent``), else the current context; current
    inside the block, so ``traceparent()`` there hands this span on."""
    tracer = _state["tracer"]
    if tracer is None:
        yield
        return
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    context = TraceContextTextMapPropagator().extract({"traceparent": parent}) if parent else None
    with tracer.start_as_current_span(name, context=context,
                                      attributes={k: v for k, v in attributes.items() if v is not None}):
        yield


def started(name: str, parent: str | None = None, **attributes: Any) -> tuple[Any, str | None]:
    """A span begun now and ended by ``end``, with its own ``traceparent``: for work done for many
    traced items at once (a run of events applied as one change set), where each item's span cannot
    be the current one."""
    tracer = _state["tracer"]
    if tracer is None:
        return None, None
    from opentelemetry import trace  # only when tracing is on, like every OpenTelemetry import here
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    propagator = TraceContextTextMapPropagator()
    context = propagator.extract({"traceparent": parent}) if parent else None
    handle = tracer.start_span(name, context=context, attributes={k: v for k, v in attributes.items() if v is not None})
    carrier: dict[str, str] = {}
    propagator.inject(carrier, context=trace.set_span_in_context(handle))
    return handle, carrier.get("traceparent")


def end(handle: Any) -> None:
    if handle is not None:
        handle.end()
