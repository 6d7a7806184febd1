"""A Lily app (TestClient) with the inbound flow, drained synchronously by a worker the test owns."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
from httpx import Response
from sqlalchemy import select

from lily.inbound.runtime import InboundRuntime, InboundSettings
from lily.inbound.worker import BatchResult, InboundWorker, WorkerConfig
from lily.model import AssetRef, asset_id
from lily.store import catalog
from lily.store.tables import assets, changes, classifications, lineage_edges
from lily.store.tables_inbound import inbound_events
from tests.api.conftest import Env, make_env

TENANT = "default"


@dataclass
class Flow:
    env: Env
    runtime: InboundRuntime
    worker: InboundWorker

    @property
    def headers(self) -> dict[str, str]:
        return self.env.admin_headers

    # ---------------------------------------------------------------------------------- posting
    def post(self, path: str, body: Any, *, headers: dict[str, str] | None = None, gzip_body: bool = False,
             params: dict[str, str] | None = None) -> Response:
        data = body if isinstance(body, bytes) else orjson.dumps(body)
        hdrs = {"Content-Type": "application/json", **self.headers, **(headers or {})}
        if gzip_body:
            data = gzip.compress(data)
            hdrs["Content-Encoding"] = "gzip"
        return self.env.client.post(path, content=data, headers=hdrs, params=params)

    def lineage(self, event: Any, **kw: Any) -> Response:
        return self.post("/api/v1/lineage", event, **kw)

    def drain(self) -> BatchResult:
        return self.worker.drain(timeout=30)

    # ------------------------------------------------------------------------------------ reads
    def rows(self) -> list[dict[str, Any]]:
        with self.env.store.inbox_read() as conn:
            return [dict(r) for r in conn.execute(select(inbound_events).order_by(inbound_events.c.seq)).mappings()]

    def asset(self, namespace: str, name: str, field: str = "", tenant: str = TENANT) -> Any:
        with self.env.store.read() as conn:
            return catalog.get_by_ref(conn, tenant, AssetRef(namespace=namespace, name=name, field=field))

    def edges(self, tenant: str = TENANT) -> set[tuple[str, str]]:
        """(source, target) qualified names of every lineage edge."""
        with self.env.store.read() as conn:
            names = {r.id: AssetRef(namespace=r.namespace, name=r.name, field=r.field).qualified_name
                     for r in conn.execute(select(assets.c.id, assets.c.namespace, assets.c.name, assets.c.field)
                                           .where(assets.c.tenant_id == tenant))}
            rows = conn.execute(select(lineage_edges.c.source_id, lineage_edges.c.target_id)
                                .where(lineage_edges.c.tenant_id == tenant)).all()
        return {(names[s], names[t]) for s, t in rows}

    def state(self, tenant: str = TENANT) -> dict[str, Any]:
        """The catalog as content (no versions or timestamps): equal after one or many deliveries."""
        with self.env.store.read() as conn:
            rows = conn.execute(select(assets).where(assets.c.tenant_id == tenant)).mappings().all()
            tags = conn.execute(select(classifications.c.asset_id, classifications.c.tag, classifications.c.source)
                                .where(classifications.c.tenant_id == tenant)).all()
        return {
            "assets": sorted((r["namespace"], r["name"], r["field"], r["type"], r["status"], r["description"],
                              orjson.dumps(r["owners"], option=orjson.OPT_SORT_KEYS),
                              orjson.dumps(r["attributes"], option=orjson.OPT_SORT_KEYS),
                              orjson.dumps(r["facets"], option=orjson.OPT_SORT_KEYS)) for r in rows),
            "edges": sorted(self.edges(tenant)),
            "tags": sorted((str(a), t, s) for a, t, s in tags),
        }

    def change_causes(self, tenant: str = TENANT) -> list[str]:
        with self.env.store.read() as conn:
            return [r[0] for r in conn.execute(select(changes.c.cause_event_id).where(changes.c.tenant_id == tenant))]

    def id_of(self, namespace: str, name: str, field: str = "") -> str:
        return str(asset_id(TENANT, AssetRef(namespace=namespace, name=name, field=field)))


def quiet_settings(**overrides: Any) -> InboundSettings:
    return InboundSettings(inbound_workers=0, bus_url=None, **overrides)


def make_flow(database_url: str, tmp_path: Path, **overrides: Any) -> Flow:
    env = make_env(database_url, tmp_path)
    app = env.client.app
    runtime = InboundRuntime(env.settings, env.store, app.state.ctx.metrics, inbound=quiet_settings(**overrides))
    app.state.inbound = runtime
    worker = runtime.worker()
    worker.config = WorkerConfig(batch_size=64, max_attempts=3, backoff_base=0.01, backoff_max=0.05)
    return Flow(env, runtime, worker)


@pytest.fixture
def flow(database_url: str, tmp_path: Path) -> Iterator[Flow]:
    f = make_flow(database_url, tmp_path)
    yield f
    f.worker.close()
    f.runtime.close()
    f.env.client.close()
    f.env.store.dispose()


@pytest.fixture
def sqlite_flow(sqlite_url: str, tmp_path: Path) -> Iterator[Flow]:
    f = make_flow(sqlite_url, tmp_path)
    yield f
    f.worker.close()
    f.runtime.close()
    f.env.client.close()
    f.env.store.dispose()
