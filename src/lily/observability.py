"""Structured logs (structlog, JSON) and Prometheus metrics with a registry per application."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator

import structlog
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families

from lily import tracing


class _CurrentStderr:
    """Writes to whatever ``sys.stderr`` is at write time: test runners and daemon wrappers swap
    the stream after logging was configured, and a captured stream may since have been closed."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure_logging(json_logs: bool = True, level: int = logging.INFO) -> None:
    processors: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer = structlog.processors.JSONRenderer() if json_logs else structlog.dev.ConsoleRenderer()
    # JSON: `log.exception` carries its traceback as the "exception" field (without this it logged
    # only "exc_info": true). The console renderer formats tracebacks itself.
    exceptions = [structlog.processors.format_exc_info] if json_logs else []
    structlog.configure(
        processors=[*processors, *exceptions, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=_CurrentStderr()),  # type: ignore[arg-type]
        cache_logger_on_first_use=True,
    )
    # Every Lily process calls this first: it also turns on traces when an OTLP endpoint is set.
    tracing.configure_from_env("lily")


log = structlog.get_logger("lily")


class Metrics:
    """All metrics of one Lily process. A registry per instance keeps test apps independent."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.http_requests = Counter("lily_http_requests_total", "HTTP requests", ["method", "route", "status"],
                                     registry=self.registry)
        self.http_latency = Histogram(
            "lily_http_request_duration_seconds", "HTTP request latency", ["method", "route"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=self.registry)
        self.rate_limited = Counter("lily_rate_limited_total", "Requests refused by the rate limiter",
                                    registry=self.registry)
        self.up = Gauge("lily_up", "1 while the process serves", registry=self.registry)
        self.up.set(1)
        self._governance_metrics()
        self._inbound_metrics()

    def with_worker(self, worker_text: str) -> WithWorker:
        """This registry with the inbound worker families taken from a worker process's exposition."""
        return WithWorker(self.registry, worker_text)

    def _inbound_metrics(self) -> None:
        """Inbound flow: accept (API), stages (worker), queue depth and change-feed consumer lag."""
        stage_buckets = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1)
        self.inbound_accepted = Counter("lily_inbound_accepted_total", "Inbound events accepted (durable)",
                                        ["source"], registry=self.registry)
        self.inbound_duplicates = Counter("lily_inbound_duplicates_total",
                                          "Inbound redeliveries recognised by idempotency key", ["source"],
                                          registry=self.registry)
        self.inbound_rejected = Counter("lily_inbound_rejected_total", "Inbound requests or events refused (4xx)",
                                        ["source", "status"], registry=self.registry)
        self.inbound_applied = Counter("lily_inbound_applied_total", "Inbound events applied", ["source"],
                                       registry=self.registry)
        self.inbound_failed = Counter("lily_inbound_failed_total", "Inbound events failed (bad payload or refused)",
                                      ["source"], registry=self.registry)
        self.inbound_dead = Counter("lily_inbound_dead_total", "Inbound events dead-lettered after retries",
                                    ["source"], registry=self.registry)
        self.inbound_retried = Counter("lily_inbound_retried_total", "Inbound deliveries retried after a transient error",
                                       ["source"], registry=self.registry)
        self.inbound_stage_seconds = Histogram("lily_inbound_stage_seconds", "Inbound stage latency per event",
                                               ["source", "stage"], buckets=stage_buckets, registry=self.registry)
        self.inbound_end_to_end_seconds = Histogram(
            "lily_inbound_received_to_applied_seconds", "From accepted to applied", ["source"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry)
        self.inbound_queue_depth = Gauge("lily_inbound_queue_depth", "Inbound events waiting or in progress",
                                         ["bus"], registry=self.registry)
        self.inbound_partitions_owned = Gauge(
            "lily_inbound_partitions_owned",
            "Bus partitions this process's inbound workers hold (NATS; the local bus assigns none)",
            registry=self.registry)
        self.feed_consumer_lag = Gauge("lily_feed_consumer_lag", "Changes not yet processed by a change-feed consumer",
                                       ["consumer", "tenant"], registry=self.registry)

    def _governance_metrics(self) -> None:
        """Propagation and outbound: fan-out, time, statements per target, cause -> applied latency."""
        latency = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5, 10, 30, 60, 300)
        self.propagation_seconds = Histogram("lily_propagation_seconds", "Time of one propagation round",
                                             buckets=latency, registry=self.registry)
        self.propagation_fanout = Histogram(
            "lily_propagation_fanout", "Propagated classifications written (added/updated/retracted) per round",
            buckets=(0, 1, 5, 10, 50, 100, 500, 1000, 5000, 10000, 50000), registry=self.registry)
        self.propagation_limits_hit = Counter("lily_propagation_limits_hit_total",
                                              "Propagation stopped at a depth/fan-out limit", ["limit"],
                                              registry=self.registry)
        self.outbound_statements = Counter("lily_outbound_statements_total",
                                           "Outbound statements planned, applied or failed per target",
                                           ["target", "status"], registry=self.registry)
        self.outbound_deliveries = Counter("lily_outbound_deliveries_total",
                                           "Delivery attempts by outcome (applied, retry, dead) per target",
                                           ["target", "outcome"], registry=self.registry)
        self.governance_end_to_end_seconds = Histogram(
            "lily_governance_end_to_end_seconds", "From the causing change to its statements applied",
            ["target"], buckets=latency, registry=self.registry)


# Families the inbound workers record: with the workers in their own process, the server's are zero
# and the worker process's take their place.
WORKER_FAMILIES = frozenset({
    "lily_inbound_applied", "lily_inbound_failed", "lily_inbound_dead", "lily_inbound_retried",
    "lily_inbound_stage_seconds", "lily_inbound_received_to_applied_seconds",
})


class WithWorker:
    """The server's registry with the worker families taken from the worker process's exposition."""

    def __init__(self, registry: CollectorRegistry, worker_text: str) -> None:
        self.registry = registry
        self.worker_text = worker_text

    def collect(self) -> Iterator[Metric]:
        try:
            worker = {f.name: f for f in text_string_to_metric_families(self.worker_text) if f.name in WORKER_FAMILIES}
        except ValueError:  # a torn or garbled answer: the server's own figures
            worker = {}
        for family in self.registry.collect():
            yield worker.get(family.name, family)
