"""``405 Method Not Allowed`` that lists every method of the path in ``Allow`` (RFC 9110 §15.5.6).

Starlette answers 405 from the first route whose path matched, so a path served by several routes
(``GET /assets`` and ``POST /assets`` are two routes) advertised only that one route's methods. The
handler below asks every route of the application instead, once per 405, so no route needs code of
its own and the header always agrees with the OpenAPI document.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException
from starlette.routing import Match

from lily.api.problems import problem

# The order methods are listed in (RFC 9110's own order); anything else follows alphabetically.
_ORDER = {m: i for i, m in enumerate(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))}


def allowed_methods(app: FastAPI, request: Request) -> list[str]:
    """Every method some route of ``app`` serves at the request's path."""
    # `matches` answers FULL or PARTIAL (path matched, method not) for the routes of the path;
    # `iter_route_contexts` sees the routes of included routers as they are mounted (prefixed).
    scope = {**request.scope, "method": "GET"}
    methods: set[str] = set()
    for route in iter_route_contexts(app.router.routes):
        match, _ = route.matches(scope)
        if match is not Match.NONE:
            methods |= set(route.methods or ())
    return sorted(methods, key=lambda m: (_ORDER.get(m, len(_ORDER)), m))


def install(app: FastAPI) -> None:
    async def method_not_allowed(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        methods = allowed_methods(app, request)
        return problem(405, f"{request.method} is not allowed here; allowed: {', '.join(methods)}",
                       headers={**(exc.headers or {}), "Allow": ", ".join(methods)})

    # A status-code handler takes precedence over the class handler for HTTPException.
    app.add_exception_handler(405, method_not_allowed)
