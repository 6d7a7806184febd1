"""``inbox.insert_received``: the SQLite fast path (SELECT existing ids + plain executemany) stores
exactly what the SQLAlchemy path (multi-row INSERT ... ON CONFLICT DO NOTHING RETURNING) stores, and
reports the same ids as inserted; PostgreSQL keeps the RETURNING path."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from sqlalchemy.dialects import sqlite

from lily.bus.base import InboundMessage
from lily.model.identity import event_id
from lily.store import Store, inbox
from lily.store.db import make_engine
from lily.store.tables_inbound import inbound_events

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


def _sqlalchemy_insert(conn: Any, rows: Sequence[dict[str, Any]]) -> set[uuid.UUID]:
    """The path every row took before the fast path (and PostgreSQL still takes)."""
    stmt = sqlite.insert(inbound_events).on_conflict_do_nothing().returning(inbound_events.c.id)
    return {r[0] for r in conn.execute(stmt, list(rows))}


def _raw_rows(engine: Engine) -> list[tuple[Any, ...]]:
    """The stored values as the driver returns them (no SQLAlchemy result processing)."""
    with engine.connect() as conn:
        return [tuple(r) for r in conn.exec_driver_sql("SELECT * FROM inbound_events ORDER BY seq")]


def _read_rows(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(inbound_events).order_by(inbound_events.c.seq)).mappings()]


@pytest.fixture(scope="module")
def engines() -> Iterator[tuple[Engine, Engine]]:
    """Two SQLite databases with the inbox table: one written by the fast path, one by SQLAlchemy."""
    with tempfile.TemporaryDirectory() as tmp:
        pair = []
        for name in ("fast", "reference"):
            engine = make_engine(f"sqlite:///{Path(tmp) / name}.db")
            inbound_events.create(engine)
            pair.append(engine)
        yield pair[0], pair[1]
        for engine in pair:
            engine.dispose()


def _clear(*engines: Engine) -> None:
    for engine in engines:
        with engine.begin() as conn:
            conn.execute(inbound_events.delete())


POOL = [uuid.UUID(int=n * 0x9E3779B97F4A7C15 + 1) for n in range(12)]  # few ids: duplicates are frequent
zones = st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-7, minutes=-30)), None])
datetimes = st.builds(
    lambda dt, tz: dt.replace(tzinfo=tz) if tz is not None else dt,
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1)), zones)
short_text = st.text(max_size=20)
headers = st.dictionaries(st.sampled_from(["content-type", "user-agent", "x-request-id", "ü"]), short_text, max_size=3)


@st.composite
def rows(draw: st.DrawFn) -> dict[str, Any]:
    eid = draw(st.sampled_from(POOL))
    # The key follows the id (as event_id makes it), except sometimes: a key already used by another id.
    key = draw(st.sampled_from(["shared-key", f"k-{eid.hex}"])) if draw(st.integers(0, 9)) == 0 else f"k-{eid.hex}"
    received = draw(datetimes)
    return {
        "id": eid, "tenant_id": draw(st.sampled_from(["default", "acme"])) if key == "shared-key" else "default",
        "source": "openlineage", "event_type": draw(st.none() | short_text), "idempotency_key": key,
        "partition": draw(st.integers(0, 2**31 - 1)), "payload": draw(st.binary(max_size=50)),
        "headers": draw(headers), "actor": draw(st.none() | short_text),
        "correlation_id": draw(st.none() | short_text), "status": draw(st.sampled_from(list(inbox.STATUSES))),
        "attempts": draw(st.integers(0, 5)), "available_at": received if draw(st.booleans()) else draw(datetimes),
        "received_at": received,
    }


@st.composite
def shared_objects(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Rows of one request: the same timestamp and headers objects (what the fast path memoises)."""
    at, kept = draw(datetimes), draw(headers)
    return [{**row, "received_at": at, "available_at": at, "headers": kept}
            for row in draw(st.lists(rows(), min_size=1, max_size=8))]


