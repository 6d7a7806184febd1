from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from lily.api.app import create_app
from lily.auth.service import AuthService
from lily.bootstrap import AdminCredentials, ensure_admin, ensure_tenant
from lily.model import Role
from lily.settings import Settings
from lily.store import Store


@dataclass
class Env:
    client: TestClient
    store: Store
    settings: Settings
    admin: AdminCredentials

    def key(self, role: Role, tenant: str = "default") -> dict[str, str]:
        key, _ = AuthService(self.store, self.settings).create_api_key(tenant, f"test-{role.value}", role, "test")
        return {"Authorization": f"Bearer {key}"}

    @property
    def admin_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin.api_key}"}


def make_env(database_url: str, data_dir: Path, **overrides: object) -> Env:
    # Limits raised so tests are not throttled by each other's requests; tests of the limits lower them.
    limits: dict[str, object] = {"rate_limit_per_minute": 100000, "rate_limit_burst": 100000,
                                 "auth_failures_per_minute": 100000, "auth_failure_burst": 100000}
    settings = Settings(data_dir=data_dir, database_url=database_url, **{**limits, **overrides})
    store = Store.from_url(database_url)
    admin = ensure_admin(store, settings)
    assert admin is not None
    ensure_tenant(store, "other")
    return Env(TestClient(create_app(settings, store)), store, settings, admin)


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> Iterator[Env]:
    e = make_env(database_url, tmp_path)
    yield e
    e.client.close()
    e.store.dispose()


@pytest.fixture
def sqlite_env(sqlite_url: str, tmp_path: Path) -> Iterator[Env]:
    e = make_env(sqlite_url, tmp_path)
    yield e
    e.client.close()
    e.store.dispose()
