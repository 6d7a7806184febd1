"""Events API: every inbound event with its status, error, per-stage timings, and replay.

``/events/{event_id}`` only matches UUIDs, so ``/events/lineage`` (the Marquez-compatible read API)
is never taken for an event id.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

import orjson
from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, Field

from lily.api.deps import authorize
from lily.api.permissions import V1
from lily.api.routes.inbound import runtime
from lily.api.schemas_query import SEQ_CURSOR, TEXT, Instant, seq_after, seq_cursor
from lily.bus.base import ReplayRefused
from lily.inbound.runtime import InboundRuntime
from lily.inbound.sources import SOURCES
from lily.inbound.sources.base import ParseError
from lily.inbound.sources.generic import parse_asset_id
from lily.model import Principal, asset_id
from lily.store import catalog, inbox

router = APIRouter(prefix=V1, tags=["events"])

Status = Literal["received", "applied", "failed", "dead"]
# The sources registered when the API is imported (the built-in ones and any registered before).
SourceName = Literal[tuple(SOURCES)]  # type: ignore[valid-type]


class Timings(BaseModel):
    parse_ms: float | None = None
    enrich_ms: float | None = None
    apply_ms: float | None = None


class EventOut(BaseModel):
    id: uuid.UUID
    source: str
    event_type: str | None
    status: Status
    error: str | None = None
    note: str | None = None
    attempts: int
    received_at: datetime
    applied_at: datetime | None = None
    timings: Timings
    changes: int | None = Field(None, description="change rows written when the event was applied")
    first_change_seq: int | None = None
    last_change_seq: int | None = None
    correlation_id: str | None = None
    actor: str | None = None
    idempotency_key: str
    partition: int
    headers: dict[str, Any] = Field(default_factory=dict)
    assets: list[uuid.UUID] | None = Field(None, description="assets the event touched (detail view)")
    payload: Any = Field(None, description="the event as received (detail view)")

    @classmethod
    def of(cls, row: dict[str, Any], *, assets: list[uuid.UUID] | None = None, detail: bool = False) -> EventOut:
        payload = None
        if detail and row.get("payload") is not None:
            try:
                payload = orjson.loads(bytes(row["payload"]))
            except orjson.JSONDecodeError:
                payload = bytes(row["payload"]).decode("utf-8", "replace")
        return cls(
            id=row["id"], source=row["source"], event_type=row["event_type"], status=row["status"],
            error=row["error"], note=row["note"], attempts=row["attempts"], received_at=_utc(row["received_at"]),
            applied_at=_utc(row["applied_at"]) if row["applied_at"] else None,
            timings=Timings(parse_ms=row["parse_ms"], enrich_ms=row["enrich_ms"], apply_ms=row["apply_ms"]),
            changes=row["changes"], first_change_seq=row["first_change_seq"],
            last_change_seq=row["last_change_seq"], correlation_id=row["correlation_id"], actor=row["actor"],
            idempotency_key=row["idempotency_key"], partition=row["partition"], headers=row["headers"] or {},
            assets=assets, payload=payload)


class EventsPage(BaseModel):
    items: list[EventOut]
    next_cursor: str | None = Field(None, description="pass as ?cursor= for the next (older) page")


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _asset(rt: InboundRuntime, tenant_id: str, value: str) -> tuple[uuid.UUID, uuid.UUID | None] | None:
    """An asset id, or a qualified name (``namespace/name[#field]``, as in the catalog), and the id of
    its dataset when it is a column (events are indexed under a column's dataset). ``None`` when
    the value is neither: it names no asset, so no event touched it."""
    try:
        aid = uuid.UUID(value)
    except ValueError:
        try:
            ref = parse_asset_id(value, "")
        except ParseError:
            return None
        return asset_id(tenant_id, ref), asset_id(tenant_id, ref.dataset()) if ref.field else None
    with rt.store.read() as conn:
        found = catalog.get_asset(conn, tenant_id, aid)
    return aid, (asset_id(tenant_id, found.ref.dataset()) if found is not None and found.ref.field else None)


@router.get("/events", response_model=EventsPage, summary="Inbound events, newest first")
def list_events(source: SourceName | None = None,
                type: str | None = Query(None, max_length=120, pattern=TEXT,
                                         description="event type, e.g. RunEvent.COMPLETE"),
                status: Status | None = None,
                asset: str | None = Query(None, max_length=2000, pattern=TEXT,
                                          description="asset id or qualified name the event touched "
                                                      "(one that names no asset: no events)"),
                since: Instant | None = Query(None, description="received at or after"),
                until: Instant | None = Query(None, description="received before"),
                cursor: str | None = Query(None, pattern=SEQ_CURSOR, description="next_cursor of the previous page"),
                limit: int = Query(50, ge=1, le=500),
                principal: Principal = Depends(authorize),
                rt: InboundRuntime = Depends(runtime)) -> EventsPage:
    aid, dataset = None, None
    if asset:
        found = _asset(rt, principal.tenant_id, asset)
        if found is None:
            return EventsPage(items=[])
        aid, dataset = found
    flt = inbox.EventFilter(source=source, event_type=type, status=status, asset_id=aid, asset_dataset=dataset,
                            since=since, until=until)
    with rt.store.inbox_read() as conn:
        rows = inbox.list_events(conn, principal.tenant_id, flt, after=seq_after(cursor) if cursor else None,
                                 limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return EventsPage(items=[EventOut.of(r) for r in rows],
                      next_cursor=seq_cursor(rows[-1]["seq"]) if more and rows else None)


def _load(rt: InboundRuntime, principal: Principal, event_id: uuid.UUID) -> EventOut:
    with rt.store.inbox_read() as conn:
        row = inbox.get_event(conn, principal.tenant_id, event_id)
        if row is None:
            raise HTTPException(404, f"event {event_id} not found")
        return EventOut.of(row, assets=inbox.touched(row, conn), detail=True)


@router.get("/events/{event_id}", response_model=EventOut,
            summary="One event: status, error, per-stage timings, touched assets and payload")
def get_event(event_id: uuid.UUID, principal: Principal = Depends(authorize),
              rt: InboundRuntime = Depends(runtime)) -> EventOut:
    return _load(rt, principal, event_id)


@router.post("/events/{event_id}/replay", response_model=EventOut, status_code=202,
             summary="Parse and apply a stored event again (e.g. after a parser fix)")
def replay_event(event_id: uuid.UUID, principal: Principal = Depends(authorize),
                 rt: InboundRuntime = Depends(runtime)) -> EventOut:
    try:
        rt.bus.replay(principal.tenant_id, event_id)
    except ReplayRefused as exc:
        raise HTTPException(exc.status, str(exc)) from exc
    return _load(rt, principal, event_id)
