"""Live updates: the tenant's change feed as server-sent events (``GET /live``).

Each committed change becomes ``event: change`` with its kind and ids; ``lily.js`` re-dispatches it
on the page, where fragments refresh themselves (``hx-trigger="lily:change from:body"``). The feed
is read once a second from the last sequence number sent, so every process's writes (the inbound
worker process, pipelines) show up, and a reconnecting browser resumes from ``Last-Event-ID``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

from lily.auth.rbac import Permission, allows
from lily.model import Change, Principal
from lily.store import accounts, feed
from lily.web.calls import app_ctx
from lily.web.session import current_user

router = APIRouter(tags=["web"])
POLL_S = 1.0
KEEPALIVE_S = 15.0  # a comment line now and then keeps proxies from closing an idle stream
BATCH = 200


def _latest(request: Request, tenant: str) -> int:
    with app_ctx(request).store.read() as conn:
        row = accounts.get_tenant(conn, tenant)
    return int(row["change_seq"]) if row else 0


def _after(request: Request, tenant: str, seq: int) -> list:
    with app_ctx(request).store.read() as conn:
        return feed.changes_after(conn, tenant, seq, BATCH)


def message(change: Change, full: bool) -> str:
    """One server-sent event. Roles that may not read the change feed (``changes:read``) learn only
    what kind of change touched which asset, which is what their pages refresh on."""
    data = {"seq": change.seq, "kind": change.kind.value.replace(".", "-"), "change": change.kind.value,
            "asset_id": str(change.asset_id) if change.asset_id else None}
    if full:
        data |= {"entity_type": change.entity_type, "entity_id": change.entity_id, "actor": change.actor,
                 "at": change.at.isoformat()}
    return f"id: {change.seq}\nevent: change\ndata: {json.dumps(data)}\n\n"


@router.get("/live")
async def live(request: Request, user: Principal = Depends(current_user)) -> StreamingResponse:
    resume = request.headers.get("last-event-id", "")
    start = int(resume) if resume.isdigit() else await run_in_threadpool(_latest, request, user.tenant_id)

    full = allows(user.role, Permission.CHANGES_READ)

    async def stream() -> AsyncIterator[str]:
        seq, idle = start, 0.0
        yield "retry: 3000\n\n"
        while not await request.is_disconnected():
            changes = await run_in_threadpool(_after, request, user.tenant_id, seq)
            for change in changes:
                seq = change.seq
                yield message(change, full)
            if changes:
                idle = 0.0
                continue
            idle += POLL_S
            if idle >= KEEPALIVE_S:
                idle = 0.0
                yield ": keep-alive\n\n"
            await asyncio.sleep(POLL_S)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
