"""Mounts the web UI on the API application: ``install(app)`` is its one registration line."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lily.web import templating
from lily.web.errors import LoginRequired, PageError
from lily.web.routes import PAGES
from lily.web.session import COOKIES_STATE

STATIC = Path(__file__).parent / "static"
# Everything is served by Lily itself: no script, style, font or connection elsewhere, no inline
# script or style (htmx is configured not to inject its indicator style), no framing.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "connect-src 'self'; font-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; "
       "form-action 'self'; frame-ancestors 'none'")
_HEADERS = [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"), (b"x-frame-options", b"DENY")]
# The API's interactive docs load Swagger UI from a CDN: they keep their own (no) policy.
_NO_POLICY = ("/docs", "/redoc")


class WebHeaders:
    """Adds the cookies a page queued (lily.web.session.set_cookie) to whatever response the request
    gets, redirects and error pages included, and the security headers to every HTML response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(b"set-cookie", c) for c in scope.get("state", {}).get(COOKIES_STATE, [])]
                content_type = next((v for k, v in headers if k == b"content-type"), b"")
                if content_type.startswith(b"text/html") and not scope["path"].startswith(_NO_POLICY):
                    headers += _HEADERS
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _login_required(request: Request, exc: Exception) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    location = f"/login?next={quote(target, safe='')}"
    if request.headers.get("hx-request") == "true":  # htmx swaps fragments: make it navigate instead
        return Response(status_code=204, headers={"HX-Redirect": location})
    if "text/event-stream" in request.headers.get("accept", ""):
        return Response("sign in again", status_code=401)
    return RedirectResponse(location, status_code=303)


def _page_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageError)
    if request.headers.get("hx-request") == "true":  # shown in the page's message area by lily.js
        return templating.render(request, "_message.html", {"message": exc.message, "level": "error"},
                                 status=exc.status)
    return templating.render(request, "error.html", {"status": exc.status, "message": exc.message},
                             status=exc.status)


def install(app: FastAPI) -> None:
    settings = app.state.ctx.settings
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for page in PAGES:
        app.include_router(page.router, include_in_schema=False)
    entries = (getattr(page, "NAV", None) for page in PAGES)
    templating.NAV[:] = sorted((n for n in entries if n is not None), key=lambda n: n.order)
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(PageError, _page_error)
    app.add_middleware(WebHeaders)
    origins = [o.strip() for o in settings.cors_origins.split(",") if o.strip()]
    if origins:  # other browser apps calling the API with a bearer token or API key (no cookies)
        app.add_middleware(CORSMiddleware, allow_origins=origins, allow_credentials=False,
                           allow_methods=["*"], allow_headers=["authorization", "content-type", "x-api-key",
                                                               "x-request-id"], expose_headers=["x-request-id"])
