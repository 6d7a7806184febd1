"""Incidents: the list with filters, and one incident with its timeline and blast radius."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from lily.api.routes.incidents import get_incident, list_incidents
from lily.model import Principal
from lily.web.calls import app_ctx, call, permission
from lily.web.errors import PageError
from lily.web.nav import Nav
from lily.web.session import requires
from lily.web.templating import render

router = APIRouter(tags=["web"])
NAV = Nav("Incidents", "/incidents", permission("GET", "/incidents"), order=20)
_READ = permission("GET", "/incidents")


def incident_list(request: Request, user: Principal, status: str | None = None, severity: str | None = None,
                  source: str | None = None, limit: int = 50) -> list:
    return call(list_incidents, status or None, severity or None, source or None, None, None, limit, user,
                app_ctx(request)).items


@router.get("/incidents")
def incidents_page(request: Request, status: str = Query("", max_length=64), severity: str = Query("", max_length=64),
                   source: str = Query("", max_length=64), user: Principal = Depends(requires(_READ))) -> Response:
    items = incident_list(request, user, status, severity, source)
    return render(request, "incidents.html", {"items": items, "status": status, "severity": severity,
                                              "source": source})


@router.get("/incidents/list")
def incidents_fragment(request: Request, status: str = Query("", max_length=64),
                       severity: str = Query("", max_length=64), source: str = Query("", max_length=64),
                       user: Principal = Depends(requires(_READ))) -> Response:
    """The table alone (filters and live refresh)."""
    return render(request, "_incidents_table.html", {"items": incident_list(request, user, status, severity, source)})


@router.get("/incidents/{incident_id}")
def incident_page(request: Request, incident_id: str, user: Principal = Depends(requires(_READ))) -> Response:
    try:
        iid = uuid.UUID(incident_id)
    except ValueError:
        raise PageError(404, f"no incident {incident_id!r}") from None
    incident = call(get_incident, iid, user, app_ctx(request))
    radius = incident.enrichment.get("blast_radius") or {}
    return render(request, "incident.html", {"incident": incident, "radius": radius})
