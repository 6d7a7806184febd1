"""``lily worker inbound``: inbound workers in their own process (scale-out, crash isolation, and the
worker process ``lily serve`` supervises)."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import threading
from collections.abc import Callable

import typer


def worker_inbound(
    workers: int = typer.Option(1, "--workers", min=1, help="worker threads in this process"),
    once: bool = typer.Option(False, "--once", help="apply everything waiting, then exit"),
    metrics_port: int = typer.Option(None, "--health-port", "--metrics-port", envvar="LILY_HEALTH_PORT",
                                     help="serve /healthz, /readyz (database, bus) and Prometheus /metrics here"),
    metrics_host: str = typer.Option("0.0.0.0", "--health-host", "--metrics-host", envvar="LILY_HEALTH_HOST",
                                     help="address the health port binds"),
    nice: int = typer.Option(0, "--nice", min=0, help="lower this process's CPU priority by this much"),
    wake_fd: int = typer.Option(None, "--wake-fd", hidden=True,
                                help="read end of the wake pipe of the `lily serve` that started us"),
    commit_fd: int = typer.Option(None, "--commit-fd", hidden=True,
                                  help="write end of the pipe telling that `lily serve` which tenants committed"),
) -> None:
    """Parse, enrich and apply accepted inbound events (local bus or NATS JetStream per LILY_BUS_URL)."""
    from rich.console import Console

    from lily.bootstrap import secure_data_dir
    from lily.bus.commits import add_commit_listener
    from lily.inbound.runtime import InboundRuntime, InboundSettings
    from lily.observability import Metrics, configure_logging, log
    from lily.process import collect_less_often, freeze_startup_heap
    from lily.settings import Settings
    from lily.store import Store

    settings = Settings()
    configure_logging(settings.log_json)
    secure_data_dir(settings.data_dir)
    store = Store.from_url(settings.resolved_database_url, migrate=True)
    metrics = Metrics()
    runtime = InboundRuntime(settings, store, metrics, inbound=InboundSettings())
    if nice:
        # `lily serve`'s worker process: answering producers goes first. Lowered only once the
        # imports and the store are done (and before any thread starts: Linux keeps a niceness per
        # thread, and new threads inherit it): a replacement for a killed worker process starts at
        # the server's priority, and the events the dead one held wait for that start.
        os.nice(nice)
    if commit_fd is not None:
        add_commit_listener(store.engine, _commit_reporter(commit_fd))  # wakes the server's consumers
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
        from lily.health import HealthServer, database_check

        # The bus check asks the bus for its depth: a round trip to NATS, or a query on the local bus.
        HealthServer(metrics_port, metrics.registry, {"database": database_check(store),
                                                      "bus": runtime.bus.queue_depth},
                     host=metrics_host).start()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    if wake_fd is not None:
        def parent_gone() -> None:
            log.warning("inbound_worker_parent_gone")
            stop.set()

        runtime.bus.listen(wake_fd, on_eof=parent_gone)
    freeze_startup_heap()
    collect_less_often()
    runtime.start(workers)
    console.print(f"inbound workers: {workers} on the {runtime.bus.name} bus (Ctrl-C to stop)")
    stop.wait()
    runtime.close()


def _commit_reporter(fd: int) -> Callable[[str], None]:
    """A commit listener writing ``tenant\\n`` to the pipe ``fd`` without ever blocking the worker: a
    full pipe drops the line (the server's consumers still poll), a broken one means the server is gone."""
    os.set_inheritable(fd, False)
    os.set_blocking(fd, False)

    def report(tenant_id: str) -> None:
        line = tenant_id.encode() + b"\n"
        if len(line) > select.PIPE_BUF or line.count(b"\n") > 1:
            return  # not one atomic line: leave it to the poll
        with contextlib.suppress(BlockingIOError, BrokenPipeError):
            os.write(fd, line)  # at most PIPE_BUF bytes: written whole or not at all

    return report

