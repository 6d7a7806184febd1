"""Request dependencies: the app context, the authenticated principal, and authorisation."""

from __future__ import annotations

import functools
import ipaddress
import math

from fastapi import HTTPException, Request
from starlette.concurrency import run_in_threadpool
from starlette.types import Scope

from lily.api.context import AppContext
from lily.api.permissions import ROUTE_PERMISSIONS
from lily.api.ratelimit import retry_after
from lily.auth.rbac import allows
from lily.auth.secrets import KEY_PREFIX
from lily.auth.service import AuthError
from lily.model import Principal

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="lily"'}
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


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


# ------------------------------------------------------------------------- source addresses

@functools.lru_cache(maxsize=8)
def _networks(trusted: str) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(n.strip(), strict=False) for n in trusted.split(",") if n.strip())


def _ip(text: str) -> IPAddress | None:
    try:
        ip = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    return (ip.ipv4_mapped or ip) if isinstance(ip, ipaddress.IPv6Address) else ip


def _trusted(ip: IPAddress | None, networks: tuple[IPNetwork, ...]) -> bool:
    return ip is not None and any(ip.version == n.version and ip in n for n in networks)


def client_address(scope: Scope, trusted_proxies: str = "") -> str:
    """The address a request is counted against. The TCP peer, unless the peer is one of the
    trusted proxies: then ``X-Forwarded-For`` is read from the right (the nearest hop), skipping
    trusted proxies, and the first other address is the client. Without trusted proxies the
    header is ignored (anyone can send it). IPv6 clients are counted per /64, the block one host
    usually gets, so a host cannot rotate through its own addresses."""
    networks = _networks(trusted_proxies)
    client = scope.get("client")
    peer = _ip(str(client[0])) if client else None
    if peer is None:
        return str(client[0]) if client else "unknown"  # not an IP address (a test client)
    if networks and _trusted(peer, networks):
        forwarded = b",".join(v for k, v in scope.get("headers", []) if k == b"x-forwarded-for")
        for hop in reversed(forwarded.decode("latin-1").split(",")):
            ip = _ip(hop)
            if ip is None:
                break  # garbage: believe no further than the last proxy that spoke
            peer = ip
            if not _trusted(ip, networks):
                break
    if isinstance(peer, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((int(peer) >> 64 << 64, 64)))
    return str(peer)


def source_address(request: Request, app: AppContext) -> str:
    return client_address(request.scope, app.settings.trusted_proxies)


def charge_failure(request: Request, app: AppContext) -> float:
    """Take one refusal from the source address's failure budget; the seconds until the budget
    has room again when it had none (0: it had)."""
    assert app.auth_failures is not None
    return app.auth_failures.acquire(source_address(request, app))


def too_many_failures(app: AppContext, wait: float) -> HTTPException:
    app.metrics.rate_limited.inc()
    after = retry_after(wait)
    return HTTPException(429, f"too many failed authentications from this address; retry after {after} s "
                              f"(requests with valid credentials are not limited by this)",
                         headers={"Retry-After": after})


def refused(request: Request, app: AppContext, exc: HTTPException) -> HTTPException:
    """``exc`` (a refusal of the request's credentials), or 429 once its source address has used
    up its budget of such refusals. Only failures draw on the budget, and it is checked after the
    credentials were: valid credentials from the same address are never refused because of it."""
    wait = charge_failure(request, app)
    return exc if wait <= 0 else too_many_failures(app, wait)


# ---------------------------------------------------------------------------- principals

def _principal(request: Request, app: AppContext) -> Principal:
    token = _token(request)
    try:
        if token.startswith(f"{KEY_PREFIX}_"):
            return app.auth.principal_from_api_key(token)
        return app.auth.principal_from_jwt(token)
    except AuthError as exc:
        raise HTTPException(401, f"invalid credentials: {exc}", headers=_CHALLENGE) from exc


def principal_of(request: Request, app: AppContext) -> Principal:
    """A user (JWT access token) or service (API key), from ``Authorization: Bearer`` or ``X-API-Key``.
    A refusal (401) counts against the source address's failure budget (429 past it)."""
    try:
        return _principal(request, app)
    except HTTPException as exc:
        raise refused(request, app, exc) from exc.__cause__


async def authenticate(request: Request, app: AppContext) -> Principal:
    try:
        token = _token(request)
    except HTTPException as exc:  # no credentials at all: a refusal like any other
        raise refused(request, app, exc) from None
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
