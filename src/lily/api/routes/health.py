"""Liveness, readiness and Prometheus metrics (unauthenticated, outside /api/v1)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from lily.api.context import AppContext
from lily.api.deps import ctx
from lily.api.problems import problem
from lily.health import lake_check, run_checks
from lily.store.migrate import current_revision

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
def readyz(request: Request, app: AppContext = Depends(ctx)) -> dict[str, str] | Response:
    """Ready when the database answers and is migrated, the bus answers and the lake is reachable."""
    try:
        with app.store.read() as conn:
            conn.execute(text("SELECT 1"))
        revision = current_revision(app.store.engine)
    except Exception as exc:  # any database failure means not ready
        return problem(503, f"database unavailable: {type(exc).__name__}")
    if revision is None:
        return problem(503, "database not migrated; run `lily db upgrade`")
    inbound = getattr(request.app.state, "inbound", None)
    checks = {"lake": lake_check(app.settings)}
    if inbound is not None:
        checks["bus"] = lambda: inbound.bus.queue_depth()  # publishing needs it: a NATS round trip
    ok, results = run_checks(checks)
    if not ok:
        failed = "; ".join(f"{name} unavailable: {why}" for name, why in results.items() if why != "ok")
        return problem(503, failed)
    return {"status": "ready", "database": app.store.dialect, "revision": revision, **results}


@router.get("/metrics", response_class=Response,
            responses={200: {"description": "Prometheus exposition format",
                             "content": {CONTENT_TYPE_LATEST.split(";")[0]: {"schema": {"type": "string"}}}}})
def metrics(request: Request, app: AppContext = Depends(ctx)) -> Response:
    inbound = getattr(request.app.state, "inbound", None)
    worker_text = inbound.worker_metrics() if inbound is not None else None
    # `lily serve`'s worker process counts what it applies: its families replace the server's.
    registry = app.metrics.registry if worker_text is None else app.metrics.with_worker(worker_text)
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
