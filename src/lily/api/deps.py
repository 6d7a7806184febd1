"""Request dependencies: the app context, the authenticated principal, and authorisation."""

from __future__ import annotations

import math

from fastapi import Depends, HTTPException, Request

from lily.api.context import AppContext
from lily.api.permissions import ROUTE_PERMISSIONS
from lily.auth.rbac import allows
from lily.auth.secrets import KEY_PREFIX
from lily.auth.service import AuthError
from lily.model import Principal

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="lily"'}


def ctx(request: Request) -> AppContext:
    return request.app.state.ctx


def request_id(request: Request) -> str:
    return str(request.scope.get("state", {}).get("request_id", ""))


def authenticate(request: Request, app: AppContext = Depends(ctx)) -> Principal:
    """A user (JWT access token) or service (API key), from ``Authorization: Bearer`` or ``X-API-Key``."""
    header = request.headers.get("authorization", "")
    token = request.headers.get("x-api-key", "")
    if not token:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise HTTPException(401, "missing bearer token or API key", headers=_CHALLENGE)
        token = value.strip()
    try:
        if token.startswith(f"{KEY_PREFIX}_"):
            return app.auth.principal_from_api_key(token)
        return app.auth.principal_from_jwt(token)
    except AuthError as exc:
        raise HTTPException(401, f"invalid credentials: {exc}", headers=_CHALLENGE) from exc


def authorize(request: Request, principal: Principal = Depends(authenticate),
              app: AppContext = Depends(ctx)) -> Principal:
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
