"""Wiring of the inbound flow in a process: settings, the bus, source configs and the workers.

Every application builds one :class:`InboundRuntime` (the API publishes through it and, unless
``LILY_INBOUND_WORKERS=0``, it runs the workers): worker threads in the same process by default
(``create_app``, tests), a supervised worker process under ``lily serve`` (``worker_process``, see
``lily.inbound.supervisor``). ``lily worker inbound`` builds one without an API.
"""

from __future__ import annotations

import threading
from functools import cached_property

from pydantic_settings import BaseSettings, SettingsConfigDict

from lily.bus.base import Bus
from lily.inbound.configs import SourceConfigs
from lily.inbound.sources import get_source
from lily.inbound.sources.decode import DecodeLimits
from lily.inbound.supervisor import WorkerProcess
from lily.inbound.worker import InboundWorker, WorkerConfig, new_worker_id, worker_id_prefix
from lily.observability import Metrics, log
from lily.settings import Settings
from lily.store import Store, feed


class InboundSettings(BaseSettings):
    """``LILY_*`` settings of the inbound flow (kept apart from the core settings)."""

    model_config = SettingsConfigDict(env_prefix="LILY_", env_file=".env", extra="ignore")

    inbound_workers: int = 1  # workers of `lily serve` (threads of its worker process); 0 disables them
    inbound_worker_process: bool = True  # `lily serve`: workers in a supervised child process (false: threads)
    inbound_worker_nice: int = 10  # that child's niceness: accepting goes first when both want the CPU
    bus_url: str | None = None  # nats://host:4222 selects NATS JetStream; unset = local bus
    inbound_partitions: int = 64  # ordering partitions (events of one asset stay in order)
    inbound_batch_size: int = 256
    inbound_max_attempts: int = 5
    inbound_lease_seconds: float = 30.0  # local bus: lease before another worker may take an event over
    # JetStream: an unacknowledged delivery is redelivered after this long. With the lease TTL (2 s
    # more) it bounds how long a killed worker's events wait when nothing can tell that it died
    # (docs/inbound.md), so it is short; a live worker keeps what it works on in progress.
    nats_ack_wait_seconds: float = 5.0
    inbound_poll_seconds: float = 0.25  # local bus: poll for events published by other processes
    inbound_txn_budget_ms: float = 25.0  # a worker's transaction takes no more events after this long
    # Bounds on one request body (why these defaults: lily.inbound.sources.decode.DecodeLimits).
    inbound_max_body_bytes: int = 10 * 1024 * 1024  # as received (compressed); LILY_MAX_BODY_BYTES is lower
    inbound_max_decoded_bytes: int = DecodeLimits.max_decoded_bytes  # after decompression
    inbound_max_gzip_members: int = DecodeLimits.max_gzip_members
    inbound_max_depth: int = DecodeLimits.max_depth  # JSON nesting
    inbound_max_batch_events: int = DecodeLimits.max_batch_events  # events in one request
    nats_stream: str = "LILY_INBOUND"
    nats_subject_prefix: str = "lily.inbound"
    nats_leases_bucket: str = "lily_inbound_leases"

    def limits(self) -> DecodeLimits:
        return DecodeLimits(max_body_bytes=self.inbound_max_body_bytes,
                            max_decoded_bytes=self.inbound_max_decoded_bytes,
                            max_gzip_members=self.inbound_max_gzip_members, max_depth=self.inbound_max_depth,
                            max_batch_events=self.inbound_max_batch_events)


def make_bus(store: Store, settings: InboundSettings) -> Bus:
    if settings.bus_url and settings.bus_url.startswith(("nats://", "tls://")):
        from lily.bus.nats import NatsBus

        return NatsBus(store, settings.bus_url, partitions=settings.inbound_partitions,
                       stream=settings.nats_stream, subject_prefix=settings.nats_subject_prefix,
                       leases_bucket=settings.nats_leases_bucket, ack_wait=settings.nats_ack_wait_seconds)
    from lily.bus.local import LocalBus

    return LocalBus(store, partitions=settings.inbound_partitions, lease_seconds=settings.inbound_lease_seconds,
                    poll_interval=settings.inbound_poll_seconds)


