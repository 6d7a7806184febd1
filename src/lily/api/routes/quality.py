"""Data-quality results of an asset: the latest and the history, newest first.

Results come from declared pipelines (each run's bronze, silver and gold checks, with a 0-100 score
per DAMA dimension and the run's context) and from any OpenLineage producer's
``dataQualityAssertions`` / ``dataQualityMetrics`` facets (no scores then).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel

from lily.api.context import AppContext
from lily.api.deps import authorize, ctx
from lily.api.permissions import V1
from lily.api.routes.assets import load_asset
from lily.api.schemas_query import ID_CURSOR, id_after, id_cursor
from lily.model import Principal
from lily.store import runs as run_store

router = APIRouter(prefix=V1, tags=["quality"])


class QualityResultOut(BaseModel):
    id: uuid.UUID
    run_id: str | None
    observed_at: datetime
    status: str | None  # pass, warn, or fail (a blocking check failed); null from producers that do not say
    passed: int  # checks that passed
    failed: int  # checks that did not (warned or failed)
    scores: dict[str, float] | None  # 0-100 per DAMA dimension that had checks
    checks: list[dict[str, Any]]  # OpenLineage assertions: assertion, name, success, actual, expected, params...
    metrics: dict[str, Any]  # rowCount, columnMetrics
    context: dict[str, Any] | None  # pipeline, run_id, attempt, process_date, layer, step, published, reason

    @classmethod
    def of(cls, row: dict[str, Any]) -> QualityResultOut:
        return cls(id=row["id"], run_id=row["run_id"], observed_at=row["observed_at"], status=row["status"],
                   passed=row["passed"], failed=row["failed"], scores=row["scores"], checks=row["assertions"],
                   metrics=row["metrics"], context=row["context"])


class QualityOut(BaseModel):
    asset_id: uuid.UUID
    latest: QualityResultOut | None  # the newest result, whichever page this is
    items: list[QualityResultOut]  # this page of the history, newest first
    next_cursor: str | None = None


@router.get("/assets/{asset_id}/quality", response_model=QualityOut,
            summary="Quality results of an asset: the latest, and the history newest first")
def asset_quality(asset_id: uuid.UUID, principal: Principal = Depends(authorize), app: AppContext = Depends(ctx),
                  limit: int = Query(20, ge=1, le=200),
                  cursor: str | None = Query(None, pattern=ID_CURSOR, description="next_cursor of the previous page")
                  ) -> QualityOut:
    load_asset(app, principal, asset_id)
    tenant = principal.tenant_id
    with app.store.read() as conn:
        before = None
        if cursor:
            last = run_store.quality_result(conn, tenant, id_after(cursor))
            if last is None or last["asset_id"] != asset_id:
                raise HTTPException(404, "no quality result of this asset matches the cursor")
            before = (last["observed_at"], last["id"])
        rows = run_store.quality_of(conn, tenant, asset_id, limit + 1, before)
        latest = rows[0] if rows and before is None else (run_store.quality_of(conn, tenant, asset_id, 1) or [None])[0]
    page, more = rows[:limit], len(rows) > limit
    return QualityOut(asset_id=asset_id, latest=QualityResultOut.of(latest) if latest else None,
                      items=[QualityResultOut.of(r) for r in page],
                      next_cursor=id_cursor(page[-1]["id"]) if more else None)
