"""The permission table is complete, and each role x each route is allowed exactly as it says."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute

from lily.api.permissions import ROUTE_PERMISSIONS
from lily.auth.rbac import ROLE_PERMISSIONS
from lily.model import Role
from tests.api.conftest import Env

PUBLIC = {("POST", "/api/v1/auth/token"), ("POST", "/api/v1/auth/refresh"), ("POST", "/api/v1/auth/revoke"),
          ("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/metrics")}


def app_routes(env: Env) -> set[tuple[str, str]]:
    found = set()
    for route in env.client.app.router.routes:
        stack = [route]
        while stack:
            r = stack.pop()
            if isinstance(r, APIRoute):
                found |= {(m, r.path) for m in r.methods if m != "HEAD"}
            for attr in ("original_router",):
                inner = getattr(r, attr, None)
                if inner is not None:
                    stack.extend(inner.routes)
    return {r for r in found if r[1].startswith("/api/") or r[1] in {"/healthz", "/readyz", "/metrics"}}


def test_every_route_is_public_or_in_the_permission_table(sqlite_env: Env) -> None:
    routes = app_routes(sqlite_env)
    assert routes, "route discovery found nothing"
    assert routes - PUBLIC == set(ROUTE_PERMISSIONS), "permission table and routes differ"


# Path parameters that are not ids: a tag, and a registered source (the id stand-in is too long
# for a source name, refused with 422 before the credentials are looked at).
NAMED = {"{tag}": "PII.email", "{name}": "generic"}


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", lambda m: NAMED.get(m.group(0), "00000000-0000-0000-0000-000000000000"), path)


@pytest.mark.parametrize("role", list(Role))
def test_role_matrix(sqlite_env: Env, role: Role) -> None:
    headers = sqlite_env.key(role)
    for (method, path), permission in ROUTE_PERMISSIONS.items():
        resp = sqlite_env.client.request(method, _concrete(path), headers=headers, json={})
        allowed = permission in ROLE_PERMISSIONS[role]
        if allowed:
            assert resp.status_code != 403, (role, method, path, resp.text)
        else:
            assert resp.status_code == 403, (role, method, path, resp.status_code)
            assert resp.headers["content-type"].startswith("application/problem+json")
            assert permission.value in resp.json()["detail"]


def test_unauthenticated_calls_are_refused(sqlite_env: Env) -> None:
    for method, path in ROUTE_PERMISSIONS:
        resp = sqlite_env.client.request(method, _concrete(path))
        assert resp.status_code == 401, (method, path)
        assert resp.headers["www-authenticate"].startswith("Bearer")