class InboundRuntime:
    def __init__(self, settings: Settings, store: Store, metrics: Metrics,
                 inbound: InboundSettings | None = None, bus: Bus | None = None) -> None:
        self.settings = settings
        self.store = store
        self.metrics = metrics
        self.inbound = inbound or InboundSettings()
        self._bus = bus
        self._bus_lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.workers: list[InboundWorker] = []
        # `lily serve` sets this (LILY_INBOUND_WORKER_PROCESS): workers in a supervised child process.
        self.worker_process = False
        self.process: WorkerProcess | None = None

    @property
    def bus(self) -> Bus:
        # Created on first use: an app that never receives an event never connects to NATS.
        with self._bus_lock:
            if self._bus is None:
                self._bus = make_bus(self.store, self.inbound)
                self.metrics.inbound_queue_depth.labels(self._bus.name).set_function(self._depth)
            return self._bus

    @cached_property
    def configs(self) -> SourceConfigs:
        return SourceConfigs(self.store, self.settings.fernet_key())

    def parse_options(self, tenant_id: str, source: str) -> object:
        """What ``source``'s ``parse`` takes as ``options``: the tenant's, validated by the source."""
        return get_source(source).options(self.configs.get(tenant_id, source).options)

    def worker(self, index: int = 0) -> InboundWorker:
        s = self.inbound
        config = WorkerConfig(batch_size=s.inbound_batch_size, max_attempts=s.inbound_max_attempts,
                              txn_budget_ms=s.inbound_txn_budget_ms)
        return InboundWorker(self.store, self.bus, metrics=self.metrics, config=config, options=self.parse_options,
                             worker_id=new_worker_id(index))

    def start(self, count: int | None = None) -> None:
        """Start ``count`` (default ``LILY_INBOUND_WORKERS``) workers and the metrics refresher: threads,
        or with ``worker_process`` a supervised child process running ``count`` threads."""
        count = self.inbound.inbound_workers if count is None else count
        self._stop.clear()
        if self.worker_process and count:
            self._start_process(count)
        for index in range(0 if self.worker_process else count):
            worker = self.worker(index)
            thread = threading.Thread(target=worker.run, args=(self._stop,), name=f"lily-inbound-{index}",
                                      daemon=True)
            self.workers.append(worker)
            self._threads.append(thread)
            thread.start()
        if count:
            self.metrics.inbound_partitions_owned.set_function(
                lambda: float(sum(w.partitions_owned() for w in list(self.workers))))
            monitor = threading.Thread(target=self._monitor, name="lily-inbound-monitor", daemon=True)
            self._threads.append(monitor)
            monitor.start()

    def _start_process(self, count: int) -> None:
        from lily.bus.commits import notify_committed
        from lily.bus.local import LocalBus

        bus = self.bus
        local = isinstance(bus, LocalBus)
        # The child must find the same database and data directory whatever its working directory.
        env = {"LILY_DATABASE_URL": self.settings.resolved_database_url,
               "LILY_DATA_DIR": str(self.settings.data_dir.expanduser().resolve())}
        self.process = WorkerProcess(count, nice=self.inbound.inbound_worker_nice, env=env,
                                     attach=bus.add_wake_pipe if local else None,
                                     detach=bus.remove_wake_pipe if local else None,
                                     # the child's commits wake this process's change-feed consumers
                                     on_commit=lambda tenant: notify_committed(self.store.engine, tenant),
                                     # a child that died: its workers' leases are released at once
                                     on_exit=lambda pid: bus.release_dead_owners(worker_id_prefix(pid))).start()

    def worker_metrics(self) -> str | None:
        """The worker process's Prometheus exposition (None: no such process, or unreachable)."""
        return self.process.worker_metrics() if self.process is not None else None

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self.process is not None:
            self.process.stop()
            self.process = None
        if self._bus is not None:
            self._bus.wake()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()
        self.workers.clear()

    def close(self) -> None:
        self.stop()
        with self._bus_lock:
            if self._bus is not None:
                self._bus.close()
                self._bus = None

    def _depth(self) -> float:
        try:
            return float(self.bus.queue_depth())
        except Exception:  # a scrape must not fail because the database or NATS hiccups
            return float("nan")

    def _monitor(self) -> None:
        """Refresh the change-feed consumer lag gauges every few seconds."""
        while not self._stop.wait(5.0):
            try:
                self.refresh_consumer_lag()
            except Exception:
                log.exception("inbound_monitor_error")

    def refresh_consumer_lag(self) -> None:
        with self.store.read() as conn:
            lags = feed.lags(conn)
        for (consumer, tenant), lag in lags.items():
            self.metrics.feed_consumer_lag.labels(consumer, tenant).set(lag)
