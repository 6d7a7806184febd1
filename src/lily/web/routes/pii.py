"""PII review: detected classifications awaiting a person's decision, with their confidence and
where they were found; Confirm and Reject (the API's review handlers); confirmed and rejected lists."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from lily.api.routes.classifications import confirm_classification, reject_classification
from lily.auth.rbac import allows
from lily.model import Asset, Principal
from lily.store import catalog, review
from lily.web.calls import app_ctx, call, permission
from lily.web.errors import PageError
from lily.web.nav import Nav
from lily.web.session import csrf_checked, requires
from lily.web.templating import render

router = APIRouter(tags=["web"])
_READ = permission("GET", "/assets/{asset_id}/classifications")
_REVIEW = permission("POST", "/assets/{asset_id}/classifications/{tag}/confirm")
NAV = Nav("PII", "/pii", _READ, order=42)
LISTED = 500


def _where(asset: Asset | None, parents: dict[uuid.UUID, Asset]) -> dict[str, Any]:
    """Dataset and column of a tagged asset, for the table and its links."""
    if asset is None:
        return {"dataset": "?", "dataset_id": None, "column": None, "namespace": ""}
    parent = parents.get(asset.parent_id) if asset.ref.field and asset.parent_id else None
    owner = parent or asset
    return {"dataset": owner.ref.name, "dataset_id": owner.id, "column": asset.ref.field or None,
            "namespace": owner.ref.namespace}


def _source(evidence: dict[str, Any] | None, created_by: str | None) -> str:
    """Who found it: the pipeline (and its process date), else the detector or the actor."""
    e = evidence or {}
    if e.get("pipeline"):
        return f"pipeline {e['pipeline']}" + (f" ({e['process_date']})" if e.get("process_date") else "")
    return str(e.get("detector") or e.get("connector") or created_by or "—")


def review_data(request: Request, user: Principal) -> dict[str, Any]:
    tenant = user.tenant_id
    with app_ctx(request).store.read() as conn:
        found = review.detected(conn, tenant, LISTED)
        rejected = review.rejections(conn, tenant)
        ids = sorted({c.asset_id for c in found} | {r["asset_id"] for r in rejected}, key=str)
        tagged = catalog.get_many(conn, tenant, ids)
        parents = catalog.get_many(conn, tenant, sorted({a.parent_id for a in tagged.values()
                                                         if a.ref.field and a.parent_id}, key=str))

    def row(asset_id: uuid.UUID, tag: str, confidence: float | None, evidence: dict[str, Any] | None,
            by: str | None, **extra: Any) -> dict[str, Any]:
        return {"asset_id": asset_id, "tag": tag, "confidence": confidence, "evidence": evidence or {},
                "source": _source(evidence, by), **_where(tagged.get(asset_id), parents), **extra}

    pending = [row(c.asset_id, c.tag, c.confidence, c.evidence, c.created_by) for c in found
               if c.status is None or c.status.value == "suggested"]
    confirmed = [row(c.asset_id, c.tag, c.confidence, c.evidence, c.created_by,
                     reviewed_by=(c.evidence or {}).get("reviewed_by")) for c in found
                 if c.status is not None and c.status.value == "confirmed"]
    rejected_rows = [row(r["asset_id"], r["tag"], r["confidence"], r["evidence"], None,
                         reviewed_by=r["rejected_by"], at=r["rejected_at"]) for r in rejected]
    return {"pending": pending, "confirmed": confirmed, "rejected": rejected_rows,
            "can_review": allows(user.role, _REVIEW)}


@router.get("/pii")
def pii_page(request: Request, done: str = "", user: Principal = Depends(requires(_READ))) -> Response:
    return render(request, "pii.html", {**review_data(request, user), "done": done[:200]})


def _decide(request: Request, user: Principal, asset_id: str, tag: str, decision: str) -> Response:
    try:
        aid = uuid.UUID(asset_id)
    except ValueError:
        raise PageError(404, f"no asset {asset_id!r}") from None
    rid = str(request.scope.get("state", {}).get("request_id", ""))
    handler = confirm_classification if decision == "confirmed" else reject_classification
    call(handler, aid, tag, user, app_ctx(request), rid)
    return RedirectResponse(f"/pii?done={decision}", status_code=303)


@router.post("/pii/{asset_id}/confirm", dependencies=[Depends(csrf_checked)])
def confirm(request: Request, asset_id: str, tag: str = Form(..., max_length=200),
            user: Principal = Depends(requires(_REVIEW))) -> Response:
    return _decide(request, user, asset_id, tag, "confirmed")


@router.post("/pii/{asset_id}/reject", dependencies=[Depends(csrf_checked)])
def reject(request: Request, asset_id: str, tag: str = Form(..., max_length=200),
           user: Principal = Depends(requires(_REVIEW))) -> Response:
    return _decide(request, user, asset_id, tag, "rejected")
