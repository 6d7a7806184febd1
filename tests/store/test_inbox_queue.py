"""The local bus's queue statements stay independent of the backlog: a claim walks the waiting rows in
arrival order and stops at its limit, other workers' partitions come from the rows leased right now,
and a lease check looks its ids up by id (SQLite's planner has no statistics to go by)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, inspect

from lily.bus.base import InboundMessage
from lily.model.identity import event_id
from lily.store import Store, inbox
from lily.store.inbox_db import inbox_path
from lily.store.tables_inbound import inbound_events

NOW = datetime(2026, 1, 5, tzinfo=UTC)
INDEXES = {ix.name for ix in inbound_events.indexes}


def message(i: int) -> InboundMessage:
    key = f"k{i}"
    return InboundMessage(id=event_id("default", "generic", key), tenant_id="default", source="generic",
                          key=key, partition=i % 8, payload=b'{"n": 1}', received_at=NOW)


def plan(conn: Connection, run: Callable[[Connection], object], word: str) -> str:
    """SQLite's query plan of the statement ``run(conn)`` sends that names ``word`` (values do not
    change a plan, only which terms there are)."""
    sent: list[str] = []
    driver = conn.connection.driver_connection  # what reaches SQLite, whichever path sent it
    driver.set_trace_callback(sent.append)
    try:
        run(conn)
    finally:
        driver.set_trace_callback(None)
    [sql] = [s for s in sent if word in s]
    rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", (None,) * sql.count("?")).all()
    return "\n".join(str(r[-1]) for r in rows)


def test_claims_and_lease_checks_do_not_scan_the_backlog(file_store: Store) -> None:
    with file_store.inbox_write() as conn:
        inbox.insert_received(conn, [message(i).inbox_row() for i in range(2000)])
        claimed = inbox.claim_batch(conn, "w1", 10, timedelta(seconds=30), NOW)
        # Oldest first, one statement, however long the backlog behind them.
        assert [r["seq"] for r in claimed] == sorted(r["seq"] for r in claimed) and len(claimed) == 10
        ids = [r["id"] for r in claimed]
        claim = plan(conn, lambda c: inbox.claim_batch(c, "w9", 1, timedelta(seconds=30), NOW), "UPDATE")
        count = plan(conn, lambda c: inbox.count_leased(c, "w1", ids), "count")
        assert inbox.count_leased(conn, "w1", ids) == 10
        assert inbox.count_leased(conn, "w2", ids) == 0
    assert "ix_inbound_events_queue (status=?)" in claim, claim
    assert "ix_inbound_events_leased (lease_until>?)" in claim, claim
    assert "TEMP B-TREE" not in claim, claim  # no sort of the backlog
    assert "sqlite_autoindex_inbound_events_1 (id=?)" in count, count


def test_the_leases_of_other_workers_keep_their_partitions(file_store: Store) -> None:
    with file_store.inbox_write() as conn:
        inbox.insert_received(conn, [message(i).inbox_row() for i in range(40)])
        first = inbox.claim_batch(conn, "w1", 4, timedelta(seconds=30), NOW)
        second = inbox.claim_batch(conn, "w2", 40, timedelta(seconds=30), NOW)
        held = {r["partition"] for r in first}
        assert second and not held & {r["partition"] for r in second}
        # A settled event gives its lease up: its partition is free again.
        for row in first:
            outcome = inbox.Outcome(inbox.APPLIED, NOW, 1)
            assert inbox.settle(conn, "w1", [inbox.Settle(row["id"], "default", outcome, seq=row["seq"])])
        third = inbox.claim_batch(conn, "w3", 40, timedelta(seconds=30), NOW)
        assert {r["partition"] for r in third} == held


def assert_current_inbox(conn: Connection) -> None:
    """The inbox table has this Lily's columns and indexes, and none it retired."""
    names = {ix["name"] for ix in inspect(conn).get_indexes("inbound_events")}
    columns = {c["name"] for c in inspect(conn).get_columns("inbound_events")}
    assert names >= INDEXES and "ix_inbound_events_ready" not in names
    assert columns == {c.name for c in inbound_events.columns}


def test_migrated_catalogs_have_the_inbox_columns_and_indexes(database_url: str) -> None:
    store = Store.from_url(database_url)
    try:
        with store.engine.connect() as conn:
            assert_current_inbox(conn)
    finally:
        store.dispose()


def test_an_inbox_file_of_an_older_lily_gets_the_columns_and_indexes_of_this_one(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'lily.db'}"
    store = Store.from_url(url, migrate=True)
    store.dispose()
    path = inbox_path(store.engine)
    assert path is not None
    old = Store.from_url(url)
    with old.inbox_write() as conn:  # the indexes as an older Lily made them
        conn.exec_driver_sql("DROP INDEX ix_inbound_events_queue")
        conn.exec_driver_sql("DROP INDEX ix_inbound_events_leased")
        conn.exec_driver_sql("CREATE INDEX ix_inbound_events_ready ON inbound_events (status, available_at)")
        conn.exec_driver_sql("ALTER TABLE inbound_events DROP COLUMN touched_assets")
    old.dispose()
    again = Store.from_url(url)
    try:
        with again.inbox_read() as conn:
            assert_current_inbox(conn)
    finally:
        again.dispose()
