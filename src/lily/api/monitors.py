"""Background services ``lily serve`` runs for declared processes and contracts (docs/contracts.md):
the process directory synced into the default tenant, and the contract and freshness monitor."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from lily.contracts.monitor import ContractMonitor, MonitorService
from lily.observability import log
from lily.processes.service import sync_directory
from lily.settings import Settings
from lily.store import Store
from lily.store.governance import all_tenants
from lily.store.retention import Retention, RetentionService

DEFAULT_TENANT = "default"


class ProcessFiles:
    """Applies ``LILY_PROCESSES_DIR`` at start and every ``processes_poll_s`` (unchanged files write nothing)."""

    def __init__(self, store: Store, directory: Path, poll_s: float) -> None:
        self.store, self.directory, self.poll_s = store, directory, poll_s
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="lily-processes", daemon=True)

    def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                report = sync_directory(self.store, DEFAULT_TENANT, self.directory)
                for problem in report.invalid:
                    log.warning("process_file_invalid", problem=str(problem))
            except Exception:
                log.exception("process_sync_failed", directory=str(self.directory))
            self.stopping.wait(self.poll_s)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(10)


def background(settings: Settings, store: Store) -> list[Any]:
    """What the serving process runs; nothing when ``lily scheduler`` runs it apart."""
    return cron_services(settings, store) if settings.scheduler_in_process else []


def cron_services(settings: Settings, store: Store) -> list[Any]:
    """The process-file sync, the contract monitor and retention, for ``lily serve`` or the scheduler's leader."""
    services: list[Any] = []
    if settings.processes_dir:
        services.append(ProcessFiles(store, Path(settings.processes_dir).expanduser(), settings.processes_poll_s))
    if settings.contracts_monitor:
        def tenants() -> list[str]:
            with store.read() as conn:
                return all_tenants(conn)
        services.append(MonitorService(ContractMonitor(store), tenants, settings.contracts_poll_s,
                                       settings.contracts_interval_s))
    services.append(RetentionService(store, Retention(
        applied_events_days=settings.retention_applied_events_days,
        failed_events_days=settings.retention_failed_events_days, changes_days=settings.retention_changes_days,
        deliveries_days=settings.retention_deliveries_days, audit_days=settings.retention_audit_days,
        runs_days=settings.retention_runs_days),
        settings.retention_interval_s))
    return services
