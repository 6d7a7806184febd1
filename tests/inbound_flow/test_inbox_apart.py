"""A SQLite catalog file keeps its inbox in a file of its own: accepts never wait for the worker's
catalog transaction, and applying stays exactly-once across the two commits (applied markers)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

import lily.inbound.worker as worker_module
from lily.bus.base import InboundMessage
from lily.bus.local.sqlite_file import FileSettling
from lily.inbound.runtime import InboundRuntime
from lily.model.identity import event_id
from lily.store import Store, inbox
from lily.store.db import make_engine
from lily.store.inbox_db import inbox_path
from lily.store.migrate import upgrade
from lily.store.tables_inbound import inbound_applied, inbound_events
from tests.inbound_flow.conftest import Flow, quiet_settings
from tests.inbound_flow.test_accept import PG, dataset_event


def count_applications(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The event ids the worker applies from now on, one entry per application (alone, or in a run
    applied as one change set: ``lily.inbound.together``)."""
    applications: list[str] = []
    real_apply, real_together = worker_module.apply_in, worker_module.apply_together

    def counting(conn: Any, cs: Any, cache: Any = None) -> Any:
        applications.append(cs.cause_event_id)
        return real_apply(conn, cs, cache)

    def together(conn: Any, sets: Any, cache: Any, apply: Any = None) -> Any:
        results = real_together(conn, sets, cache, real_apply)
        applications.extend(cs.cause_event_id for cs in sets if results is not None)
        return results

    monkeypatch.setattr(worker_module, "apply_in", counting)
    monkeypatch.setattr(worker_module, "apply_together", together)
    return applications


def markers(flow: Flow) -> set[Any]:
    with flow.env.store.read() as conn:
        return set(conn.execute(select(inbound_applied.c.event_id)).scalars())


def test_the_inbox_is_a_file_next_to_the_catalog(sqlite_flow: Flow) -> None:
    store = sqlite_flow.env.store
    assert store.inbox_apart
    path = inbox_path(store.engine)
    assert path is not None and path.name == "lily.inbox.db" and path.exists()
    assert sqlite_flow.lineage(dataset_event("filed")).status_code == 201
    with store.inbox_read() as conn:
        assert conn.execute(select(func.count()).select_from(inbound_events)).scalar_one() == 1
    with store.read() as conn:  # the catalog's own table stays empty
        assert conn.execute(select(func.count()).select_from(inbound_events)).scalar_one() == 0


def test_an_accept_does_not_wait_for_a_catalog_transaction(sqlite_flow: Flow) -> None:
    # Before, the accept needed the catalog's write lock: held here, it waited out the busy timeout
    # (10 s) and answered 503.
    with sqlite_flow.env.store.write():
        assert sqlite_flow.lineage(dataset_event("while-locked")).status_code == 201
    assert sqlite_flow.drain().applied == 1 and sqlite_flow.asset(PG, "while-locked") is not None


def test_a_worker_dying_between_the_two_commits_leaves_every_event_applied_once(
        sqlite_flow: Flow, monkeypatch: pytest.MonkeyPatch) -> None:
    flow = sqlite_flow
    for name in ("a", "b", "c"):
        flow.lineage(dataset_event(name))
    real = FileSettling._settle
    failures = iter([RuntimeError("disk I/O error")])

    def settle_fails_once(self: FileSettling, *args: Any) -> Any:
        error = next(failures, None)
        if error is not None:
            raise error
        return real(self, *args)

    monkeypatch.setattr(FileSettling, "_settle", settle_fails_once)
    applications = count_applications(monkeypatch)
    flow.drain()
    rows = flow.rows()
    assert {r["status"] for r in rows} == {"applied"} and {r["attempts"] for r in rows} == {2}
    # Applied by the first attempt only: the second found the markers and settled from them.
    assert sorted(applications) == sorted(str(r["id"]) for r in rows)
    assert sorted(flow.change_causes()) == sorted(str(r["id"]) for r in rows)
    for r in rows:  # what the first attempt recorded survives: timings, changes, touched assets
        assert r["changes"] == 1 and r["apply_ms"] is not None
        with flow.env.store.inbox_read() as conn:
            assert inbox.assets_of(conn, r["seq"]) != []
    flow.worker.close()
    flow.runtime.close()  # the bus deletes the markers of settled events as it closes
    assert markers(flow) == set()


