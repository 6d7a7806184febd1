"""Rendering: one Jinja2 environment for every page, with what ``base.html`` needs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from lily.auth.rbac import Permission, allows
from lily.model import Principal
from lily.web.nav import Nav
from lily.web.session import CSRF_FIELD, csrf_token

TEMPLATES = Path(__file__).parent / "templates"
templates = Jinja2Templates(directory=TEMPLATES)  # autoescape on for .html
NAV: list[Nav] = []  # filled by lily.web.app.install from the registered page families


def render(request: Request, name: str, context: dict[str, Any] | None = None, *, status: int = 200,
           headers: dict[str, str] | None = None) -> HTMLResponse:
    """``name`` rendered with the signed-in user (if any), their navigation entries, the CSRF
    token and ``can(permission)`` for showing only the controls the role may use."""
    user: Principal | None = getattr(request.state, "principal", None)

    def can(permission: Permission | str) -> bool:
        return user is not None and allows(user.role, Permission(permission))

    base = {
        "user": user, "can": can, "P": Permission, "csrf_field": CSRF_FIELD, "csrf_token": csrf_token(request),
        "nav": [n for n in NAV if can(n.permission)], "path": request.url.path,
        "htmx": request.headers.get("hx-request") == "true",
    }
    return templates.TemplateResponse(request, name, {**base, **(context or {})}, status_code=status,
                                      headers=headers)
