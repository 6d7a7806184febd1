"""Browser sessions: the same accounts, roles and tokens as the API, carried in cookies.

Three cookies, all HttpOnly, SameSite=Lax, and Secure when the request came over TLS:

- ``lily_session``: the access token (the API's JWT), checked in memory on every page;
- ``lily_refresh``: the refresh token, rotated through :meth:`AuthService.refresh` once the access
  token expires (so revoking a sign-in, or disabling its user, ends the browser session too);
- ``lily_sid``: a random value set with the login page. The CSRF token of every form is its HMAC
  under the server's JWT key, so a page of another site can neither read nor compute it.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import threading
import time
from typing import Any

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from lily.auth.rbac import Permission, allows
from lily.auth.service import AuthError, TokenPair
from lily.model import Principal
from lily.web.errors import LoginRequired, PageError

ACCESS = "lily_session"
REFRESH = "lily_refresh"
SID = "lily_sid"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
# Pending Set-Cookie headers of this request, added to whatever response it gets (lily.web.app).
COOKIES_STATE = "web_cookies"


def _ctx(request: Request) -> Any:
    return request.app.state.ctx


# ------------------------------------------------------------------------------ cookies

def over_tls(request: Request) -> bool:
    """Whether the browser reached Lily over HTTPS: directly, or through one of the trusted proxies
    (LILY_TRUSTED_PROXIES) that says so in X-Forwarded-Proto."""
    if request.url.scheme == "https":
        return True
    if request.headers.get("x-forwarded-proto", "").lower() != "https" or request.client is None:
        return False
    proxies = _ctx(request).settings.trusted_proxies
    try:
        peer = ipaddress.ip_address(request.client.host)
        return any(peer in ipaddress.ip_network(n.strip(), strict=False) for n in proxies.split(",") if n.strip())
    except ValueError:
        return False


def set_cookie(request: Request, name: str, value: str, max_age: int) -> None:
    """Queue a cookie for the response (whichever response the request ends with)."""
    carrier = Response()
    carrier.set_cookie(name, value, max_age=max_age, path="/", httponly=True, samesite="lax",
                       secure=over_tls(request))
    pending = request.scope.setdefault("state", {}).setdefault(COOKIES_STATE, [])
    pending.extend(v for k, v in carrier.raw_headers if k == b"set-cookie")


def clear_cookie(request: Request, name: str) -> None:
    set_cookie(request, name, "", max_age=0)


def start_session(request: Request, pair: TokenPair) -> None:
    settings = _ctx(request).settings
    set_cookie(request, ACCESS, pair.access_token, pair.expires_in)
    set_cookie(request, REFRESH, pair.refresh_token, settings.refresh_token_days * 86400)
    # A new CSRF secret at sign-in: a value planted before it (session fixation) is worth nothing.
    new_sid(request)


def end_session(request: Request) -> None:
    for name in (ACCESS, REFRESH, SID):
        clear_cookie(request, name)


# --------------------------------------------------------------------------------- CSRF

def new_sid(request: Request) -> str:
    sid = secrets.token_urlsafe(32)
    request.state.sid = sid
    set_cookie(request, SID, sid, _ctx(request).settings.refresh_token_days * 86400)
    return sid


def csrf_token(request: Request) -> str:
    """The token forms and htmx requests send back; creates the session's secret on first use."""
    sid = getattr(request.state, "sid", None) or request.cookies.get(SID) or new_sid(request)
    key = _ctx(request).settings.jwt_key().encode()
    return hmac.new(key, b"lily-csrf:" + sid.encode(), hashlib.sha256).hexdigest()


async def csrf_checked(request: Request) -> None:
    """Refuses (403) a state-changing request without this session's CSRF token, in the
    ``X-CSRF-Token`` header (htmx) or the ``csrf_token`` form field."""
    if request.method in _SAFE:
        return
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        sent = str((await request.form()).get(CSRF_FIELD, ""))
    sid = request.cookies.get(SID)
    if not sid or not sent:
        raise PageError(403, "This form has no valid security token (CSRF). Reload the page and try again.")
    key = _ctx(request).settings.jwt_key().encode()
    expected = hmac.new(key, b"lily-csrf:" + sid.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(sent, expected):
        raise PageError(403, "This form has no valid security token (CSRF). Reload the page and try again.")


# ------------------------------------------------------------------------------- users

class _Renewals:
    """Refresh tokens rotated in the last seconds, by the spent token. A page fires several requests
    at once (htmx fragments, the live stream); when the access token has expired they all present
    the same refresh token, and a second rotation would look like token theft and end the session."""

    def __init__(self, keep_s: float = 30.0) -> None:
        self.keep_s = keep_s
        self._pairs: dict[str, tuple[TokenPair, float]] = {}
        self._lock = threading.Lock()

    def rotate(self, auth: Any, refresh_token: str) -> TokenPair:
        with self._lock:
            now = time.monotonic()
            self._pairs = {k: v for k, v in self._pairs.items() if now - v[1] < self.keep_s}
            hit = self._pairs.get(refresh_token)
            if hit is not None:
                return hit[0]
            pair = auth.refresh(refresh_token)
            self._pairs[refresh_token] = (pair, now)
            return pair


_renewals = _Renewals()


async def current_user(request: Request) -> Principal:
    """The signed-in user (a dependency of every page), or :class:`LoginRequired`. Counted against
    the user's rate limit like an API request."""
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    ctx = _ctx(request)
    principal = None
    token = request.cookies.get(ACCESS)
    if token:
        try:
            principal = ctx.auth.principal_from_jwt(token)
        except AuthError:
            principal = None
    if principal is None:
        refresh = request.cookies.get(REFRESH)
        if not refresh:
            raise LoginRequired
        try:
            pair = await run_in_threadpool(_renewals.rotate, ctx.auth, refresh)
            principal = ctx.auth.principal_from_jwt(pair.access_token)
        except AuthError as exc:
            end_session(request)
            raise LoginRequired from exc
        set_cookie(request, ACCESS, pair.access_token, pair.expires_in)
        set_cookie(request, REFRESH, pair.refresh_token, ctx.settings.refresh_token_days * 86400)
    wait = ctx.limiter.acquire(f"{principal.kind.value}:{principal.id}")
    if wait > 0:
        raise PageError(429, f"Too many requests; try again in {max(1, round(wait))} s.")
    request.state.principal = principal
    return principal


def requires(permission: Permission) -> Any:
    """A dependency: the signed-in user, if their role holds ``permission`` (else 403)."""

    async def dependency(principal: Principal = Depends(current_user)) -> Principal:
        if not allows(principal.role, permission):
            raise PageError(403, f"Your role ({principal.role.value}) may not do this "
                                 f"(it needs {permission.value}).")
        return principal

    return dependency
