"""CLI for the governance workers: ``lily worker propagation|outbound`` and ``lily reconcile``.

Registered on the ``lily`` app in ``lily.cli``."""

from __future__ import annotations

import signal
import threading

import typer
from rich.console import Console
from rich.table import Table

from lily.settings import Settings

console = Console(stderr=True)


def _store(settings: Settings):  # type: ignore[no-untyped-def]
    from lily.store import Store

    return Store.from_url(settings.resolved_database_url, migrate=True)


def _run(kind: str, once: bool, health_port: int | None = None, health_host: str = "0.0.0.0") -> None:
    from lily.observability import Metrics, configure_logging
    from lily.outbound.runtime import GovernanceRuntime

    settings = Settings()
    store = _store(settings)
    metrics = Metrics()
    runtime = GovernanceRuntime(store, settings, metrics, propagation=kind == "propagation",
                                outbound=kind == "outbound")
    if once:
        if kind == "propagation":
            rounds = runtime.consumer.drain()
            console.print(f"propagation: {sum(r.changes for r in rounds)} changes, "
                          f"{sum(r.written for r in rounds)} propagated classifications written")
        else:
            plans, outcomes = runtime.worker.drain()
            applied = sum(o.status == "applied" for o in outcomes)
            console.print(f"outbound: {sum(p.deliveries for p in plans)} deliveries planned, {applied} applied, "
                          f"{len(outcomes) - applied} failed")
        return
    # Only a long-running worker takes over the process's logging (a one-off run keeps the caller's).
    configure_logging(settings.log_json)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    if health_port:
        _serve_health(kind, store, metrics, health_port, health_host)
    runtime.start()
    console.print(f"{kind} worker running (Ctrl-C to stop)")
    stop.wait()
    runtime.stop()


def _serve_health(kind: str, store, metrics, port: int, host: str) -> None:  # type: ignore[no-untyped-def]
    """/healthz, /readyz (database) and /metrics, with this stage's change-feed lag read at each scrape."""
    from lily.governance.consumer import CONSUMER as PROPAGATION
    from lily.health import HealthServer, database_check
    from lily.outbound.worker import CONSUMER as OUTBOUND
    from lily.store import feed

    consumer = PROPAGATION if kind == "propagation" else OUTBOUND

    def refresh_lag() -> None:
        with store.read() as conn:
            lags = feed.lags(conn, consumer)
        for (name, tenant), lag in lags.items():
            metrics.feed_consumer_lag.labels(name, tenant).set(lag)

    HealthServer(port, metrics.registry, {"database": database_check(store)}, host=host,
                 before_scrape=refresh_lag).start()


HEALTH_PORT = typer.Option(None, "--health-port", envvar="LILY_HEALTH_PORT",
                           help="serve /healthz, /readyz (database) and Prometheus /metrics on this port")
HEALTH_HOST = typer.Option("0.0.0.0", "--health-host", envvar="LILY_HEALTH_HOST",
                           help="address the health port binds")


def worker_propagation(once: bool = typer.Option(False, "--once", help="catch up, then exit"),
                       health_port: int = HEALTH_PORT, health_host: str = HEALTH_HOST) -> None:
    """Propagate classifications along lineage as the change feed moves."""
    _run("propagation", once, health_port, health_host)


def worker_outbound(once: bool = typer.Option(False, "--once", help="plan and deliver what is due, then exit"),
                    health_port: int = HEALTH_PORT, health_host: str = HEALTH_HOST) -> None:
    """Plan policy changes per target and deliver them (retries, dead letters)."""
    _run("outbound", once, health_port, health_host)


def reconcile(target: str = typer.Option(None, "--target", help="only this target (name)"),
              tenant: str = typer.Option(None, "--tenant", help="only this tenant (default: all)")) -> None:
    """Re-plan everything, report drift (where the target can read its state back) and converge."""
    from lily.observability import Metrics
    from lily.outbound.reconcile import reconcile as run
    from lily.outbound.runtime import outbound_worker, propagation_consumer

    settings = Settings()
    store = _store(settings)
    metrics = Metrics()
    report = run(store, propagation_consumer(store, settings, metrics),
                 outbound_worker(store, settings, metrics).deliverer, tenant, target)
    for t, n in report.propagation.items():
        console.print(f"tenant {t}: {n} propagated classifications corrected")
    table = Table("tenant", "target", "kind", "objects", "drift", "deliveries", "statements", "applied", "failed",
                  "note")
    for r in report.targets:
        drift = str(len(r.drifted)) if r.read_state else "n/a"
        table.add_row(r.tenant_id, r.target, r.kind, str(r.objects), drift, str(r.deliveries), str(r.statements),
                      str(r.applied), str(r.failed), r.error or "")
    Console().print(table)
    for r in report.targets:
        for key in r.drifted:
            console.print(f"[yellow]drift[/] {r.target}: {key}")
    if any(r.failed or r.error for r in report.targets):
        raise typer.Exit(1)
