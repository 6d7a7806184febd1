"""Events: the inbound stream (live), filters, one event's stage timings, error and payload, replay."""

from __future__ import annotations

import uuid
from typing import get_args

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from lily.api.routes.events import SourceName, Status, get_event, list_events, replay_event
from lily.model import Principal
from lily.web.calls import call, permission
from lily.web.errors import PageError
from lily.web.nav import Nav
from lily.web.session import csrf_checked, requires
from lily.web.templating import render

router = APIRouter(tags=["web"])
_READ = permission("GET", "/events")
_REPLAY = permission("POST", "/events/{event_id}/replay")
NAV = Nav("Events", "/events", _READ, order=50)
SOURCES = get_args(SourceName)
STATUSES = get_args(Status)


def _choice(value: str, allowed: tuple) -> str | None:
    if not value:
        return None
    if value not in allowed:
        raise PageError(422, f"unknown filter value {value!r}; one of {', '.join(allowed)}")
    return value


def event_list(request: Request, user: Principal, source: str, type_: str, status: str, asset: str) -> list:
    return call(list_events, _choice(source, SOURCES), type_ or None, _choice(status, STATUSES), asset or None,
                None, None, None, 50, user, request.app.state.inbound).items


@router.get("/events")
def events_page(request: Request, source: str = Query("", max_length=64), type: str = Query("", max_length=120),
                status: str = Query("", max_length=16), asset: str = Query("", max_length=2000),
                user: Principal = Depends(requires(_READ))) -> Response:
    return render(request, "events.html", {"items": event_list(request, user, source, type, status, asset),
                                           "sources": SOURCES, "statuses": STATUSES, "f": {
                                               "source": source, "type": type, "status": status, "asset": asset}})


@router.get("/events/list")
def events_fragment(request: Request, source: str = Query("", max_length=64), type: str = Query("", max_length=120),
                    status: str = Query("", max_length=16), asset: str = Query("", max_length=2000),
                    user: Principal = Depends(requires(_READ))) -> Response:
    return render(request, "_events_table.html", {"items": event_list(request, user, source, type, status, asset)})


def _id(event_id: str) -> uuid.UUID:
    try:
        return uuid.UUID(event_id)
    except ValueError:
        raise PageError(404, f"no event {event_id!r}") from None


@router.get("/events/{event_id}")
def event_page(request: Request, event_id: str, user: Principal = Depends(requires(_READ))) -> Response:
    event = call(get_event, _id(event_id), user, request.app.state.inbound)
    return render(request, "event.html", {"event": event})


@router.post("/events/{event_id}/replay", dependencies=[Depends(csrf_checked)])
def replay(request: Request, event_id: str, user: Principal = Depends(requires(_REPLAY))) -> Response:
    event = call(replay_event, _id(event_id), user, request.app.state.inbound)
    return render(request, "event.html", {"event": event, "replayed": True})
