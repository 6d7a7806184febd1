"""The compliance report on demand: JSON, CSV or HTML (docs/compliance.md)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Response
from starlette.concurrency import run_in_threadpool

from lily.api.context import AppContext
from lily.api.deps import authorize, ctx
from lily.api.permissions import V1
from lily.api.schemas_query import Instant
from lily.compliance.render import to_csv, to_html
from lily.compliance.report import report
from lily.model import Principal

router = APIRouter(prefix=V1, tags=["compliance"])


_FORMATS = {200: {"description": "the report in the asked format",
                  "content": {"application/json": {}, "text/csv": {}, "text/html": {}}}}


@router.get("/compliance/report", summary="GDPR Art. 30 record, personal-data inventory, findings, audit trail",
            responses=_FORMATS)
async def compliance_report(format: str = Query("json", pattern="^(json|csv|html)$"),
                            since: Instant | None = Query(None, description="audit trail from (inclusive)"),
                            until: Instant | None = Query(None, description="audit trail until (exclusive)"),
                            principal: Principal = Depends(authorize), app: AppContext = Depends(ctx)) -> Any:
    doc: dict[str, Any] = await run_in_threadpool(report, app.store, principal.tenant_id, since=since, until=until)
    if format == "csv":
        return Response(to_csv(doc), media_type="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="compliance-report.csv"'})
    if format == "html":
        return Response(to_html(doc), media_type="text/html")
    return doc
