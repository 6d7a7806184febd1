"""The compliance report in the UI's layout: the Art. 30 record, the personal-data inventory,
findings and the audit trail, with the API's CSV / HTML / JSON downloads. The report is the
compliance API handler's own JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from starlette.responses import JSONResponse, Response

from lily.api.routes.compliance import compliance_report
from lily.model import Principal
from lily.web.calls import app_ctx, permission
from lily.web.errors import PageError
from lily.web.nav import Nav
from lily.web.session import requires
from lily.web.templating import render

router = APIRouter(tags=["web"])
_READ = permission("GET", "/compliance/report")
NAV = Nav("Compliance", "/compliance", _READ, order=46)
TRAIL_SHOWN = 200  # audit-trail rows on the page; the downloads have them all


async def _report(request: Request, user: Principal, fmt: str, since: datetime | None,
                  until: datetime | None) -> Any:
    try:
        return await compliance_report(fmt, since, until, user, app_ctx(request))
    except HTTPException as exc:
        raise PageError(exc.status_code, str(exc.detail)) from exc


def _period(since: datetime | None, until: datetime | None) -> str:
    return "&".join(f"{k}={v.isoformat()}" for k, v in (("since", since), ("until", until)) if v is not None)


@router.get("/compliance")
async def compliance_page(request: Request, since: datetime | None = Query(None), until: datetime | None = Query(None),
                          user: Principal = Depends(requires(_READ))) -> Response:
    doc = await _report(request, user, "json", since, until)
    return render(request, "compliance.html", {"r": doc, "trail": doc["audit_trail"][:TRAIL_SHOWN],
                                               "period": _period(since, until), "since": since, "until": until})


@router.get("/compliance/report.{fmt}")
async def compliance_download(request: Request, fmt: str, since: datetime | None = Query(None),
                              until: datetime | None = Query(None), user: Principal = Depends(requires(_READ))
                              ) -> Response:
    """The report as the API serves it (CSV, HTML or JSON), as a download."""
    if fmt not in ("csv", "html", "json"):
        raise PageError(404, "the report comes as csv, html or json")
    out = await _report(request, user, fmt, since, until)
    if fmt == "json":
        out = JSONResponse(out)
    out.headers["content-disposition"] = f'attachment; filename="compliance-report.{fmt}"'
    return out
