"""Quality: datasets with their latest scores per DAMA dimension and failing checks, and one
dataset's results over time (a server-drawn chart). Reads through the quality API's handler."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from lily.api.routes.quality import QualityResultOut, asset_quality
from lily.model import Principal
from lily.store import catalog, review
from lily.web.calls import app_ctx, call, permission
from lily.web.charts import scores_over_time
from lily.web.errors import PageError
from lily.web.nav import Nav
from lily.web.session import requires
from lily.web.templating import render

router = APIRouter(tags=["web"])
_READ = permission("GET", "/assets/{asset_id}/quality")
NAV = Nav("Quality", "/quality", _READ, order=40)
LISTED = 100  # datasets on the overview, the most recently checked first
HISTORY = 50  # results in a dataset's chart


def failing(result: QualityResultOut | None) -> list[dict[str, Any]]:
    """The checks of a result that did not pass."""
    return [c for c in (result.checks if result else []) if c.get("success") is False]


@router.get("/quality")
def quality_page(request: Request, user: Principal = Depends(requires(_READ))) -> Response:
    ctx = app_ctx(request)
    with ctx.store.read() as conn:
        ids = review.quality_assets(conn, user.tenant_id, LISTED)
        assets = catalog.get_many(conn, user.tenant_id, ids)
    rows = []
    for aid in ids:
        if aid not in assets:
            continue
        latest = call(asset_quality, aid, user, ctx, 1, None).latest
        rows.append({"asset": assets[aid], "latest": latest, "failing": failing(latest)})
    dims = sorted({d for r in rows if r["latest"] and r["latest"].scores for d in r["latest"].scores})
    return render(request, "quality.html", {"rows": rows, "dims": dims})


@router.get("/quality/{asset_id}")
def quality_detail(request: Request, asset_id: str, user: Principal = Depends(requires(_READ))) -> Response:
    try:
        aid = uuid.UUID(asset_id)
    except ValueError:
        raise PageError(404, f"no asset {asset_id!r}") from None
    ctx = app_ctx(request)
    result = call(asset_quality, aid, user, ctx, HISTORY, None)
    with ctx.store.read() as conn:
        asset = catalog.get_asset(conn, user.tenant_id, aid)
    chart = scores_over_time([(r.observed_at, r.scores or {}) for r in result.items])
    return render(request, "quality_detail.html", {"asset": asset, "quality": result, "chart": chart,
                                                   "failing": failing(result.latest)})
