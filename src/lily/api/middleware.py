"""ASGI middleware: correlation id, body-size limit and request metrics, without extra buffering.

The body-size limit holds whatever the transfer encoding: a declared ``Content-Length`` over it is
answered 413 at once; a body streamed without one (chunked) is counted as the application reads it,
and once past the limit the reader raises :class:`BodyTooLarge`. Handlers that read the body
themselves let that become a 413; FastAPI's own body parsing catches every exception of the reader
and answers 400 "There was an error parsing the body", so whatever the application answers after
the limit was passed is replaced by the 413 here.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lily import tracing
from lily.api.problems import BodyTooLarge, problem
from lily.observability import Metrics

_ID_OK = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:")


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            text = value.decode("latin-1")[:128]
            if text and set(text) <= _ID_OK:
                return text
    return uuid.uuid4().hex


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics, max_body_bytes: int) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _request_id(scope)
        scope.setdefault("state", {})["request_id"] = rid
        structlog.contextvars.bind_contextvars(request_id=rid)
        started = time.perf_counter()
        status_holder: dict[str, Any] = {"status": 500}
        limited = _LimitedBody(receive, self.max_body)

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            await send(message)

        async def send_checked(message: Message) -> None:
            if limited.exceeded:  # the application answered a body it could not read whole
                if message["type"] == "http.response.start":
                    await problem(413, limited.detail)(scope, receive, send_wrapper)
                return
            await send_wrapper(message)

        length = next((v for k, v in scope.get("headers", []) if k == b"content-length"), None)
        try:
            if length is not None and length.isdigit() and int(length) > self.max_body:
                response = problem(413, f"request body exceeds {self.max_body} bytes")
                await response(scope, receive, send_wrapper)
                return
            await self.app(scope, limited, send_checked)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", "unmatched")
            self.metrics.http_requests.labels(scope["method"], path, str(status_holder["status"])).inc()
            self.metrics.http_latency.labels(scope["method"], path).observe(time.perf_counter() - started)
            structlog.contextvars.unbind_contextvars("request_id")


class _LimitedBody:
    """``receive`` that counts the body's bytes and raises BodyTooLarge once past ``limit``
    (``exceeded`` stays set, so the answer can be made a 413 whoever caught the exception)."""

    __slots__ = ("exceeded", "limit", "receive", "seen")

    def __init__(self, receive: Receive, limit: int) -> None:
        self.receive = receive
        self.limit = limit
        self.seen = 0
        self.exceeded = False

    @property
    def detail(self) -> str:
        return str(BodyTooLarge(self.limit))

    async def __call__(self) -> Message:
        if self.exceeded:
            raise BodyTooLarge(self.limit)
        message = await self.receive()
        if message["type"] == "http.request":
            self.seen += len(message.get("body", b""))
            if self.seen > self.limit:
                self.exceeded = True
                raise BodyTooLarge(self.limit)
        return message


class TracedRequests:
    """A server span per request, continuing the caller's ``traceparent`` header; installed only when
    tracing is on (``lily.tracing``), so the accept routes pay nothing for it otherwise."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        parent = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"traceparent"), None)
        with tracing.span(f"{scope['method']} {scope['path']}", parent=parent,
                          **{"http.request.method": scope["method"], "url.path": scope["path"]}):
            await self.app(scope, receive, send)
