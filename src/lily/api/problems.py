"""Errors as RFC 9457 problem details (``application/problem+json``)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from lily.api.schemas_query import NOT_BLANK, TEXT
from lily.observability import log
from lily.store import ApplyError, UnknownAsset

_TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
           409: "Conflict", 413: "Payload Too Large", 415: "Unsupported Media Type", 422: "Unprocessable Content",
           429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"request body exceeds {limit} bytes")


def problem(status: int, detail: str, *, headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": _TITLES.get(status, "Error"), "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, headers=headers, media_type="application/problem+json")


_PATTERN_MESSAGES = {TEXT: "String should not contain NUL characters",
                     NOT_BLANK: "String should not be blank or contain NUL characters"}


def _message(e: dict[str, Any]) -> str:
    if e.get("type") == "string_pattern_mismatch":
        pattern = str((e.get("ctx") or {}).get("pattern", ""))
        if pattern in _PATTERN_MESSAGES:
            return _PATTERN_MESSAGES[pattern]
        if len(pattern) > 80:  # a grammar (a NodeId's) says nothing in a message; the document has it
            return "String does not have the form /openapi.json declares for it"
    return str(e.get("msg", ""))


def _jsonable_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for e in errors:
        item = {"loc": list(e.get("loc", ())), "msg": _message(e), "type": str(e.get("type", ""))}
        out.append(item)
    return out


def invalid_request(exc: RequestValidationError) -> tuple[str, list[dict[str, Any]]]:
    """The 422's detail, naming the first invalid parameter or field (``query.since: …``), and every error."""
    errors = _jsonable_errors(list(exc.errors()))
    first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
    where = ".".join(str(p) for p in first["loc"])
    return (f"{where}: {first['msg']}" if where else first["msg"]), errors


def install(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem(exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        detail, errors = invalid_request(exc)
        return problem(422, detail, errors=errors)

    @app.exception_handler(BodyTooLarge)
    async def too_large(request: Request, exc: BodyTooLarge) -> JSONResponse:
        return problem(413, str(exc))

    @app.exception_handler(UnknownAsset)
    async def unknown_asset(request: Request, exc: UnknownAsset) -> JSONResponse:
        return problem(404, str(exc))

    @app.exception_handler(ApplyError)
    async def apply_error(request: Request, exc: ApplyError) -> JSONResponse:
        return problem(409, str(exc))

    @app.exception_handler(IntegrityError)
    async def conflict(request: Request, exc: IntegrityError) -> JSONResponse:
        return problem(409, "conflicts with an existing resource")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Starlette answers this outside the middleware that binds the request id to the log
        # context and adds the header, so both are done here: the id links answer and log line.
        rid = str(request.scope.get("state", {}).get("request_id", ""))
        log.exception("unhandled_error", path=request.url.path, request_id=rid)
        return problem(500, f"internal error; see the server logs for request {rid}",
                       headers={"X-Request-ID": rid} if rid else None)
