"""Home: what is in the catalog, what needs attention (incidents, failed or dead-lettered
deliveries), recent pipeline runs, and a live feed of changes."""

from __future__ import annotations

from collections import defaultdict

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from lily.auth.rbac import allows
from lily.model import Principal
from lily.store import overview
from lily.web.calls import app_ctx, permission
from lily.web.nav import Nav
from lily.web.routes.governance import deliveries
from lily.web.routes.incidents import incident_list
from lily.web.routes.pipelines import pipeline_names, runs_of
from lily.web.session import current_user
from lily.web.templating import render

router = APIRouter(tags=["web"])
NAV = Nav("Home", "/", order=0)
_INCIDENTS = permission("GET", "/incidents")
_DELIVERIES = permission("GET", "/deliveries")
_RUNS = permission("GET", "/pipelines/{name}/runs")


def _counts(request: Request, user: Principal) -> tuple[dict[str, dict[str, int]], list[str]]:
    with app_ctx(request).store.read() as conn:
        rows = overview.counts_by_system_and_type(conn, user.tenant_id)
    table: dict[str, dict[str, int]] = defaultdict(dict)
    for namespace, type_, n in rows:
        table[namespace][type_] = n
    return dict(table), sorted({t for _, t, _ in rows})


def _incidents(request: Request, user: Principal) -> list:
    return incident_list(request, user, limit=10) if allows(user.role, _INCIDENTS) else []


@router.get("/")
def home(request: Request, user: Principal = Depends(current_user)) -> Response:
    counts, types = _counts(request, user)
    attention = []
    if allows(user.role, _DELIVERIES):
        attention = [*deliveries(request, user, "dead"), *deliveries(request, user, "failed")]
    runs = []
    if allows(user.role, _RUNS):
        runs = sorted((r for n in pipeline_names(request, user) for r in runs_of(request, user, n, 5)),
                      key=lambda r: r.started_at, reverse=True)[:8]
    return render(request, "home.html", {"counts": counts, "types": types, "incidents": _incidents(request, user),
                                         "attention": attention, "runs": runs})


@router.get("/home/incidents")
def home_incidents(request: Request, user: Principal = Depends(current_user)) -> Response:
    """The incidents card alone: it refreshes when an incident changes."""
    return render(request, "_home_incidents.html", {"incidents": _incidents(request, user)})
