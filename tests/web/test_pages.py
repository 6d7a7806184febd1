"""Every page for every role: shown when the role holds the page's permission (the API's permission
table), refused with an HTML 403 otherwise; controls a role may not use are not on the page."""

from __future__ import annotations

import pytest

from lily.api.permissions import ROUTE_PERMISSIONS, V1
from lily.auth.rbac import ROLE_PERMISSIONS, Permission
from lily.model import Role
from tests.web.conftest import USERS, USERS_EMAIL, Web

# page -> the API route whose permission it needs (None: any signed-in user)
PAGES: dict[str, tuple[str, str] | None] = {
    "/": None,
    "/search?q=users": ("GET", "/assets"),
    "/search/results?q=email": ("GET", "/assets"),
    f"/assets/{USERS}": ("GET", "/assets/{asset_id}"),
    f"/assets/{USERS}/schema": ("GET", "/assets/{asset_id}"),
    "/incidents": ("GET", "/incidents"),
    "/governance": ("GET", "/security/rules"),
    "/governance/rules/new": ("POST", "/security/rules"),
    "/pipelines": ("GET", "/pipelines/{name}/runs"),
    "/pipelines/logs": ("GET", "/pipelines/{name}/runs"),
    "/events": ("GET", "/events"),
    "/admin": ("GET", "/tokens"),
}


def needed(route: tuple[str, str] | None) -> Permission | None:
    return None if route is None else ROUTE_PERMISSIONS[(route[0], f"{V1}{route[1]}")]


@pytest.mark.parametrize("role", list(Role))
def test_every_page_for_every_role(web: Web, role: Role) -> None:
    client = web.as_role(role)
    for page, route in PAGES.items():
        permission = needed(route)
        resp = client.get(page)
        assert resp.headers["content-type"].startswith("text/html"), page
        if permission is None or permission in ROLE_PERMISSIONS[role]:
            assert resp.status_code == 200, (role, page, resp.text[:500])
            assert "Traceback" not in resp.text
        else:
            assert resp.status_code == 403, (role, page, resp.status_code)
            assert permission.value in resp.text  # the message names what is missing
            assert "Not allowed" in resp.text


@pytest.mark.parametrize("role", list(Role))
def test_navigation_shows_only_what_the_role_may_open(web: Web, role: Role) -> None:
    html = web.as_role(role).get("/").text
    granted = ROLE_PERMISSIONS[role]
    assert ('href="/governance"' in html) == (Permission.GOVERNANCE_READ in granted)
    assert ('href="/admin"' in html) == (Permission.TOKENS_MANAGE in granted)
    assert ('href="/events"' in html) == (Permission.CHANGES_READ in granted)
    assert f">{role.value}-default <small>({role.value})" in html  # who is signed in
    assert '<span class="tenant" title="Tenant">default</span>' in html


@pytest.mark.parametrize("role", list(Role))
def test_asset_page_edit_controls_follow_the_role(web: Web, role: Role) -> None:
    html = web.as_role(role).get(f"/assets/{USERS}").text
    granted = ROLE_PERMISSIONS[role]
    assert ('id="tag-form"' in html) == (Permission.CLASSIFY in granted)
    assert ("Edit the description" in html) == (Permission.CATALOG_WRITE in granted)
    # the demo's direct tag on users.email: removable only by roles that classify
    assert ('aria-label="Remove tag PII.email"' in html) == (Permission.CLASSIFY in granted)
    assert "shop.public.users" in html and "email" in html


def test_asset_page_shows_schema_tags_by_source_and_neighbours(web: Web) -> None:
    html = web.as_role(Role.VIEWER).get(f"/assets/{USERS}").text
    assert 'data-tag="PII.email" data-source="direct"' in html
    assert 'data-tag="GDPR.personal"' in html
    assert "s3://delta-arc-lake/exports/users" in html  # downstream neighbour
    column = web.as_role(Role.VIEWER).get(f"/assets/{USERS_EMAIL}")
    assert column.status_code == 200 and "PII.email" in column.text


def test_search_finds_and_facets_narrow(web: Web) -> None:
    client = web.as_role(Role.DATA_ANALYST)
    html = client.get("/search/results", params={"q": "users"}).text
    assert "shop.public.users" in html or "users</strong>" in html
    assert 'name="type" value="table"' in html and 'name="system"' in html
    narrowed = client.get("/search/results", params={"q": "users", "system": "snowflake://deltaarc-prod"}).text
    assert "DIM_USERS" in narrowed and "s3://delta-arc-lake" not in narrowed.split("Facets")[0]
    tagged = client.get("/search/results", params={"q": "users", "tag": "GDPR.personal"}).text
    assert "1 result" in tagged
    assert "Nothing matches" in client.get("/search/results", params={"q": "zzqqnothing"}).text
