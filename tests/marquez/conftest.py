from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest

from lily.inbound.sources import openlineage
from lily.model import ChangeSet
from lily.store import Store
from lily.store.db import make_engine
from lily.store.migrate import upgrade
from tests.api.conftest import Env, make_env
from tests.conftest import _db_counter, _plain
from tests.inbound.samples import SAMPLES, openlineage_events

MARQUEZ = SAMPLES / "marquez"
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> Iterator[Env]:
    e = make_env(database_url, tmp_path)
    yield e
    e.client.close()
    e.store.dispose()


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def module_database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh migrated database shared by one module's read-only tests (ingesting once is the slow part)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'lily.db'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
        return
    server, template = request.getfixturevalue("pg_server"), request.getfixturevalue("pg_template")
    name = f"lily_m{os.getpid()}_{next(_db_counter)}"
    with psycopg.connect(_plain(server.admin_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield server.url_for(name)
    with psycopg.connect(_plain(server.admin_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def module_env(url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    e = make_env(url, tmp_path_factory.mktemp("env"))
    yield e
    e.client.close()
    e.store.dispose()


def marquez_sample(name: str) -> dict[str, Any]:
    return json.loads((MARQUEZ / name).read_bytes())


def ingest(store: Store, events: list[dict[str, Any]], tenant: str = "default", at: datetime = T0) -> None:
    """What the inbound worker does with each OpenLineage event: parse, then apply."""
    for event in events:
        store.apply(ChangeSet(tenant_id=tenant, actor="test", operations=openlineage.parse(event), at=at))


def ingest_samples(store: Store, *names: str, tenant: str = "default") -> None:
    for name in names:
        ingest(store, openlineage_events(name), tenant=tenant)


def seg(value: str) -> str:
    """A path segment the way Marquez clients send it (``encodeURIComponent``)."""
    return quote(value, safe="")


def get(env: Env, path: str, **params: Any) -> Any:
    resp = env.client.get(f"/api/v1{path}", params=params, headers=env.admin_headers)
    assert resp.status_code == 200, (path, resp.status_code, resp.text[:500])
    return resp.json()
