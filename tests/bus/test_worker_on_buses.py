"""The inbound flow end to end on both buses: API accept → bus → workers → catalog, events API."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

import lily.inbound.worker as worker_module
from lily.inbound.runtime import InboundRuntime
from lily.inbound.worker import WorkerConfig
from lily.store.tables import changes
from tests.bus.conftest import BusFactory
from tests.inbound_flow.conftest import Flow, make_flow, quiet_settings
from tests.inbound_flow.test_accept import PG, dataset_event, generic
from tests.inbound_flow.test_worker import broken_run_event


def _bus_flow(database_url: str, tmp_path: Path, make_bus: BusFactory) -> Iterator[Flow]:
    flow = make_flow(database_url, tmp_path)
    bus = make_bus(flow.env.store, partitions=16)
    flow.runtime = InboundRuntime(flow.env.settings, flow.env.store, flow.env.client.app.state.ctx.metrics,
                                  inbound=quiet_settings(inbound_max_attempts=3), bus=bus)
    flow.env.client.app.state.inbound = flow.runtime
    flow.worker = flow.runtime.worker()
    flow.worker.config = WorkerConfig(batch_size=64, max_attempts=3, backoff_base=0.05, backoff_max=0.2)
    yield flow
    flow.runtime.stop()
    flow.worker.close()
    flow.env.client.close()
    flow.env.store.dispose()


@pytest.fixture
def bus_flow(database_url: str, tmp_path: Path, make_bus: BusFactory) -> Iterator[Flow]:
    """Both databases x both buses."""
    yield from _bus_flow(database_url, tmp_path, make_bus)


@pytest.fixture
def sqlite_bus_flow(sqlite_url: str, tmp_path: Path, make_bus: BusFactory) -> Iterator[Flow]:
    yield from _bus_flow(sqlite_url, tmp_path, make_bus)


def items(i: int) -> dict[str, Any]:
    return {**generic(f"e{i}"), "payload": {"asset_id": f"postgres://db:5432/shop.public.t{i}", "asset_type": "table",
                                            "metadata": {"description": f"table {i}"}}}


def wait_for(flow: Flow, done: Any, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not done(flow.rows()):
        assert time.monotonic() < deadline, {r["status"] for r in flow.rows()}
        time.sleep(0.05)


def test_two_workers_apply_every_event_once(bus_flow: Flow) -> None:
    batch = [items(i) for i in range(80)]
    assert bus_flow.post("/api/v1/events", batch).json()["accepted"] == 80
    assert bus_flow.post("/api/v1/events", batch[:10]).json()["duplicates"] == 10  # redelivered by a producer
    bus_flow.runtime.start(2)
    wait_for(bus_flow, lambda rows: len(rows) == 80 and all(r["status"] == "applied" for r in rows))
    with bus_flow.env.store.read() as conn:
        per_event = dict(conn.execute(select(changes.c.cause_event_id, func.count())
                                      .group_by(changes.c.cause_event_id)).all())
    assert len(per_event) == 80 and set(per_event.values()) == {1}  # one asset.created each, never twice
    assert bus_flow.asset("postgres://db:5432", "shop.public.t7").description == "table 7"


def test_failures_dead_letters_and_replay(sqlite_bus_flow: Flow, monkeypatch: pytest.MonkeyPatch) -> None:
    bus_flow = sqlite_bus_flow
    real = worker_module.apply_in

    def flaky(conn: Any, cs: Any, cache: Any = None) -> Any:
        if cs.operations[0].ref.name == "always":
            raise OperationalError("INSERT", {}, Exception("connection reset"))
        return real(conn, cs, cache)

    monkeypatch.setattr(worker_module, "apply_in", flaky)
    bus_flow.lineage(broken_run_event())
    bus_flow.lineage(dataset_event("always"))
    bus_flow.lineage(dataset_event("fine"))
    bus_flow.drain()
    wait_for(bus_flow, lambda rows: len(rows) == 3 and all(r["status"] != "received" for r in rows), timeout=20)
    by = {orjson.loads(r["payload"]).get("dataset", {}).get("name", "run"): r for r in bus_flow.rows()}
    assert by["run"]["status"] == "failed" and "inputs[0].name" in by["run"]["error"]
    assert by["always"]["status"] == "dead" and by["always"]["attempts"] == 3
    assert "connection reset" in by["always"]["error"]
    assert by["fine"]["status"] == "applied"
    monkeypatch.undo()
    resp = bus_flow.env.client.post(f"/api/v1/events/{by['always']['id']}/replay", headers=bus_flow.headers)
    assert resp.status_code == 202
    bus_flow.drain()
    wait_for(bus_flow, lambda rows: all(r["status"] in ("applied", "failed") for r in rows), timeout=20)
    assert bus_flow.asset(PG, "always") is not None
