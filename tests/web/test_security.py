"""Sessions, CSRF, the security headers, CORS and tenant isolation of the web UI."""

from __future__ import annotations

from fastapi.testclient import TestClient

from lily.api.app import create_app
from lily.model import Role
from tests.web.conftest import OTHER_USERS, PASSWORD, USERS, USERS_EMAIL, Web, csrf_of


def test_pages_need_a_session_and_login_returns_to_the_page(web: Web) -> None:
    client = web.new_client()
    resp = client.get(f"/assets/{USERS}", follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == f"/login?next=%2Fassets%2F{USERS}"
    assert client.get("/search/results", headers={"HX-Request": "true"}).headers["HX-Redirect"].startswith("/login")
    web.as_role(Role.VIEWER)  # creates the user
    token = csrf_of(client.get("/login").text)
    resp = client.post("/login", data={"tenant": "default", "username": "viewer-default", "password": PASSWORD,
                                       "csrf_token": token, "next": f"/assets/{USERS}"}, follow_redirects=False)
    assert resp.headers["location"] == f"/assets/{USERS}"


def test_login_refuses_wrong_password_and_never_redirects_off_site(web: Web) -> None:
    web.as_role(Role.VIEWER)
    client = web.new_client()
    token = csrf_of(client.get("/login").text)
    wrong = client.post("/login", data={"tenant": "default", "username": "viewer-default", "password": "nope",
                                        "csrf_token": token})
    assert wrong.status_code == 401 and "Wrong tenant, username or password" in wrong.text
    assert "lily_session" not in client.cookies
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        token = csrf_of(client.get("/login").text)  # signing in starts a new CSRF secret
        resp = client.post("/login", data={"tenant": "default", "username": "viewer-default", "password": PASSWORD,
                                           "csrf_token": token, "next": target}, follow_redirects=False)
        assert resp.status_code == 303 and resp.headers["location"] == "/", target


def test_session_cookies_are_httponly_lax_and_secure_over_tls(web: Web) -> None:
    web.as_role(Role.VIEWER)
    for base, secure in (("http://testserver", False), ("https://testserver", True)):
        client = web.new_client(base)
        token = csrf_of(client.get("/login").text)
        resp = client.post("/login", data={"tenant": "default", "username": "viewer-default",
                                           "password": PASSWORD, "csrf_token": token}, follow_redirects=False)
        cookies = resp.headers.get_list("set-cookie")
        assert {c.split("=", 1)[0] for c in cookies} == {"lily_session", "lily_refresh", "lily_sid"}
        for cookie in cookies:
            assert "HttpOnly" in cookie and "SameSite=lax" in cookie, cookie
            assert ("Secure" in cookie) == secure, cookie


def test_a_post_without_the_csrf_token_is_refused(web: Web) -> None:
    client = web.as_role(Role.DATA_ENGINEER)
    form = {"target": str(USERS_EMAIL), "tag": "PII.test", "propagate": "true"}
    forged = client.post(f"/assets/{USERS}/tags", data=form)
    assert forged.status_code == 403 and "CSRF" in forged.text
    wrong = client.post(f"/assets/{USERS}/tags", data={**form, "csrf_token": "0" * 64})
    assert wrong.status_code == 403
    assert "PII.test" not in client.get(f"/assets/{USERS}/schema").text  # nothing was written
    token = csrf_of(client.get(f"/assets/{USERS}").text)
    ok = client.post(f"/assets/{USERS}/tags", data={**form, "csrf_token": token})
    assert ok.status_code == 200 and 'data-tag="PII.test" data-source="direct"' in ok.text
    # htmx sends the token as a header
    header = client.post(f"/assets/{USERS}/tags/remove", data={"target": str(USERS_EMAIL), "tag": "PII.test"},
                         headers={"X-CSRF-Token": token})
    assert header.status_code == 200 and 'data-tag="PII.test"' not in header.text


def test_the_server_refuses_what_the_page_hides(web: Web) -> None:
    viewer = web.as_role(Role.VIEWER)
    token = csrf_of(viewer.get(f"/assets/{USERS}").text)
    resp = viewer.post(f"/assets/{USERS}/tags", data={"target": str(USERS_EMAIL), "tag": "PII.x", "csrf_token": token})
    assert resp.status_code == 403 and "classification:write" in resp.text
    assert viewer.post("/governance/rules", data={"rule": "{}", "csrf_token": token}).status_code == 403
    assert viewer.post("/admin/keys", data={"name": "k", "role": "admin", "csrf_token": token}).status_code == 403


def test_logout_ends_the_sign_in_not_only_the_cookies(web: Web) -> None:
    client = web.as_role(Role.DATA_ANALYST)
    refresh = client.cookies.get("lily_refresh")
    token = csrf_of(client.get("/").text)
    assert client.post("/logout", data={"csrf_token": "bad"}).status_code == 403
    resp = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == "/login"
    assert client.get("/", follow_redirects=False).status_code == 303
    # the refresh token of that session no longer signs anyone in
    stolen = web.new_client()
    stolen.cookies.set("lily_refresh", refresh)
    assert stolen.get("/", follow_redirects=False).status_code == 303


def test_expired_access_token_is_renewed_from_the_refresh_cookie(web: Web) -> None:
    refresh = web.as_role(Role.VIEWER).cookies.get("lily_refresh")
    client = web.new_client()  # a browser whose access token expired: only the refresh cookie works
    client.cookies.set("lily_session", "expired.or.garbage")
    client.cookies.set("lily_refresh", refresh)
    resp = client.get("/")
    assert resp.status_code == 200 and "viewer-default" in resp.text
    assert any(c.startswith("lily_session=") for c in resp.headers.get_list("set-cookie"))


def test_every_page_carries_the_content_security_policy(web: Web) -> None:
    client = web.as_role(Role.ADMIN)
    for page in ("/login", "/", f"/assets/{USERS}", "/governance", "/does-not-matter-404-is-json"):
        resp = client.get(page)
        if resp.headers["content-type"].startswith("text/html"):
            policy = resp.headers["content-security-policy"]
            assert "default-src 'self'" in policy and "script-src 'self'" in policy
            assert "unsafe-inline" not in policy
            assert resp.headers["x-frame-options"] == "DENY"
    html = client.get("/").text
    assert "<script>" not in html and " style=" not in html and " onclick=" not in html
    assert client.get("/static/vendor/htmx-2.0.11.min.js").status_code == 200


def test_another_tenants_asset_is_not_found(web: Web) -> None:
    client = web.as_role(Role.ADMIN)
    for page in (f"/assets/{OTHER_USERS}", f"/assets/{OTHER_USERS}/schema",
                 f"/assets/{OTHER_USERS}/tags/preview?target={OTHER_USERS}&tag=PII.x"):
        resp = client.get(page)
        assert resp.status_code == 404, page
        assert "shop.public.users" not in resp.text
    token = csrf_of(client.get("/").text)
    resp = client.post(f"/assets/{OTHER_USERS}/tags", data={"target": str(OTHER_USERS), "tag": "PII.x",
                                                            "csrf_token": token})
    assert resp.status_code == 404
    # a column of the page's asset only: another asset's id in the form is refused too
    resp = client.post(f"/assets/{USERS}/tags", data={"target": str(OTHER_USERS), "tag": "PII.x",
                                                      "csrf_token": token})
    assert resp.status_code == 404
    assert client.get("/assets/not-a-uuid").status_code == 404
    # the other tenant's own user sees its asset
    assert web.as_role(Role.VIEWER, tenant="other").get(f"/assets/{OTHER_USERS}").status_code == 200


def test_cors_is_off_by_default_and_follows_the_allow_list(web: Web) -> None:
    origin = {"Origin": "https://app.example.com", "Access-Control-Request-Method": "GET"}
    assert "access-control-allow-origin" not in web.new_client().options("/api/v1/assets", headers=origin).headers
    settings = web.settings.model_copy(update={"cors_origins": "https://app.example.com, https://b.example"})
    client = TestClient(create_app(settings, web.store))
    resp = client.options("/api/v1/assets", headers=origin)
    assert resp.headers["access-control-allow-origin"] == "https://app.example.com"
    other = client.options("/api/v1/assets", headers={**origin, "Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
