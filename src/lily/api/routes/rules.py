"""Security rules (seed schema), validated strictly; a change re-plans the tenant's warehouse policies."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from lily.api.context import AppContext
from lily.api.deps import authorize, ctx, request_id
from lily.api.permissions import V1
from lily.api.problems import problem
from lily.api.schemas import nul_at
from lily.api.schemas_governance import RuleOut, rule_schema
from lily.bus.commits import notify_committed
from lily.model import Principal
from lily.model.rules import SecurityRule
from lily.store import governance as repo
from lily.store.feed import write_audit

router = APIRouter(prefix=V1, tags=["security rules"])

RuleId = Annotated[str, Path(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_.:\-]+$")]
_RULE_EXAMPLE = {
    "rule_id": "pii-mask", "rule_type": "masking",
    "conditions": [{"field": "classification", "operator": "matches", "value": "PII.*"}],
    "actions": [{"type": "mask", "parameters": {"strategy": "hash", "exempt_roles": ["PII_READERS"]}}],
}


def _location(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def invalid_rule(err: ValidationError) -> JSONResponse:
    """422 naming every problem exactly (field path, bad value, allowed values)."""
    errors = []
    for e in err.errors():
        msg = e["msg"].removeprefix("Value error, ")
        errors.append({"loc": list(e["loc"]), "msg": msg, "type": e["type"]})
    detail = "; ".join(f"{_location(tuple(x['loc']))}: {x['msg']}" if x["loc"] else x["msg"] for x in errors)
    return problem(422, detail, errors=errors)


def parse_rule(body: dict[str, Any]) -> SecurityRule | JSONResponse:
    where = nul_at(body)
    if where is not None:  # PostgreSQL cannot store it (lily.api.schemas.RequestModel)
        return problem(422, f"{where}: strings must not contain NUL (U+0000)")
    try:
        return SecurityRule.model_validate(body)
    except ValidationError as e:
        return invalid_rule(e)


def _changed(app: AppContext, principal: Principal, action: str, rule_id: str, rid: str,
             write: Any) -> None:
    """Run ``write(conn, now)``, audit it and ask the outbound worker to re-plan, in one transaction."""
    now = datetime.now(UTC)
    with app.store.write() as conn:
        write(conn, now)
        write_audit(conn, principal.tenant_id, principal.actor, action, at=now, entity_type="security_rule",
                    entity_id=rule_id, correlation_id=rid)
        repo.request_replan(conn, principal.tenant_id, f"{action} {rule_id}", now, correlation_id=rid)
    notify_committed(app.store.engine, principal.tenant_id)


@router.post("/security/rules", response_model=RuleOut, status_code=201,
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                 "schema": rule_schema(rule_id_required=True), "example": _RULE_EXAMPLE}}}})
def create_rule(body: dict[str, Any] = Body(...), principal: Principal = Depends(authorize),
                app: AppContext = Depends(ctx), rid: str = Depends(request_id)) -> Any:
    rule = parse_rule(body)
    if isinstance(rule, JSONResponse):
        return rule
    with app.store.read() as conn:
        if repo.get_rule(conn, principal.tenant_id, rule.rule_id) is not None:
            raise HTTPException(409, f"rule {rule.rule_id!r} already exists; PUT /security/rules/{rule.rule_id} "
                                     "replaces it")
    data = rule.model_dump(mode="json")
    _changed(app, principal, "rule.create", rule.rule_id, rid, lambda conn, now: repo.insert_rule(
        conn, principal.tenant_id, rule.rule_id, data, rule.enabled, principal.actor, now))
    return _get(app, principal, rule.rule_id)


def _get(app: AppContext, principal: Principal, rule_id: str) -> RuleOut:
    with app.store.read() as conn:
        row = repo.get_rule(conn, principal.tenant_id, rule_id)
    if row is None:
        raise HTTPException(404, "rule not found")  # no echo: a 404 must not confirm a name
    return RuleOut.of(row)


@router.get("/security/rules", response_model=list[RuleOut])
def list_rules(principal: Principal = Depends(authorize), app: AppContext = Depends(ctx)) -> list[RuleOut]:
    with app.store.read() as conn:
        return [RuleOut.of(r) for r in repo.list_rules(conn, principal.tenant_id)]


@router.get("/security/rules/{rule_id}", response_model=RuleOut)
def get_rule(rule_id: RuleId, principal: Principal = Depends(authorize), app: AppContext = Depends(ctx)) -> RuleOut:
    return _get(app, principal, rule_id)


@router.put("/security/rules/{rule_id}", response_model=RuleOut,
            openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                "schema": rule_schema(rule_id_required=False), "example": _RULE_EXAMPLE}}}})
def replace_rule(rule_id: RuleId, body: dict[str, Any] = Body(...),
                 principal: Principal = Depends(authorize), app: AppContext = Depends(ctx),
                 rid: str = Depends(request_id)) -> Any:
    _get(app, principal, rule_id)  # 404 before validation: the path names what is replaced
    if body.get("rule_id", rule_id) != rule_id:
        return problem(422, f"rule_id: {body['rule_id']!r} does not match the path ({rule_id!r}); "
                            "rules are renamed by DELETE + POST")
    rule = parse_rule({**body, "rule_id": rule_id})
    if isinstance(rule, JSONResponse):
        return rule
    data = rule.model_dump(mode="json")
    _changed(app, principal, "rule.update", rule_id, rid, lambda conn, now: repo.update_rule(
        conn, principal.tenant_id, rule_id, data, rule.enabled, principal.actor, now))
    return _get(app, principal, rule_id)


@router.delete("/security/rules/{rule_id}", status_code=204)
def delete_rule(rule_id: RuleId, principal: Principal = Depends(authorize), app: AppContext = Depends(ctx),
                rid: str = Depends(request_id)) -> Response:
    _get(app, principal, rule_id)
    _changed(app, principal, "rule.delete", rule_id, rid,
             lambda conn, now: repo.delete_rule(conn, principal.tenant_id, rule_id))
    return Response(status_code=204)
