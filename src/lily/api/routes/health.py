"""Liveness, readiness and Prometheus metrics (unauthenticated, outside /api/v1)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
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
def metrics(app: AppContext = Depends(ctx)) -> Response:
    return Response(generate_latest(app.metrics.registry), media_type=CONTENT_TYPE_LATEST)
