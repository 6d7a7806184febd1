"""Outbound target connections per tenant; secrets are encrypted at rest and never returned."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Body, Depends, HTTPException, Response
from pydantic import ValidationError

from lily.api.context import AppContext
from lily.api.deps import authorize, ctx, request_id
from lily.api.permissions import V1
from lily.api.problems import problem
from lily.api.schemas_governance import TargetIn, TargetOut, TargetUpdate, inlined
from lily.bus.commits import notify_committed
from lily.model import Principal
from lily.model.policy import TargetKind
from lily.outbound.config import ConfigError, validate
from lily.outbound.secrets import SecretError, decrypt_config, encrypt_config
from lily.store import governance as repo
from lily.store.feed import write_audit

router = APIRouter(prefix=V1, tags=["targets"])


def _checked(kind: TargetKind, config: dict[str, Any], secrets: dict[str, Any], status: int = 422) -> None:
    try:
        validate(kind, config, secrets)
    except ConfigError as e:
        raise HTTPException(status, str(e)) from None


def _load(app: AppContext, principal: Principal, target_id: uuid.UUID) -> dict[str, Any]:
    with app.store.read() as conn:
        row = repo.get_target(conn, principal.tenant_id, target_id)
    if row is None:
        raise HTTPException(404, f"target {target_id} not found")
    return row


def _audit_and_replan(conn: Any, principal: Principal, action: str, target_id: uuid.UUID, name: str, rid: str,
                      now: datetime, replan: bool = True) -> None:
    write_audit(conn, principal.tenant_id, principal.actor, action, at=now, entity_type="target",
                entity_id=str(target_id), correlation_id=rid, details={"name": name})
    if replan:
        repo.request_replan(conn, principal.tenant_id, f"{action} {name}", now, target_id=target_id,
                            correlation_id=rid)


@router.post("/targets", response_model=TargetOut, status_code=201)
def create_target(body: TargetIn, principal: Principal = Depends(authorize), app: AppContext = Depends(ctx),
                  rid: str = Depends(request_id)) -> TargetOut:
    _checked(body.kind, body.config, body.secrets)
    now = datetime.now(UTC)
    tid = uuid.uuid4()
    with app.store.write() as conn:
        if repo.get_target_by_name(conn, principal.tenant_id, body.name) is not None:
            raise HTTPException(409, f"target {body.name!r} already exists")
        repo.insert_target(conn, {
            "id": tid, "tenant_id": principal.tenant_id, "name": body.name, "kind": body.kind.value,
            "config": body.config, "enabled": body.enabled, "secret_keys": sorted(body.secrets),
            "secrets": encrypt_config(body.secrets, app.settings.fernet_key()) if body.secrets else None,
            "created_at": now, "updated_at": now})
        _audit_and_replan(conn, principal, "target.create", tid, body.name, rid, now)
    notify_committed(app.store.engine, principal.tenant_id)
    return TargetOut.of(_load(app, principal, tid))


@router.get("/targets", response_model=list[TargetOut])
def list_targets(principal: Principal = Depends(authorize), app: AppContext = Depends(ctx)) -> list[TargetOut]:
    with app.store.read() as conn:
        return [TargetOut.of(r) for r in repo.list_targets(conn, principal.tenant_id)]


@router.get("/targets/{target_id}", response_model=TargetOut)
def get_target(target_id: uuid.UUID, principal: Principal = Depends(authorize),
               app: AppContext = Depends(ctx)) -> TargetOut:
    return TargetOut.of(_load(app, principal, target_id))


# The body is validated after the target is found (404 first: the path names what is replaced), so
# the route reads it itself and declares TargetUpdate's schema for it.
@router.put("/targets/{target_id}", response_model=TargetOut,
            openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                "schema": inlined(TargetUpdate.model_json_schema())}}}})
def replace_target(target_id: uuid.UUID,
                   raw: dict[str, Any] = Body(..., description="as for POST; omit 'secrets' to keep the stored ones"),
                   principal: Principal = Depends(authorize), app: AppContext = Depends(ctx),
                   rid: str = Depends(request_id)) -> Any:
    row = _load(app, principal, target_id)  # 404 before the body: the path names what is replaced
    try:
        body = TargetUpdate.model_validate(raw)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return problem(422, f"{where}: {first['msg']}" if where else first["msg"], errors=[
            {"loc": list(x["loc"]), "msg": x["msg"], "type": x["type"]} for x in e.errors()])
    if body.kind.value != row["kind"]:  # the target's state, not the body's shape, is in the way
        raise HTTPException(409, f"kind: a target's kind cannot change ({row['kind']!r}); create a new target")
    key = app.settings.fernet_key()
    if body.secrets is None:
        try:
            secrets = decrypt_config(row["secrets"], key) if row["secrets"] else {}
        except SecretError as e:
            raise HTTPException(409, f"stored secrets are unreadable ({e}); send 'secrets' again") from None
    else:
        secrets = body.secrets
    # With 'secrets' omitted, a new config the stored secrets do not serve conflicts with the
    # target's state (409); secrets sent with it that do not fit are an invalid body (422).
    _checked(body.kind, body.config, secrets, 409 if body.secrets is None else 422)
    now = datetime.now(UTC)
    with app.store.write() as conn:
        other = repo.get_target_by_name(conn, principal.tenant_id, body.name)
        if other is not None and other["id"] != target_id:
            raise HTTPException(409, f"target {body.name!r} already exists")
        values: dict[str, Any] = {"name": body.name, "config": body.config, "enabled": body.enabled,
                                  "updated_at": now}
        if body.secrets is not None:
            values.update(secrets=encrypt_config(secrets, key) if secrets else None, secret_keys=sorted(secrets))
        repo.update_target(conn, principal.tenant_id, target_id, values)
        if not body.enabled:
            # Disabled: nothing more may be sent; enabling it again re-plans from the applied state.
            repo.supersede_open(conn, target_id, now, "target disabled")
        # Only a config change can change what the target should hold; new credentials do not.
        replan = body.config != row["config"] or body.enabled != row["enabled"]
        _audit_and_replan(conn, principal, "target.update", target_id, body.name, rid, now, replan)
    notify_committed(app.store.engine, principal.tenant_id)
    return TargetOut.of(_load(app, principal, target_id))


@router.delete("/targets/{target_id}", status_code=204)
def delete_target(target_id: uuid.UUID, principal: Principal = Depends(authorize), app: AppContext = Depends(ctx),
                  rid: str = Depends(request_id)) -> Response:
    row = _load(app, principal, target_id)
    now = datetime.now(UTC)
    with app.store.write() as conn:
        repo.delete_target(conn, principal.tenant_id, target_id)
        _audit_and_replan(conn, principal, "target.delete", target_id, row["name"], rid, now, replan=False)
    return Response(status_code=204)
