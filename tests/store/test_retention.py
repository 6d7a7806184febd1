"""Retention prunes exactly what is past its age — never an unread change, an open delivery or a
recent row — in transactions of at most ``batch`` rows."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from lily.store import Store
from lily.store.accounts import create_tenant
from lily.store.retention import Retention, feed_floor, prune
from lily.store.tables import audit_log, changes, consumer_offsets
from lily.store.tables_governance import deliveries
from lily.store.tables_inbound import inbound_event_assets, inbound_events
from lily.store.tables_runs import run_io, runs

NOW = datetime(2026, 6, 1, tzinfo=UTC)
OLD, RECENT = NOW - timedelta(days=400), NOW - timedelta(hours=1)
POLICY = Retention(applied_events_days=7, failed_events_days=30, changes_days=30, deliveries_days=30, audit_days=365,
                   batch=2)


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    s = Store.from_url(database_url)
    with s.write() as conn:
        for tenant in ("acme", "beta"):
            create_tenant(conn, tenant, tenant, NOW)
    yield s
    s.dispose()


def _event(conn, key: str, status: str, at: datetime) -> None:  # type: ignore[no-untyped-def]
    seq = conn.execute(insert(inbound_events).values(
        id=uuid.uuid4(), tenant_id="acme", source="generic", idempotency_key=key, payload=b"{}", headers={},
        status=status, available_at=at, received_at=at, applied_at=at if status == "applied" else None,
    ).returning(inbound_events.c.seq)).scalar_one()
    conn.execute(insert(inbound_event_assets).values(event_seq=seq, asset_id=uuid.uuid4(), tenant_id="acme"))


def _change(conn, tenant: str, seq: int, at: datetime) -> None:  # type: ignore[no-untyped-def]
    conn.execute(insert(changes).values(tenant_id=tenant, seq=seq, kind="asset.updated", entity_type="asset",
                                        entity_id=str(seq), at=at))


def _delivery(conn, status: str, at: datetime) -> uuid.UUID:  # type: ignore[no-untyped-def]
    did = uuid.uuid4()
    conn.execute(insert(deliveries).values(
        id=did, tenant_id="acme", target_id=uuid.uuid4(), object_key="k", namespace="n", name="t", status=status,
        statements=[], desired={}, created_at=at, updated_at=at))
    return did


def _keys(conn, column) -> list:  # type: ignore[no-untyped-def]
    return sorted(r[0] for r in conn.execute(select(column)))


def test_prune_keeps_the_recent_the_unread_and_the_open(store: Store) -> None:
    with store.inbox_write() as conn:
        for i in range(5):
            _event(conn, f"old-applied-{i}", "applied", OLD)
        _event(conn, "new-applied", "applied", RECENT)
        _event(conn, "received-long-ago", "received", OLD)  # never applied yet: never pruned
        _event(conn, "failed-20-days", "failed", NOW - timedelta(days=20))  # within the failed age
        _event(conn, "dead-old", "dead", OLD)
    with store.write() as conn:
        for seq in range(1, 8):
            _change(conn, "acme", seq, OLD if seq < 7 else RECENT)
            _change(conn, "beta", seq, OLD)
        # acme: every consumer read up to 4; beta: "outbound" never read it, so beta keeps all.
        conn.execute(insert(consumer_offsets), [
            {"consumer": "propagation", "tenant_id": "acme", "seq": 6, "updated_at": NOW},
            {"consumer": "outbound", "tenant_id": "acme", "seq": 4, "updated_at": NOW},
            {"consumer": "propagation", "tenant_id": "beta", "seq": 7, "updated_at": NOW}])
        kept = {_delivery(conn, "pending", OLD), _delivery(conn, "failed", OLD), _delivery(conn, "applied", RECENT)}
        for status in ("applied", "superseded", "dead"):
            _delivery(conn, status, OLD)
        conn.execute(insert(audit_log), [
            {"id": uuid.uuid4(), "tenant_id": "acme", "actor": "a", "action": "x", "details": {}, "at": at}
            for at in (OLD, OLD, RECENT)])
        assert feed_floor(conn, "acme") == 4 and feed_floor(conn, "beta") == 0

    counts = prune(store, POLICY, NOW)

    assert counts == {"applied_events": 5, "failed_events": 1, "changes": 4, "deliveries": 3, "audit": 2}
    with store.inbox_read() as conn:
        assert _keys(conn, inbound_events.c.idempotency_key) == ["failed-20-days", "new-applied", "received-long-ago"]
        assert conn.execute(select(func.count()).select_from(inbound_event_assets)).scalar() == 3
    with store.read() as conn:
        left = sorted(conn.execute(select(changes.c.tenant_id, changes.c.seq)).all())
        assert left == [("acme", s) for s in (5, 6, 7)] + [("beta", s) for s in range(1, 8)]
        assert set(_keys(conn, deliveries.c.id)) == kept
        assert _keys(conn, audit_log.c.at) == [RECENT]
    assert prune(store, POLICY, NOW) == {k: 0 for k in counts}  # nothing left past its age


def test_an_age_of_zero_keeps_for_ever_and_pause_stops_between_transactions(store: Store) -> None:
    with store.inbox_write() as conn:
        for i in range(5):
            _event(conn, f"old-{i}", "applied", OLD)
    keep_all = Retention(applied_events_days=0, failed_events_days=0, changes_days=0, deliveries_days=0,
                         audit_days=0)
    assert prune(store, keep_all, NOW) == {}
    pauses: list[int] = []
    counts = prune(store, POLICY, NOW, pause=lambda: pauses.append(1) is None)  # stop at the first pause
    assert counts["applied_events"] == POLICY.batch and len(pauses) == 1
    with store.inbox_read() as conn:
        assert conn.execute(select(func.count()).select_from(inbound_events)).scalar() == 5 - POLICY.batch


def _run(conn, tenant: str, run_id: str, job: uuid.UUID, at: datetime) -> None:  # type: ignore[no-untyped-def]
    conn.execute(insert(runs).values(
        tenant_id=tenant, run_id=run_id, job_id=job, state="COMPLETED", state_at=at, event_types=["COMPLETE"],
        facets={}, facet_times={}, inputs=[], outputs=[], first_event_at=at, last_event_at=at, created_at=at,
        updated_at=at))
    conn.execute(insert(run_io).values(tenant_id=tenant, run_id=run_id, asset_id=uuid.uuid4(), role="output",
                                       job_id=job, event_time=at))


def test_run_history_keeps_each_jobs_latest_run_and_the_recent_ones(store: Store) -> None:
    nightly, monthly = uuid.uuid4(), uuid.uuid4()
    with store.write() as conn:
        for i, day in enumerate((400, 300, 200)):
            _run(conn, "acme", f"nightly-{i}", nightly, NOW - timedelta(days=day))
        _run(conn, "acme", "nightly-recent", nightly, RECENT)
        _run(conn, "acme", "monthly-only", monthly, OLD)  # old, but its job's latest run
        _run(conn, "beta", "nightly-0", nightly, OLD)  # the same job id in another tenant: its latest
        _run(conn, "beta", "nightly-1", nightly, OLD + timedelta(days=1))

    counts = prune(store, Retention(applied_events_days=0, failed_events_days=0, changes_days=0, deliveries_days=0,
                                    audit_days=0, runs_days=90, batch=2), NOW)

    assert counts == {"runs": 4}
    with store.read() as conn:
        left = sorted(conn.execute(select(runs.c.tenant_id, runs.c.run_id)).all())
        assert left == [("acme", "monthly-only"), ("acme", "nightly-recent"), ("beta", "nightly-1")]
        assert sorted(conn.execute(select(run_io.c.tenant_id, run_io.c.run_id)).all()) == left
    assert prune(store, Retention(runs_days=90), NOW)["runs"] == 0
