"""Sign-in and sign-out pages: the API's accounts and throttling, a session in cookies."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from lily.api.deps import source_address
from lily.auth.service import AuthError, LoginThrottled
from lily.web import session
from lily.web.templating import render

router = APIRouter(tags=["web"])


def _safe_next(target: str) -> str:
    """Only a path of this site: an absolute or scheme-relative URL would make the login page an
    open redirect."""
    parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or parts.scheme or parts.netloc or "\\" in target:
        return "/"
    return target


@router.get("/login")
async def login_page(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", {"next": _safe_next(next), "tenant": "default"})


@router.post("/login", dependencies=[Depends(session.csrf_checked)])
async def login(request: Request, tenant: str = Form("default"), username: str = Form(""),
                password: str = Form(""), next: str = Form("/")) -> Response:
    ctx = request.app.state.ctx
    again = {"next": _safe_next(next), "tenant": tenant, "username": username}
    try:
        attempt = ctx.auth.start_login(tenant.strip(), username.strip(), source_address(request, ctx))
    except LoginThrottled as exc:
        return render(request, "login.html", {**again, "error": f"Too many failed sign-ins; try again in "
                                                                 f"{max(1, round(exc.retry_after))} s."},
                      status=429 if exc.scope != "server" else 503)
    try:
        pair = await run_in_threadpool(ctx.auth.login, attempt, password)
    except AuthError:
        return render(request, "login.html", {**again, "error": "Wrong tenant, username or password."},
                      status=401)
    session.start_session(request, pair)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout", dependencies=[Depends(session.csrf_checked)])
async def logout(request: Request) -> Response:
    refresh = request.cookies.get(session.REFRESH)
    if refresh:  # the whole sign-in ends, not only this browser's cookies
        await run_in_threadpool(request.app.state.ctx.auth.revoke, refresh)
    session.end_session(request)
    return RedirectResponse("/login", status_code=303)
