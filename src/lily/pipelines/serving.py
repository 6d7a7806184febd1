"""What ``lily serve`` runs for the pipelines: the service, the scheduler, and OpenLineage output.

OpenLineage goes to ``LILY_LINEAGE_URL`` (with ``LILY_API_KEY``) when configured. Otherwise, while
the API is being served and it has the ``POST /api/v1/lineage`` route, pipelines report to this
very process over HTTP — just another OpenLineage producer — with a data_engineer API key that
Lily creates for them once and keeps in ``<data_dir>/pipeline-api-key`` (0600).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from lily.model import Role
from lily.observability import log
from lily.pipelines.engines import engine_named
from lily.pipelines.lake import Lake
from lily.pipelines.scheduler import PipelineSchedules
from lily.pipelines.service import DeclaredPipelines, PipelineService
from lily.pipelines.sinks import HttpLineageSink
from lily.settings import Settings, write_private
from lily.store import Store

KEY_FILE = "pipeline-api-key"


class BackgroundService(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


def self_url(settings: Settings) -> str:
    """Where this process's API answers, from its own bind address."""
    host = settings.host
    if host in ("0.0.0.0", "", "*"):  # bound to every interface: loopback reaches it
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.port}"


def pipeline_api_key(store: Store, settings: Settings, tenant_id: str) -> str:
    """The key the in-process pipelines authenticate with: reused while valid, else created."""
    from lily.auth.service import AuthError, AuthService

    auth = AuthService(store, settings)
    path: Path = settings.data_dir / KEY_FILE
    if path.exists():
        key = path.read_text().strip()
        try:
            if auth.principal_from_api_key(key).tenant_id == tenant_id:
                return key
        except AuthError:
            log.info("pipeline_api_key_replaced", reason="stored key no longer valid")
    key, _ = auth.create_api_key(tenant_id, "pipelines (in-process OpenLineage)", Role.DATA_ENGINEER, "system")
    write_private(path, key)
    return key


class InProcessLineage:
    """Points the service's OpenLineage output at this process while it is served."""

    def __init__(self, service: PipelineService, store: Store, settings: Settings,
                 has_endpoint: Callable[[], bool]) -> None:
        self.service = service
        self.store = store
        self.settings = settings
        self.has_endpoint = has_endpoint
        self.sink: HttpLineageSink | None = None

    def start(self) -> None:
        if self.service.lineage is not None:
            return  # LILY_LINEAGE_URL decides
        if not self.has_endpoint():
            log.info("pipeline_lineage_off", reason="this API has no POST /api/v1/lineage")
            return
        key = pipeline_api_key(self.store, self.settings, self.service.tenant_id)
        self.sink = HttpLineageSink(self_url(self.settings), key)
        self.service.lineage = self.sink

    def stop(self) -> None:
        if self.sink is not None:
            self.service.lineage = None
            self.sink.close()
            self.sink = None


def build(settings: Settings, store: Store, *, has_endpoint: Callable[[], bool],
          declared: DeclaredPipelines | None = None) -> tuple[PipelineService, list[BackgroundService]]:
    """The service, plus what the app's lifespan starts and stops, in start order. ``declared``:
    the pipelines declared in files that the service runs beside ``logs``."""
    lineage = None
    if settings.lineage_url:
        key = settings.api_key.get_secret_value() if settings.api_key else None
        lineage = HttpLineageSink(settings.lineage_url, key)
    service = PipelineService(store, Lake(settings.resolved_lake), tenant_id=settings.pipeline_tenant,
                              lineage=lineage, declared=declared,
                              engine=engine_named(settings.engine, spark_master=settings.spark_master))
    # Stopped in reverse: the scheduler first, then the service (finishing its running job), and
    # the lineage sink last so that job can still report.
    background: list[BackgroundService] = [InProcessLineage(service, store, settings, has_endpoint), service]
    # `logs` on LILY_PIPELINE_SCHEDULE, each declared pipeline on its file's `schedule:` (or that).
    default = settings.pipeline_schedule.strip() or None
    if settings.scheduler_in_process and (default or declared is not None):  # else `lily scheduler` runs it
        background.append(PipelineSchedules(service, default, poll_s=settings.pipeline_schedule_poll_s))
    return service, background


__all__ = ["BackgroundService", "InProcessLineage", "build", "pipeline_api_key", "self_url"]
