"""Sign-in (JWT access + rotating refresh tokens), API keys and users."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from lily.api.context import AppContext
from lily.api.deps import (
    authorize,
    charge_failure,
    ctx,
    refused,
    request_id,
    source_address,
    too_many_failures,
)
from lily.api.permissions import V1
from lily.api.ratelimit import retry_after
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
from lily.auth.service import AuthError, LoginThrottled
from lily.model import Principal
from lily.store import accounts

public = APIRouter(prefix=V1, tags=["auth"])
router = APIRouter(prefix=V1, tags=["auth"])
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="lily"'}


@public.post("/auth/token", response_model=TokenOut,
             responses={401: {"description": "Wrong tenant, username or password (not told apart)"},
                        429: {"description": "Too many failed sign-ins for the user or from the address; "
                                             "see Retry-After"},
                        503: {"description": "Too many sign-ins in progress; see Retry-After"}})
async def issue_token(body: TokenRequest, request: Request, app: AppContext = Depends(ctx),
                      rid: str = Depends(request_id)) -> TokenOut:
    """Exchange tenant + username + password for an access token (JWT) and a refresh token.

    Failed sign-ins are throttled per user and per source address with exponential backoff
    (docs/security.md): while either is locked out the answer is 429 with ``Retry-After``, even for
    the right password, and the password is not checked."""
    try:  # on the event loop: a throttled attempt costs no thread hop and no password hash
        attempt = app.auth.start_login(body.tenant, body.username, source_address(request, app))
    except LoginThrottled as exc:
        app.metrics.rate_limited.inc()
        raise HTTPException(503 if exc.scope == "server" else 429, str(exc),
                            headers={"Retry-After": retry_after(exc.retry_after)}) from exc
    try:
        pair = await run_in_threadpool(app.auth.login, attempt, body.password, rid or None)
    except AuthError as exc:
        raise HTTPException(401, "invalid credentials", headers=_CHALLENGE) from exc
    return TokenOut(**pair.__dict__)


@public.post("/auth/refresh", response_model=TokenOut)
def refresh_token(body: RefreshRequest, request: Request, app: AppContext = Depends(ctx)) -> TokenOut:
    """Rotate a refresh token. Each one works once; replaying a spent one revokes the session."""
    try:
        pair = app.auth.refresh(body.refresh_token)
    except AuthError as exc:  # counts against the address's failure budget like a bad key
        raise refused(request, app, HTTPException(401, str(exc), headers=_CHALLENGE)) from exc
    return TokenOut(**pair.__dict__)


@public.post("/auth/revoke", status_code=204)
def revoke_token(body: RefreshRequest, request: Request, app: AppContext = Depends(ctx)) -> Response:
    """Sign out: revoke the refresh token and every token rotated from the same sign-in. An unknown
    token is answered 204 too, but counts against the address's failure budget (429 past it)."""
    if not app.auth.revoke(body.refresh_token):
        wait = charge_failure(request, app)
        if wait > 0:
            raise too_many_failures(app, wait)
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
