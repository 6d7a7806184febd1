"""Liveness, readiness and Prometheus metrics (unauthenticated, outside /api/v1)."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from lily.api.context import AppContext
from lily.api.deps import ctx
from lily.api.problems import problem
from lily.store.migrate import current_revision

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
def readyz(app: AppContext = Depends(ctx)) -> dict[str, str] | Response:
    """Ready when the database answers and is migrated."""
    try:
        with app.store.read() as conn:
            conn.execute(text("SELECT 1"))
        revision = current_revision(app.store.engine)
    except Exception as exc:  # any database failure means not ready
        return problem(503, f"database unavailable: {type(exc).__name__}")
    if revision is None:
        return problem(503, "database not migrated; run `lily db upgrade`")
    return {"status": "ready", "database": app.store.dialect, "revision": revision}


@router.get("/metrics", response_class=Response,
            responses={200: {"description": "Prometheus exposition format",
                             "content": {CONTENT_TYPE_LATEST.split(";")[0]: {"schema": {"type": "string"}}}}})
def metrics(request: Request, app: AppContext = Depends(ctx)) -> Response:
    registry: CollectorRegistry | _WithWorker = app.metrics.registry
    inbound = getattr(request.app.state, "inbound", None)
    worker_text = inbound.worker_metrics() if inbound is not None else None
    if worker_text is not None:  # `lily serve`'s worker process counts what it applies
        registry = _WithWorker(app.metrics.registry, worker_text)
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


# Families the inbound workers record: with the workers in their own process, the server's are zero
# and the worker process's take their place.
WORKER_FAMILIES = frozenset({
    "lily_inbound_applied", "lily_inbound_failed", "lily_inbound_dead", "lily_inbound_retried",
    "lily_inbound_stage_seconds", "lily_inbound_received_to_applied_seconds",
})


class _WithWorker:
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
