"""``lily worker inbound``: inbound workers in their own process (scale-out, or crash isolation)."""

from __future__ import annotations

import signal
import threading

import typer


def worker_inbound(
    workers: int = typer.Option(1, "--workers", min=1, help="worker threads in this process"),
    once: bool = typer.Option(False, "--once", help="apply everything waiting, then exit"),
    metrics_port: int = typer.Option(None, "--metrics-port", help="serve Prometheus /metrics on this port"),
) -> None:
    """Parse, enrich and apply accepted inbound events (local bus or NATS JetStream per LILY_BUS_URL)."""
    from rich.console import Console

    from lily.inbound.runtime import InboundRuntime, InboundSettings
    from lily.observability import Metrics, configure_logging
    from lily.settings import Settings
    from lily.store import Store

    settings = Settings()
    configure_logging(settings.log_json)
    store = Store.from_url(settings.resolved_database_url, migrate=True)
    metrics = Metrics()
    runtime = InboundRuntime(settings, store, metrics, inbound=InboundSettings())
    console = Console(stderr=True)
    if once:
        worker = runtime.worker()
        result = worker.drain(timeout=float("inf"))
        worker.close()
        runtime.close()
        console.print(f"applied {result.applied}, failed {result.failed}, dead {result.dead}, "
                      f"retried {result.retried}, skipped {result.skipped}")
        return
    if metrics_port:
        from prometheus_client import start_http_server

        start_http_server(metrics_port, registry=metrics.registry)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    runtime.start(workers)
    console.print(f"inbound workers: {workers} on the {runtime.bus.name} bus (Ctrl-C to stop)")
    stop.wait()
    runtime.close()
