"""Admin: users, API keys (the key is shown once, when created; revocation), and the settings of
the inbound sources (Monte Carlo's webhook secret, the S3 and other sources' options)."""

from __future__ import annotations

import json
import uuid

from fastapi import APIRouter, Depends, Form, Request
from pydantic import ValidationError
from starlette.responses import Response

from lily.api.routes.auth import create_api_key, create_user, list_api_keys, list_users, revoke_api_key
from lily.api.routes.inbound import (
    MonteCarloConfigIn,
    SourceConfigIn,
    get_monte_carlo_config,
    get_source_config,
    put_monte_carlo_config,
    put_source_config,
)
from lily.api.schemas import ApiKeyIn, UserIn
from lily.auth.rbac import allows
from lily.inbound.sources import SOURCES
from lily.model import Principal, Role
from lily.web.calls import app_ctx, call, permission
from lily.web.errors import PageError
from lily.web.nav import Nav
from lily.web.session import csrf_checked, requires
from lily.web.templating import render

router = APIRouter(tags=["web"])
_USERS = permission("GET", "/users")
_KEYS = permission("GET", "/tokens")
_SOURCES = permission("GET", "/sources/monte-carlo/config")
NAV = Nav("Admin", "/admin", _KEYS, order=90)
_MONTE_CARLO = "monte_carlo"


def _rid(request: Request) -> str:
    return str(request.scope.get("state", {}).get("request_id", ""))


def _invalid(exc: ValidationError) -> PageError:
    return PageError(422, "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))


def page(request: Request, user: Principal, **extra: object) -> Response:
    ctx, rt = app_ctx(request), request.app.state.inbound
    data: dict[str, object] = {"roles": [r.value for r in Role], **extra}
    if allows(user.role, _USERS):
        data["users"] = call(list_users, user, ctx)
    data["keys"] = call(list_api_keys, user, ctx)
    data["monte_carlo"] = call(get_monte_carlo_config, user, rt)
    data["sources"] = [(SOURCES[n], call(get_source_config, n, user, rt)) for n in SOURCES if n != _MONTE_CARLO]
    return render(request, "admin.html", data)


@router.get("/admin")
def admin_page(request: Request, user: Principal = Depends(requires(_KEYS))) -> Response:
    return page(request, user)


@router.post("/admin/users", dependencies=[Depends(csrf_checked)])
def add_user(request: Request, username: str = Form(""), password: str = Form(""), role: str = Form("viewer"),
             user: Principal = Depends(requires(permission("POST", "/users")))) -> Response:
    try:
        body = UserIn(username=username.strip(), password=password, role=role)
    except ValidationError as exc:
        raise _invalid(exc) from None
    created = call(create_user, body, user, app_ctx(request), _rid(request))
    return page(request, user, message=f"User {created.username} created ({created.role.value}).")


@router.post("/admin/keys", dependencies=[Depends(csrf_checked)])
def add_key(request: Request, name: str = Form(""), role: str = Form("viewer"), expires_in_days: str = Form(""),
            user: Principal = Depends(requires(permission("POST", "/tokens")))) -> Response:
    try:
        body = ApiKeyIn(name=name.strip(), role=role, expires_in_days=int(expires_in_days) if expires_in_days else None)
    except (ValidationError, ValueError) as exc:
        raise (_invalid(exc) if isinstance(exc, ValidationError) else PageError(422, "expiry: whole days")) from None
    created = call(create_api_key, body, user, app_ctx(request), _rid(request))
    # The only time the key is shown: only its digest is stored.
    return page(request, user, created_key=created)


@router.post("/admin/keys/{key_id}/revoke", dependencies=[Depends(csrf_checked)])
def revoke_key(request: Request, key_id: str, user: Principal = Depends(requires(permission("DELETE", "/tokens/{token_id}")))) -> Response:
    try:
        kid = uuid.UUID(key_id)
    except ValueError:
        raise PageError(404, f"no API key {key_id!r}") from None
    call(revoke_api_key, kid, user, app_ctx(request), _rid(request))
    return page(request, user, message="API key revoked.")


@router.post("/admin/sources/monte-carlo", dependencies=[Depends(csrf_checked)])
def monte_carlo(request: Request, secret: str = Form(""), remove: bool = Form(False),
                user: Principal = Depends(requires(permission("PUT", "/sources/monte-carlo/config")))) -> Response:
    rt = request.app.state.inbound
    current = call(get_monte_carlo_config, user, rt)
    fields: dict[str, object] = {"mapping": current.mapping.model_dump(mode="json")}
    if remove:
        fields["secret"] = None
    elif secret:
        fields["secret"] = secret
    try:
        body = MonteCarloConfigIn.model_validate(fields)
    except ValidationError as exc:
        raise _invalid(exc) from None
    call(put_monte_carlo_config, body, user, rt, _rid(request))
    return page(request, user, message="Monte Carlo settings saved.")


@router.post("/admin/sources/{name}", dependencies=[Depends(csrf_checked)])
def source(request: Request, name: str, options: str = Form("{}"), secret: str = Form(""),
           user: Principal = Depends(requires(permission("PUT", "/sources/{name}/config")))) -> Response:
    if name not in SOURCES or name == _MONTE_CARLO:
        raise PageError(404, f"no source {name!r}")
    try:
        fields: dict[str, object] = {"options": json.loads(options or "{}")}
    except json.JSONDecodeError as exc:
        raise PageError(422, f"options: not valid JSON ({exc})") from None
    if secret:
        fields["secret"] = secret
    try:
        body = SourceConfigIn.model_validate(fields)
    except ValidationError as exc:
        raise _invalid(exc) from None
    call(put_source_config, body, name, user, request.app.state.inbound, _rid(request))
    return page(request, user, message=f"Settings of {name} saved.")
