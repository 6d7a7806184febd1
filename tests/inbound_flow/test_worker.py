"""The worker on the local bus: failures never block, retries end in dead letters, leases, wake-ups."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

import lily.inbound.worker as worker_module
from lily.store.tables_inbound import inbound_events
from tests.inbound_flow.conftest import Flow, make_flow
from tests.inbound_flow.test_accept import PG, dataset_event, generic


def broken_run_event() -> dict[str, Any]:
    # Passes the accept-time envelope check; the worker's full parse finds the nameless input.
    return {"eventTime": "2026-01-05T10:00:00Z", "run": {"runId": "r-1"},
            "job": {"namespace": "etl", "name": "load"}, "inputs": [{"namespace": PG}]}


def test_a_failed_event_never_blocks_the_ones_behind_it(flow: Flow) -> None:
    assert flow.lineage(broken_run_event()).status_code == 201
    assert flow.lineage(dataset_event("after")).status_code == 201
    result = flow.drain()
    assert (result.failed, result.applied) == (1, 1)
    failed, applied = flow.rows()
    assert failed["status"] == "failed" and failed["error"] == "parse: inputs[0].name: is required"
    assert failed["parse_ms"] is not None and failed["applied_at"] is None
    assert applied["status"] == "applied" and flow.asset(PG, "after") is not None


def test_operation_without_a_writer_fails_that_event_with_the_reason(flow: Flow,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import lily.store.apply as apply_module

    monkeypatch.delitem(apply_module._DISPATCH, "add_classification")
    flow.post("/api/v1/events", generic("tagged", metadata={"tags": ["PII.email"]}))
    flow.post("/api/v1/events", generic("plain"))
    assert flow.drain().failed == 1
    tagged = next(r for r in flow.rows() if r["status"] == "failed")
    assert "operation 'add_classification' has no writer registered" in tagged["error"]
    # The failed event's whole change set was rolled back; the next one applied normally.
    assert flow.change_causes().count(str(tagged["id"])) == 0
    monkeypatch.undo()
    resp = flow.env.client.post(f"/api/v1/events/{tagged['id']}/replay", headers=flow.headers)
    assert resp.status_code == 202 and resp.json()["status"] == "received"
    assert flow.drain().applied == 1
    assert {r["status"] for r in flow.rows()} == {"applied"}


def test_transient_errors_are_retried_then_dead_lettered(flow: Flow, monkeypatch: pytest.MonkeyPatch) -> None:
    real = worker_module.apply_in
    calls: dict[str, int] = {}

    def flaky(conn: Any, cs: Any, cache: Any = None) -> Any:
        calls[cs.cause_event_id] = calls.get(cs.cause_event_id, 0) + 1
        name = cs.operations[0].ref.name
        # "once" fails its first attempt: in its batch, then alone under a savepoint.
        if name == "always" or (name == "once" and calls[cs.cause_event_id] <= 2):
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        return real(conn, cs, cache)

    monkeypatch.setattr(worker_module, "apply_in", flaky)
    for name in ("always", "once", "fine"):
        flow.lineage(dataset_event(name))
    flow.drain()
    by_name = {orjson.loads(r["payload"])["dataset"]["name"]: r for r in flow.rows()}
    assert by_name["always"]["status"] == "dead" and by_name["always"]["attempts"] == 3
    assert "gave up after 3 attempts" in by_name["always"]["error"] and "database is locked" in by_name["always"]["error"]
    assert by_name["once"]["status"] == "applied" and by_name["once"]["attempts"] == 2
    assert by_name["fine"]["status"] == "applied" and by_name["fine"]["attempts"] == 1
    assert flow.asset(PG, "always") is None and flow.asset(PG, "once") is not None


def test_an_expired_lease_moves_to_another_worker_and_the_first_one_loses(flow: Flow) -> None:
    flow.lineage(dataset_event("leased"))
    crashed = flow.runtime.worker(1)
    taken = crashed.consumer.fetch(10, 0)
    assert len(taken) == 1
    # While the lease is live nobody else gets the event.
    assert flow.worker.consumer.fetch(10, 0) == []
    with flow.env.store.inbox_write() as conn:
        conn.execute(update(inbound_events).values(lease_until=datetime.now(UTC) - timedelta(seconds=1)))
    assert flow.drain().applied == 1
    # The first worker wakes up and tries to settle its copy: the lease is gone, nothing happens twice.
    late = crashed.process(taken)
    assert late.skipped == 1 and late.applied == 0
    assert len(set(flow.change_causes())) == 1 and flow.rows()[0]["attempts"] == 2


def test_one_partition_is_leased_to_one_worker_at_a_time(flow: Flow) -> None:
    for i in range(3):
        flow.post("/api/v1/events", generic(f"same-{i}", metadata={"description": f"v{i}"}))
    flow.post("/api/v1/events", {**generic("elsewhere"), "payload": {
        "asset_id": "postgres://db:5432/shop.public.other", "asset_type": "table"}})
    a, b = flow.runtime.worker(1).consumer, flow.runtime.worker(2).consumer
    first = a.fetch(1, 0)  # takes the oldest event of the "items" partition
    second = b.fetch(10, 0)  # may only take events of other partitions
    assert len(first) == 1
    assert {d.message.partition for d in second}.isdisjoint({first[0].message.partition})
    assert [orjson.loads(d.message.payload)["event_id"] for d in second] == ["elsewhere"]


def test_events_of_one_asset_apply_in_arrival_order(flow: Flow) -> None:
    for i in range(5):
        flow.post("/api/v1/events", generic(f"v{i}", metadata={"description": f"version {i}"}))
    flow.drain()
    assert flow.asset("postgres://db:5432", "shop.public.items").description == "version 4"


def test_a_generic_events_columns_keep_the_tables_order(flow: Flow) -> None:
    """The order a crawler lists a table's columns in is the table's: the catalog (and a warehouse
    target's masking view, planned from it) keeps it instead of sorting by name."""
    flow.post("/api/v1/events", generic("cols", metadata={"columns": ["zip", {"name": "email", "type": "text"}, "age"]}))
    assert flow.drain().applied == 1
    table = flow.asset("postgres://db:5432", "shop.public.items")
    resp = flow.env.client.get(f"/api/v1/assets/{table.id}/columns", headers=flow.headers)
    assert resp.status_code == 200, resp.text
    assert [c["field"] for c in resp.json()] == ["zip", "email", "age"]


def test_in_process_workers_wake_up_without_polling(sqlite_url: str, tmp_path: Path) -> None:
    flow = make_flow(sqlite_url, tmp_path, inbound_poll_seconds=30.0)
    try:
        flow.runtime.start(1)
        time.sleep(0.2)  # the worker is idle, waiting on the bus
        started = time.perf_counter()
        assert flow.lineage(dataset_event("fast")).status_code == 201
        while flow.rows()[0]["status"] != "applied":
            assert time.perf_counter() - started < 5, "not applied: the worker was not woken"
            time.sleep(0.005)
        assert time.perf_counter() - started < 2.0  # far below the 30 s poll interval
    finally:
        flow.runtime.close()
        flow.env.store.dispose()


def test_status_counts_and_queue_depth(flow: Flow) -> None:
    flow.lineage(dataset_event("a"))
    flow.lineage(broken_run_event())
    assert flow.runtime.bus.queue_depth() == 2
    flow.drain()
    assert flow.runtime.bus.queue_depth() == 0
    assert sorted(r["status"] for r in flow.rows()) == ["applied", "failed"]


def test_a_tag_dropped_from_the_tags_facet_is_retracted_and_other_sources_tags_stay(flow: Flow) -> None:
    def tagged(*tags: dict[str, str]) -> dict[str, Any]:
        return {"eventTime": "2026-01-05T10:00:00Z", "producer": "p",
                "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent",
                "dataset": {"namespace": "postgres://db:5432", "name": "shop.users", "facets": {
                    "schema": {"fields": [{"name": "email", "type": "text"}]},
                    "tags": {"tags": list(tags)}}}}

    def tags() -> set[tuple[str, str, str]]:
        names = {flow.id_of("postgres://db:5432", "shop.users"): "", flow.id_of("postgres://db:5432", "shop.users",
                                                                               "email"): "email"}
        return {(names[a], t, s) for a, t, s in flow.state()["tags"]}

    assert flow.lineage(tagged({"key": "PII", "value": "email", "field": "email"},
                               {"key": "domain", "value": "customers"})).status_code == 201
    flow.drain()
    user = flow.env.client.post(f"/api/v1/assets/{flow.id_of('postgres://db:5432', 'shop.users')}/classifications",
                                json={"tag": "owner.reviewed"}, headers=flow.headers)
    assert user.status_code in (200, 201), user.text
    assert tags() == {("email", "PII.email", "imported"), ("", "domain.customers", "imported"),
                      ("", "owner.reviewed", "direct")}
    flow.lineage(tagged({"key": "domain", "value": "customers"}))  # PII.email dropped by the producer
    flow.drain()
    assert tags() == {("", "domain.customers", "imported"), ("", "owner.reviewed", "direct")}
    assert {r["status"] for r in flow.rows()} == {"applied"}


def test_an_event_failing_mid_batch_leaves_the_others_applied_once(flow: Flow,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker applies a batch without savepoints; an event raising in it rolls the batch back, the
    events before it are applied again together and it is tried alone under a savepoint: the events
    around it are applied once each (one change and audit row each), it fails with its reason."""
    from sqlalchemy import select

    from lily.store.apply import ApplyError
    from lily.store.tables import audit_log

    real = worker_module.apply_in
    calls: dict[str, int] = {}

    def refuse_bad(conn: Any, cs: Any, cache: Any = None) -> Any:
        bad = [op.ref.name for op in cs.operations if op.ref.name.startswith("bad")]
        if cs.cause_event_id is not None:  # an event's own change set (not a run's, lily.inbound.together)
            name = cs.operations[0].ref.name
            calls[name] = calls.get(name, 0) + 1
        if bad:
            raise ApplyError(f"refused {bad[0]}")
        return real(conn, cs, cache)

    monkeypatch.setattr(worker_module, "apply_in", refuse_bad)
    names = ["ok-1", "ok-2", "bad-3", "ok-4", "bad-5", "ok-6"]
    for name in names:
        flow.lineage(dataset_event(name))
    result = flow.drain()
    assert (result.applied, result.failed, result.retried) == (4, 2, 0)
    by_name = {orjson.loads(r["payload"])["dataset"]["name"]: r for r in flow.rows()}
    for name in names:
        row = by_name[name]
        if name.startswith("bad"):
            assert row["status"] == "failed" and row["error"] == f"apply: refused {name}" and row["attempts"] == 1
            assert flow.asset(PG, name) is None
        else:
            assert row["status"] == "applied" and row["changes"] == 1 and flow.asset(PG, name) is not None
            assert row["first_change_seq"] == row["last_change_seq"]
    assert calls["bad-3"] == 2 and calls["bad-5"] == 2  # in the batch, then alone: both rolled back
    causes = flow.change_causes()
    applied_ids = [str(by_name[n]["id"]) for n in names if not n.startswith("bad")]
    assert sorted(causes) == sorted(applied_ids)  # one change each, none twice, none of the refused
    seqs = sorted(by_name[n]["first_change_seq"] for n in names if not n.startswith("bad"))
    assert seqs == list(range(seqs[0], seqs[0] + 4))  # the change sequence has no gaps
    with flow.env.store.read() as conn:
        details = conn.execute(select(audit_log.c.details).where(audit_log.c.action == "apply")).scalars().all()
    assert sorted(d["cause_event_id"] for d in details if d.get("cause_event_id")) == sorted(applied_ids)


@pytest.mark.parametrize(("budget_ms", "prefetch", "prefetch_ops", "commits"),
                         [(60_000, 8, 0, 1), (0, 2, 0, 3), (0, 1, 0, 6), (0, 1, 3, 2), (0, 2, 3, 2)])
def test_a_transaction_takes_no_more_events_once_its_budget_is_spent(
        flow: Flow, budget_ms: float, prefetch: int, prefetch_ops: int, commits: int) -> None:
    """Past ``txn_budget_ms`` a transaction commits what it has, but only once it has applied the
    events whose rows it read ahead (``prefetch`` of them, more while they hold fewer than
    ``prefetch_ops`` operations: a dataset event is one); the next transaction takes the rest."""
    from sqlalchemy import event

    for i in range(6):
        flow.lineage(dataset_event(f"budget-{i}"))
    worker = flow.worker
    worker.config.txn_budget_ms, worker.config.prefetch = budget_ms, prefetch
    worker.config.prefetch_ops = prefetch_ops
    deliveries = worker.consumer.fetch(10, 0)
    seen: list[object] = []

    def count(conn: object) -> None:
        seen.append(conn)

    event.listen(flow.env.store.engine, "commit", count)
    try:
        assert worker.process(deliveries).applied == 6
    finally:
        event.remove(flow.env.store.engine, "commit", count)
    assert len(seen) == commits
    assert all(flow.asset(PG, f"budget-{i}") is not None for i in range(6))
