"""Web UI fixtures: the app on a demo catalog, one signed-in browser session (cookies) per role."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from lily.api.app import create_app
from lily.auth.service import AuthService
from lily.bootstrap import ensure_admin, ensure_tenant
from lily.demo import demo_changeset, pg
from lily.model import Role, asset_id
from lily.settings import Settings
from lily.store import Store

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
LIMITS = {"rate_limit_per_minute": 100000, "rate_limit_burst": 100000, "auth_failures_per_minute": 100000,
          "auth_failure_burst": 100000}


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "page has no CSRF token"
    return found.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD, tenant: str = "default") -> None:
    token = csrf_of(client.get("/login").text)
    resp = client.post("/login", data={"tenant": tenant, "username": username, "password": password,
                                       "csrf_token": token}, follow_redirects=False)
    assert resp.status_code == 303, resp.text


@dataclass
class Web:
    app: object
    store: Store
    settings: Settings
    admin_key: str
    clients: dict[str, TestClient] = field(default_factory=dict)

    def new_client(self, base_url: str = "http://testserver") -> TestClient:
        return TestClient(self.app, base_url=base_url)  # type: ignore[arg-type]

    def as_role(self, role: Role, tenant: str = "default") -> TestClient:
        """A browser signed in as a user of ``role`` (made once per role and tenant)."""
        name = f"{role.value}-{tenant}"
        if name not in self.clients:
            AuthService(self.store, self.settings).create_user(tenant, name, PASSWORD, role, "test")
            client = self.new_client()
            login(client, name, tenant=tenant)
            self.clients[name] = client
        return self.clients[name]

    @property
    def api(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin_key}"}


def make_web(database_url: str, data_dir: Path, **overrides: object) -> Web:
    settings = Settings(data_dir=data_dir, database_url=database_url, **{**LIMITS, **overrides})
    store = Store.from_url(database_url)
    admin = ensure_admin(store, settings)
    assert admin is not None
    ensure_tenant(store, "other")
    store.apply(demo_changeset("default"))
    store.apply(demo_changeset("other"))
    return Web(create_app(settings, store), store, settings, admin.api_key)


@pytest.fixture
def web(sqlite_url: str, tmp_path: Path) -> Iterator[Web]:
    w = make_web(sqlite_url, tmp_path)
    yield w
    for c in w.clients.values():
        c.close()
    w.store.dispose()


USERS = asset_id("default", pg("users"))
USERS_EMAIL = asset_id("default", pg("users").column("email"))
OTHER_USERS = asset_id("other", pg("users"))