def test_markers_of_settled_events_are_deleted_by_a_later_transaction_of_any_process(sqlite_flow: Flow) -> None:
    flow = sqlite_flow
    flow.lineage(dataset_event("left"))
    assert flow.drain().applied == 1
    [first] = flow.rows()
    assert markers(flow) == {first["id"]}  # settled after its transaction: deleted by a later one
    # Another process (a fresh bus): its first transaction deletes the markers of settled events.
    other = InboundRuntime(flow.env.settings, flow.env.store, flow.env.client.app.state.ctx.metrics,
                           inbound=quiet_settings())
    flow.lineage(dataset_event("next"))
    successor = other.worker(1)
    assert successor.drain(timeout=30).applied == 1
    successor.close()
    assert first["id"] not in markers(flow) and len(markers(flow)) == 1
    other.close()
    assert markers(flow) == set()


def test_replaying_an_event_whose_marker_is_still_there_applies_it_again(
        sqlite_flow: Flow, monkeypatch: pytest.MonkeyPatch) -> None:
    flow = sqlite_flow
    flow.lineage(dataset_event("again"))
    assert flow.drain().applied == 1
    [row] = flow.rows()
    assert markers(flow) == {row["id"]}  # deleted by a later transaction
    applications = count_applications(monkeypatch)
    resp = flow.env.client.post(f"/api/v1/events/{row['id']}/replay", headers=flow.headers)
    assert resp.status_code == 202
    # Another worker takes it (the first one would delete its own marker before looking anyway).
    other = flow.runtime.worker(1)
    assert other.drain(timeout=30).applied == 1
    other.close()
    assert applications == [str(row["id"])]


def test_inbox_rows_of_a_catalog_from_before_are_moved_to_the_inbox_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    upgrade(engine)
    old = Store(engine)  # the inbox inside the catalog, as it was
    message = InboundMessage(id=event_id("default", "generic", "k1"), tenant_id="default", source="generic",
                             key="k1", partition=0, payload=b'{"n": 1}',
                             received_at=datetime(2026, 1, 5, tzinfo=UTC))
    with old.write() as conn:
        inbox.insert_received(conn, [message.inbox_row()])
    engine.dispose()
    store = Store.from_url(url)
    try:
        assert store.inbox_apart
        with store.inbox_read() as conn:
            moved = inbox.get_event(conn, "default", message.id)
        assert moved is not None and moved["status"] == "received" and bytes(moved["payload"]) == b'{"n": 1}'
        with store.read() as conn:
            assert conn.execute(select(func.count()).select_from(inbound_events)).scalar_one() == 0
    finally:
        store.dispose()
    again = Store.from_url(url)  # opening it again moves nothing twice
    try:
        with again.inbox_read() as conn:
            assert conn.execute(select(func.count()).select_from(inbound_events)).scalar_one() == 1
    finally:
        again.dispose()


def test_a_postgres_or_in_memory_catalog_keeps_the_inbox_inside() -> None:
    store = Store.from_url("sqlite://")
    try:
        assert not store.inbox_apart and store.inbox_engine is store.engine
    finally:
        store.dispose()


def test_a_lease_lost_between_applying_and_settling_leaves_the_event_to_its_new_owner(
        sqlite_flow: Flow, monkeypatch: pytest.MonkeyPatch) -> None:
    flow = sqlite_flow
    for name in ("x", "y"):
        flow.lineage(dataset_event(name))
    successor = flow.runtime.worker(1)
    real = FileSettling._settle

    def steal_then_settle(self: FileSettling, *args: Any) -> Any:
        # A stalled worker's leases ran out after its catalog commit: another worker claimed them.
        with flow.env.store.inbox_write() as conn:
            conn.execute(update(inbound_events).values(lease_owner=successor.worker_id))
        return real(self, *args)

    applications = count_applications(monkeypatch)
    monkeypatch.setattr(FileSettling, "_settle", steal_then_settle)
    taken = flow.worker.consumer.fetch(10, 0)
    flow.worker.process(taken)
    assert {r["status"] for r in flow.rows()} == {"received"}  # not ours to settle any more
    monkeypatch.setattr(FileSettling, "_settle", real)
    assert successor.drain(timeout=30).applied == 2  # settled from the markers...
    successor.close()
    rows = flow.rows()
    assert {r["status"] for r in rows} == {"applied"}
    assert sorted(applications) == sorted(str(r["id"]) for r in rows)  # ...not applied twice
