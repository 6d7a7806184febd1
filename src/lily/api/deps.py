"""Request dependencies: the app context, the authenticated principal, and authorisation."""

from __future__ import annotations

import math

from fastapi import HTTPException, Request
from starlette.concurrency import run_in_threadpool

from lily.api.context import AppContext
from lily.api.permissions import ROUTE_PERMISSIONS
from lily.auth.rbac import allows
from lily.auth.secrets import KEY_PREFIX
from lily.auth.service import AuthError
from lily.model import Principal

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="lily"'}


# The dependencies are ``async def``: FastAPI runs plain ``def`` dependencies on the thread pool,
# and every route would pay one thread hop per dependency. They only block (a database read) for an
# API key not verified in the last seconds, and then hand that read to the pool themselves.

async def ctx(request: Request) -> AppContext:
    return request.app.state.ctx


async def request_id(request: Request) -> str:
    return str(request.scope.get("state", {}).get("request_id", ""))


def _token(request: Request) -> str:
    token = request.headers.get("x-api-key", "")
    if not token:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise HTTPException(401, "missing bearer token or API key", headers=_CHALLENGE)
        token = value.strip()
    return token


def principal_of(request: Request, app: AppContext) -> Principal:
    """A user (JWT access token) or service (API key), from ``Authorization: Bearer`` or ``X-API-Key``."""
    token = _token(request)
    try:
        if token.startswith(f"{KEY_PREFIX}_"):
            return app.auth.principal_from_api_key(token)
        return app.auth.principal_from_jwt(token)
    except AuthError as exc:
        raise HTTPException(401, f"invalid credentials: {exc}", headers=_CHALLENGE) from exc


async def authenticate(request: Request, app: AppContext) -> Principal:
    token = _token(request)
    if token.startswith(f"{KEY_PREFIX}_"):
        cached = app.auth.cached_api_key(token)
        return cached if cached is not None else await run_in_threadpool(principal_of, request, app)
    return principal_of(request, app)  # a JWT is verified in memory


def check_access(request: Request, principal: Principal, app: AppContext) -> Principal:
    """The route's permission for the principal's role, then the principal's rate limit."""
    route = request.scope.get("route")
    permission = ROUTE_PERMISSIONS.get((request.method, getattr(route, "path", "")))
    if permission is None:
        raise HTTPException(403, "route has no permission entry")
    if not allows(principal.role, permission):
        raise HTTPException(403, f"role {principal.role.value!r} lacks permission {permission.value!r}")
    assert app.limiter is not None
    wait = app.limiter.acquire(f"{principal.kind.value}:{principal.id}")
    if wait > 0:
        app.metrics.rate_limited.inc()
        raise HTTPException(429, "rate limit exceeded", headers={"Retry-After": str(max(1, math.ceil(wait)))})
    return principal


async def authorize(request: Request) -> Principal:
    """Authentication, the route's permission and the rate limit. A dependency of every protected
    route, and called directly by the event-ingestion routes: FastAPI's solving of nested
    dependencies cost more per request than accepting a single OpenLineage event."""
    app: AppContext = request.app.state.ctx
    return check_access(request, await authenticate(request, app), app)
