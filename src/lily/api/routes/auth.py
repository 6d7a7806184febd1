"""Sign-in (JWT access + rotating refresh tokens), API keys and users."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from sqlalchemy.exc import IntegrityError

from lily.api.context import AppContext
from lily.api.deps import authorize, ctx, request_id
from lily.api.permissions import V1
from lily.api.schemas import (
    ApiKeyCreated,
    ApiKeyIn,
    ApiKeyOut,
    PrincipalOut,
    RefreshRequest,
    TokenOut,
    TokenRequest,
    UserIn,
    UserOut,
)
from lily.auth.service import AuthError
from lily.model import Principal
from lily.store import accounts

public = APIRouter(prefix=V1, tags=["auth"])
router = APIRouter(prefix=V1, tags=["auth"])
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="lily"'}


def _limit(app: AppContext, key: str) -> None:
    assert app.limiter is not None
    wait = app.limiter.acquire(key)
    if wait > 0:
        raise HTTPException(429, "too many attempts", headers={"Retry-After": str(max(1, int(wait) + 1))})


@public.post("/auth/token", response_model=TokenOut)
def issue_token(body: TokenRequest, request: Request, app: AppContext = Depends(ctx)) -> TokenOut:
    """Exchange tenant + username + password for an access token (JWT) and a refresh token."""
    _limit(app, f"login:{body.tenant}:{body.username}")
    try:
        pair = app.auth.login(body.tenant, body.username, body.password)
    except AuthError as exc:
        raise HTTPException(401, "invalid credentials", headers=_CHALLENGE) from exc
    return TokenOut(**pair.__dict__)


@public.post("/auth/refresh", response_model=TokenOut)
def refresh_token(body: RefreshRequest, app: AppContext = Depends(ctx)) -> TokenOut:
    """Rotate a refresh token. Each one works once; replaying a spent one revokes the session."""
    try:
        pair = app.auth.refresh(body.refresh_token)
    except AuthError as exc:
        raise HTTPException(401, str(exc), headers=_CHALLENGE) from exc
    return TokenOut(**pair.__dict__)


@public.post("/auth/revoke", status_code=204)
def revoke_token(body: RefreshRequest, app: AppContext = Depends(ctx)) -> Response:
    """Sign out: revoke the refresh token and every token rotated from the same sign-in."""
    app.auth.revoke(body.refresh_token)
    return Response(status_code=204)


@router.get("/auth/me", response_model=PrincipalOut)
def whoami(principal: Principal = Depends(authorize)) -> PrincipalOut:
    return PrincipalOut(id=principal.id, tenant_id=principal.tenant_id, kind=principal.kind.value,
                        name=principal.name, role=principal.role)


@router.post("/tokens", response_model=ApiKeyCreated, status_code=201)
def create_api_key(body: ApiKeyIn, principal: Principal = Depends(authorize), app: AppContext = Depends(ctx),
                   rid: str = Depends(request_id)) -> ApiKeyCreated:
    key, row = app.auth.create_api_key(principal.tenant_id, body.name, body.role, principal.actor,
                                       body.expires_in_days, rid)
    return ApiKeyCreated(key=key, **row)


@router.get("/tokens", response_model=list[ApiKeyOut])
def list_api_keys(principal: Principal = Depends(authorize), app: AppContext = Depends(ctx)) -> list[ApiKeyOut]:
    with app.store.read() as conn:
        return [ApiKeyOut(**r) for r in accounts.list_api_keys(conn, principal.tenant_id)]


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_api_key(token_id: uuid.UUID, principal: Principal = Depends(authorize), app: AppContext = Depends(ctx),
                   rid: str = Depends(request_id)) -> Response:
    if not app.auth.revoke_api_key(principal.tenant_id, token_id, principal.actor, rid):
        raise HTTPException(404, f"active API key {token_id} not found")
    return Response(status_code=204)


@router.post("/users", response_model=UserOut, status_code=201)
def create_user(body: UserIn, principal: Principal = Depends(authorize), app: AppContext = Depends(ctx),
                rid: str = Depends(request_id)) -> UserOut:
    try:
        uid = app.auth.create_user(principal.tenant_id, body.username, body.password, body.role, principal.actor, rid)
    except IntegrityError as exc:
        raise HTTPException(409, f"user {body.username!r} already exists") from exc
    with app.store.read() as conn:
        row = accounts.get_user_by_id(conn, uid)
    assert row is not None
    return UserOut(**row)


@router.get("/users", response_model=list[UserOut])
def list_users(principal: Principal = Depends(authorize), app: AppContext = Depends(ctx)) -> list[UserOut]:
    with app.store.read() as conn:
        return [UserOut(**r) for r in accounts.list_users(conn, principal.tenant_id)]
