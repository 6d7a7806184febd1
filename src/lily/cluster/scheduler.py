"""``lily scheduler``: the cron work of ``lily serve`` as a process of its own, safe to start twice.

The work: pipeline schedules (``logs`` and each declared pipeline), connector schedules and queue
polling, the process-file sync, the contract and freshness monitor, and ``lily reconcile`` on
``LILY_RECONCILE_SCHEDULE``. Every copy of the process
competes for one leader lock (``lily.cluster.leader``); the leader builds and starts the services,
the others check every ``LILY_SCHEDULER_LEADER_POLL_S`` and take over when the lock comes free (the
leader died, or lost its database session). A scheduled pipeline run is recorded before it runs and
the next fire is derived from those records, so a new leader neither repeats nor skips a fire.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from typing import Any

import typer

from lily.observability import log


class LeaderLoop:
    """Runs ``make_services()``'s services while holding ``lock``; stops them when it is lost."""

    def __init__(self, lock: Any, make_services: Callable[[], list[Any]], poll_s: float) -> None:
        self.lock, self.make_services, self.poll_s = lock, make_services, poll_s
        self.services: list[Any] = []
        self.leading = False
        self.terms = 0  # how many times this process became leader

    def step(self) -> None:
        """One decision: try to lead, or check that the lead is still ours."""
        if not self.leading:
            if self.lock.try_acquire():
                self.leading, self.terms = True, self.terms + 1
                log.info("scheduler_leader", term=self.terms)
                self.services = self.make_services()
                for service in self.services:
                    service.start()
        elif not self.lock.held():
            log.warning("scheduler_leader_lost")
            self._stop_services()
            self.leading = False

    def _stop_services(self) -> None:
        for service in reversed(self.services):
            try:
                service.stop()
            except Exception:
                log.exception("scheduler_service_stop_failed", service=type(service).__name__)
        self.services = []

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.step()
            except Exception:  # the database is away: try again at the next poll
                log.exception("scheduler_leader_step_failed")
            stop.wait(self.poll_s)
        self._stop_services()
        self.lock.release()


def scheduler(health_port: int = typer.Option(None, "--health-port", envvar="LILY_HEALTH_PORT",
                                              help="serve /healthz, /readyz and /metrics on this port"),
              health_host: str = typer.Option("0.0.0.0", "--health-host", envvar="LILY_HEALTH_HOST",
                                              help="address the health port binds")) -> None:
    """Run the cron work (pipeline and connector schedules, the contract monitor) with leader election:
    start it on as many machines as you like, one leads at a time."""
    from rich.console import Console

    from lily.bootstrap import secure_data_dir
    from lily.cluster.leader import leader_lock
    from lily.health import HealthServer, database_check, lake_check
    from lily.observability import Metrics, configure_logging
    from lily.process import freeze_startup_heap
    from lily.settings import Settings
    from lily.store import Store

    settings = Settings().model_copy(update={"scheduler_in_process": True})
    configure_logging(settings.log_json)
    secure_data_dir(settings.data_dir)
    store = Store.from_url(settings.resolved_database_url, migrate=True)
    metrics = Metrics()
    loop = LeaderLoop(leader_lock(store.engine), lambda: cron_services(settings, store, metrics, loop),
                      settings.scheduler_leader_poll_s)
    from prometheus_client import Gauge

    Gauge("lily_scheduler_leader", "1 while this scheduler process leads (runs the cron work)",
          registry=metrics.registry).set_function(lambda: 1.0 if loop.leading else 0.0)
    if health_port:
        HealthServer(health_port, metrics.registry,
                     {"database": database_check(store), "lake": lake_check(settings)}, host=health_host,
                     info=lambda: {"role": "leader" if loop.leading else "follower", "terms": loop.terms}).start()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    freeze_startup_heap()
    Console(stderr=True).print("scheduler running (leader election on the database; Ctrl-C to stop)")
    loop.run(stop)


def cron_services(settings: Any, store: Any, metrics: Any, loop: LeaderLoop) -> list[Any]:
    """What the leader runs, in start order (stopped in reverse)."""
    from lily.api.monitors import cron_services as monitor_services
    from lily.connectors.schedule import ConnectorSchedules
    from lily.inbound.runtime import InboundRuntime
    from lily.medallion.declared import DeclaredPipelines
    from lily.pipelines.scheduler import PipelineSchedules
    from lily.pipelines.serving import build

    declared = DeclaredPipelines(settings.resolved_pipelines_dir, settings.data_dir)
    # No API here: OpenLineage from the runs goes to LILY_LINEAGE_URL when set.
    off = settings.model_copy(update={"scheduler_in_process": False})
    service, pipeline_services = build(off, store, has_endpoint=lambda: False, declared=declared)
    default = settings.pipeline_schedule.strip() or None
    schedules = PipelineSchedules(service, default, poll_s=settings.pipeline_schedule_poll_s,
                                  is_leader=loop.lock.held)
    inbound = _BusOnly(InboundRuntime(settings, store, metrics))  # S3 → SQS connectors publish through it
    connectors = ConnectorSchedules(store, settings.connectors_file or "connectors.yaml",
                                    bus=lambda: inbound.runtime.bus, poll_s=settings.connector_schedule_poll_s)
    services = [inbound, *pipeline_services, schedules, connectors, *monitor_services(settings, store)]
    if settings.reconcile_schedule.strip():
        from lily.cluster.reconcile import ReconcileSchedule, reconcile_runner

        services.append(ReconcileSchedule(settings.reconcile_schedule.strip(),
                                          reconcile_runner(store, settings, metrics),
                                          poll_s=settings.pipeline_schedule_poll_s))
    return services


class _BusOnly:
    """An inbound runtime used only to publish (no workers), closed with the leader's term."""

    def __init__(self, runtime: Any) -> None:
        self.runtime = runtime

    def start(self) -> None:
        return None

    def stop(self) -> None:
        self.runtime.close()
