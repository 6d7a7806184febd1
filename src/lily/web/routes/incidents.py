"""Incidents: the list with filters, and one incident with its timeline and blast radius (a list,
and a graph laid out and drawn on the server by the lineage explorer's layout and SVG renderer)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from lily.api.routes.incidents import get_incident, list_incidents
from lily.model import LineageLevel, Principal
from lily.store import catalog
from lily.store import lineage as lineage_store
from lily.web.calls import app_ctx, call, permission
from lily.web.errors import PageError
from lily.web.graph import svg
from lily.web.graph.explorer import Drawing, EdgeInfo, NodeInfo, draw, short
from lily.web.graph.neighbourhood import Selection
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


def _incident(request: Request, user: Principal, incident_id: str) -> Any:
    try:
        iid = uuid.UUID(incident_id)
    except ValueError:
        raise PageError(404, f"no incident {incident_id!r}") from None
    return call(get_incident, iid, user, app_ctx(request))


@router.get("/incidents/{incident_id}")
def incident_page(request: Request, incident_id: str, user: Principal = Depends(requires(_READ))) -> Response:
    incident = _incident(request, user, incident_id)
    radius = incident.enrichment.get("blast_radius") or {}
    return render(request, "incident.html", {"incident": incident, "radius": radius,
                                             "graph": bool(radius.get("assets"))})


def blast_drawing(affected: Sequence[tuple[str, str, str]], reached: Sequence[dict[str, Any]],
                  edges: Sequence[tuple[str, str, str]]) -> Drawing:
    """The blast radius as a layered drawing (pure): the affected assets (id, name, system) in the
    first layer, marked as incidents, each reached asset in the layer of its distance from them,
    and the lineage edges among them."""
    info: dict[str, NodeInfo] = {}
    for aid, name, system in affected:
        info[aid] = NodeInfo(aid, name, system, "dataset", 0, f"/assets/{aid}", incidents=1)
    for a in reached:
        aid = str(a["asset_id"])
        info.setdefault(aid, NodeInfo(aid, a["name"], a["namespace"], a["type"], int(a.get("depth") or 1),
                                      f"/assets/{aid}"))
    shown = sorted(info, key=lambda i: (info[i].layer, info[i].name))
    root = next(iter(a for a, _, _ in affected), shown[0] if shown else "")
    return draw(root, Selection(shown, [], []), info, [EdgeInfo(i, s, t) for i, s, t in edges])


@router.get("/incidents/{incident_id}/blast-radius.svg")
def blast_radius_svg(request: Request, incident_id: str, user: Principal = Depends(requires(_READ))) -> Response:
    """The blast radius graph (shown on the incident page as an image; the explorer has the rest)."""
    incident = _incident(request, user, incident_id)
    reached = (incident.enrichment.get("blast_radius") or {}).get("assets") or []
    tenant = user.tenant_id
    with app_ctx(request).store.read() as conn:
        found = catalog.get_many(conn, tenant, [a.asset_id for a in incident.affected if a.known])
        # An affected column is drawn as its table: the blast radius counts tables.
        tables = catalog.get_many(conn, tenant, sorted({a.parent_id if a.ref.field and a.parent_id else a.id
                                                        for a in found.values()}, key=str))
        ids = set(tables) | {uuid.UUID(str(a["asset_id"])) for a in reached}
        edges = lineage_store.edges_among(conn, tenant, ids, LineageLevel.DATASET)
    drawing = blast_drawing([(str(t.id), t.display_name or t.ref.name, t.ref.namespace) for t in tables.values()],
                            reached, [(str(e.id), str(e.source_id), str(e.target_id)) for e in edges])
    title = short(f"Blast radius of {incident.title or incident.external_id}", 120)
    return Response(svg.render(drawing, title), media_type="image/svg+xml", headers={"cache-control": "no-store"})