batches = st.lists(st.lists(rows(), max_size=8) | shared_objects(), min_size=1, max_size=4)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches=batches)
def test_fast_path_stores_what_sqlalchemy_stores(engines: tuple[Engine, Engine],
                                                 batches: list[list[dict[str, Any]]]) -> None:
    fast, reference = engines
    _clear(fast, reference)
    for batch in batches:
        with fast.begin() as conn:
            got = inbox.insert_received(conn, batch)
        with reference.begin() as conn:
            want = _sqlalchemy_insert(conn, batch) if batch else set()
        assert got == want  # inserted ids: duplicates in the batch and across batches alike
    assert _raw_rows(fast) == _raw_rows(reference)  # byte for byte, seq included
    assert _read_rows(fast) == _read_rows(reference)


def test_fast_path_values_round_trip(engines: tuple[Engine, Engine]) -> None:
    fast, _ = engines
    _clear(fast)
    message = InboundMessage(id=uuid.uuid4(), tenant_id="default", source="openlineage", key="k" * 64, partition=5,
                             payload=b'{"a": 1}', received_at=T0 + timedelta(microseconds=7),
                             event_type="RunEvent.COMPLETE", headers={"user-agent": "é"}, actor="api_key:x",
                             correlation_id="c")
    with fast.begin() as conn:
        assert inbox.insert_received(conn, [message.inbox_row()]) == {message.id}
    [row] = _read_rows(fast)
    assert InboundMessage.from_row(row) == message
    assert row["status"] == inbox.RECEIVED and row["attempts"] == 0 and row["available_at"] == message.received_at


def test_rows_without_every_column_take_the_sqlalchemy_path(engines: tuple[Engine, Engine]) -> None:
    fast, reference = engines
    _clear(fast, reference)
    eid = uuid.uuid4()
    row = {"id": eid, "tenant_id": "default", "source": "s", "idempotency_key": "k", "payload": b"{}",
           "available_at": T0, "received_at": T0}  # partition, headers, status, attempts: column defaults
    with fast.begin() as conn:
        assert inbox.insert_received(conn, [row]) == {eid}
    with reference.begin() as conn:
        assert _sqlalchemy_insert(conn, [row]) == {eid}
    assert _raw_rows(fast) == _raw_rows(reference)
    assert _read_rows(fast)[0]["headers"] == {} and _read_rows(fast)[0]["status"] == "received"


def test_large_batches_are_queried_in_chunks(engines: tuple[Engine, Engine]) -> None:
    fast, _ = engines
    _clear(fast)
    messages = [InboundMessage(id=uuid.uuid4(), tenant_id="default", source="s", key=f"{n:064x}", partition=0,
                               payload=b"{}", received_at=T0) for n in range(1200)]
    with fast.begin() as conn:
        assert inbox.insert_received(conn, [m.inbox_row() for m in messages[:700]]) == {m.id for m in messages[:700]}
    with fast.begin() as conn:
        assert inbox.insert_received(conn, [m.inbox_row() for m in messages]) == {m.id for m in messages[700:]}
    assert len(_raw_rows(fast)) == 1200


def test_insert_received_on_both_databases(database_url: str) -> None:
    store = Store.from_url(database_url)
    try:
        def message(n: int) -> InboundMessage:
            key = f"{n:064x}"
            return InboundMessage(id=event_id("default", "generic", key), tenant_id="default", source="generic",
                                  key=key, partition=n % 4, payload=b'{"n": %d}' % n, received_at=T0,
                                  headers={"user-agent": "t"}, actor="a", correlation_id=None)

        with store.inbox_write() as conn:
            assert inbox.insert_received(conn, [message(1).inbox_row(), message(2).inbox_row(),
                                                message(1).inbox_row()]) == {message(1).id, message(2).id}
        with store.inbox_write() as conn:
            assert inbox.insert_received(conn, [message(n).inbox_row() for n in (2, 3, 3)]) == {message(3).id}
        with store.inbox_write() as conn:
            assert inbox.insert_received(conn, []) == set()
        with store.inbox_read() as conn:
            got = [InboundMessage.from_row(inbox.get_event(conn, "default", message(n).id) or {}) for n in (1, 2, 3)]
        assert got == [message(1), message(2), message(3)]
    finally:
        store.dispose()
