"""Governance: security rules (list, create, edit; the API's validation errors shown inline),
targets, deliveries with the dead-letter queue and replay, and the statements applied per target."""

from __future__ import annotations

import json
import uuid
from typing import Any

import orjson
from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import JSONResponse
from starlette.responses import RedirectResponse, Response

from lily.api.routes.deliveries import list_deliveries, replay_delivery
from lily.api.routes.rules import create_rule, get_rule, list_rules, replace_rule
from lily.api.routes.targets import list_targets
from lily.model import Principal
from lily.web.calls import app_ctx, call, permission
from lily.web.errors import PageError
from lily.web.nav import Nav
from lily.web.session import csrf_checked, requires
from lily.web.templating import render

router = APIRouter(tags=["web"])
_READ = permission("GET", "/security/rules")
_MANAGE = permission("POST", "/security/rules")
_DELIVERIES = permission("GET", "/deliveries")
_REPLAY = permission("POST", "/deliveries/{delivery_id}/replay")
NAV = Nav("Governance", "/governance", _READ, order=30)
DELIVERY_STATUSES = ("pending", "failed", "applied", "dead", "superseded")
EXAMPLE = {
    "rule_id": "pii-mask", "rule_type": "masking", "description": "Hash every PII column",
    "conditions": [{"field": "classification", "operator": "matches", "value": "PII.*"}],
    "actions": [{"type": "mask", "parameters": {"strategy": "hash", "exempt_roles": ["PII_READER"]}}],
}


def _rid(request: Request) -> str:
    return str(request.scope.get("state", {}).get("request_id", ""))


def deliveries(request: Request, user: Principal, status: str = "", target: str = "") -> list:
    if status and status not in DELIVERY_STATUSES:
        raise PageError(422, f"unknown delivery status {status!r}")
    return call(list_deliveries, status or None, target or None, None, 100, user, app_ctx(request))


@router.get("/governance")
def governance_page(request: Request, status: str = Query("", max_length=16),
                    user: Principal = Depends(requires(_READ))) -> Response:
    ctx = app_ctx(request)
    return render(request, "governance.html", {
        "rules": call(list_rules, user, ctx), "targets": call(list_targets, user, ctx),
        "deliveries": deliveries(request, user, status), "status": status, "statuses": DELIVERY_STATUSES,
        "applied": deliveries(request, user, "applied")})


@router.get("/governance/deliveries")
def deliveries_fragment(request: Request, status: str = Query("", max_length=16),
                        user: Principal = Depends(requires(_DELIVERIES))) -> Response:
    """The deliveries table alone (status filter, live refresh)."""
    return render(request, "_deliveries.html", {"deliveries": deliveries(request, user, status), "status": status})


@router.post("/governance/deliveries/{delivery_id}/replay", dependencies=[Depends(csrf_checked)])
def replay(request: Request, delivery_id: str, user: Principal = Depends(requires(_REPLAY))) -> Response:
    try:
        did = uuid.UUID(delivery_id)
    except ValueError:
        raise PageError(404, f"no delivery {delivery_id!r}") from None
    call(replay_delivery, did, user, app_ctx(request), _rid(request))
    return render(request, "_deliveries.html", {"deliveries": deliveries(request, user), "status": "",
                                                "message": "Delivery re-planned and queued."})


# ------------------------------------------------------------------------------------ rules

def _form(request: Request, *, text: str, rule_id: str | None, errors: list[dict[str, Any]] | None = None,
          detail: str | None = None, status: int = 200) -> Response:
    return render(request, "rule_form.html", {"text": text, "rule_id": rule_id, "errors": errors or [],
                                              "detail": detail}, status=status)


def _submitted(request: Request, text: str, rule_id: str | None) -> dict[str, Any] | Response:
    try:
        body = json.loads(text)
    except json.JSONDecodeError as exc:
        return _form(request, text=text, rule_id=rule_id, detail=f"not valid JSON: {exc}", status=422)
    if not isinstance(body, dict):
        return _form(request, text=text, rule_id=rule_id, detail="a rule is a JSON object", status=422)
    return body


def _outcome(request: Request, result: Any, text: str, rule_id: str | None) -> Response:
    """The API handler's answer: its 422 problem becomes the form again with each error inline."""
    if isinstance(result, JSONResponse):
        problem = orjson.loads(bytes(result.body))
        return _form(request, text=text, rule_id=rule_id, errors=problem.get("errors", []),
                     detail=problem.get("detail"), status=result.status_code)
    return RedirectResponse(f"/governance?saved={result.rule_id}#rules", status_code=303)


@router.get("/governance/rules/new")
def new_rule(request: Request, user: Principal = Depends(requires(_MANAGE))) -> Response:
    return _form(request, text=json.dumps(EXAMPLE, indent=2), rule_id=None)


@router.post("/governance/rules", dependencies=[Depends(csrf_checked)])
def create(request: Request, rule: str = Form(..., max_length=200_000),
           user: Principal = Depends(requires(_MANAGE))) -> Response:
    body = _submitted(request, rule, None)
    if isinstance(body, Response):
        return body
    return _outcome(request, call(create_rule, body, user, app_ctx(request), _rid(request)), rule, None)


@router.get("/governance/rules/{rule_id}")
def edit_rule(request: Request, rule_id: str, user: Principal = Depends(requires(_READ))) -> Response:
    found = call(get_rule, rule_id, user, app_ctx(request))
    body = found.model_dump(mode="json", exclude={"version", "created_by", "updated_by", "created_at", "updated_at"})
    return _form(request, text=json.dumps(body, indent=2), rule_id=rule_id)


@router.post("/governance/rules/{rule_id}", dependencies=[Depends(csrf_checked)])
def update(request: Request, rule_id: str, rule: str = Form(..., max_length=200_000),
           user: Principal = Depends(requires(_MANAGE))) -> Response:
    body = _submitted(request, rule, rule_id)
    if isinstance(body, Response):
        return body
    return _outcome(request, call(replace_rule, rule_id, body, user, app_ctx(request), _rid(request)), rule,
                    rule_id)
