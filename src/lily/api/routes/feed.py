"""The change feed (ordered per tenant) and the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import StringConstraints

from lily.api.context import AppContext
from lily.api.deps import authorize, ctx
from lily.api.permissions import V1
from lily.api.schemas import AuditOut, ChangeOut, ChangesOut
from lily.api.schemas_query import TEXT, Instant
from lily.model import Principal
from lily.store import feed

router = APIRouter(prefix=V1, tags=["changes"])
WINDOW = 100_000


@router.get("/changes", response_model=ChangesOut)
def list_changes(after: int = Query(0, ge=0, le=2**62, description="return changes with seq > after"),
                 limit: int = Query(100, ge=1, le=1000),
                 kind: list[Annotated[str, StringConstraints(max_length=100, pattern=TEXT)]] = Query(
                     [], max_length=50, description="change kinds to keep, e.g. asset.created (repeatable)"),
                 principal: Principal = Depends(authorize), app: AppContext = Depends(ctx)) -> ChangesOut:
    with app.store.read() as conn:
        upto = feed.window_end(conn, principal.tenant_id, after, WINDOW)  # a bounded scan per page
        items = feed.changes_after(conn, principal.tenant_id, after, limit, kind or None, upto=upto)
    return ChangesOut(items=[ChangeOut(**c.model_dump(exclude={"tenant_id"})) for c in items],
                      last_seq=items[-1].seq if len(items) == limit else upto)


@router.get("/audit", response_model=list[AuditOut])
def list_audit(actor: str | None = Query(None, max_length=200, pattern=TEXT),
               action: str | None = Query(None, max_length=100, pattern=TEXT),
               since: Instant | None = Query(None, description="at or after"),
               before: Instant | None = Query(None, description="before"),
               limit: int = Query(100, ge=1, le=1000), principal: Principal = Depends(authorize),
               app: AppContext = Depends(ctx)) -> list[AuditOut]:
    with app.store.read() as conn:
        rows = feed.audit_records(conn, principal.tenant_id, actor=actor, action=action, since=since,
                                  before=before, limit=limit)
    return [AuditOut(**r) for r in rows]
