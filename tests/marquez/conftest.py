from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from lily.inbound.sources import openlineage
from lily.model import ChangeSet
from lily.store import Store
from tests.api.conftest import Env, make_env
from tests.inbound.samples import SAMPLES, openlineage_events

MARQUEZ = SAMPLES / "marquez"
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> Iterator[Env]:
    e = make_env(database_url, tmp_path)
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
