"""Pages read and write through the API's own handler functions and permission table, so a page
and its API route cannot disagree on tenant scoping, validation or who may do what."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import HTTPException, Request

from lily.api.context import AppContext
from lily.api.permissions import ROUTE_PERMISSIONS, V1
from lily.auth.rbac import Permission
from lily.store import ApplyError, UnknownAsset
from lily.web.errors import PageError

T = TypeVar("T")


def permission(method: str, api_path: str) -> Permission:
    """The permission the API route ``method api_path`` (without /api/v1) requires."""
    return ROUTE_PERMISSIONS[(method, f"{V1}{api_path}")]


def app_ctx(request: Request) -> AppContext:
    return request.app.state.ctx


def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn`` (an API handler or store function), its refusals as page errors with the API's message."""
    try:
        return fn(*args, **kwargs)
    except HTTPException as exc:
        raise PageError(exc.status_code, str(exc.detail)) from exc
    except UnknownAsset as exc:
        raise PageError(404, str(exc)) from exc
    except ApplyError as exc:
        raise PageError(422, str(exc)) from exc
