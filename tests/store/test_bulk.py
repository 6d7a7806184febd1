"""``store.bulk``: the worker's executemany path hands the driver exactly the SQL and parameters
SQLAlchemy would (same statement text, same converted values per row), and stores the same rows;
its reads return what SQLAlchemy returns; statements it cannot take exactly fall back to SQLAlchemy.
The statements are built here with the shapes of the hot ones (inserts of whole rows, an update with
constants, expanding ``IN`` lists, an ``UPDATE ... RETURNING`` over a subquery)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, bindparam, event, func, insert, select, update
from sqlalchemy.sql import ClauseElement

from lily.bus.base import InboundMessage
from lily.store import bulk, inbox
from lily.store.db import make_engine
from lily.store.tables import audit_log, changes, tenants
from lily.store.tables_inbound import inbound_event_assets, inbound_events
from lily.store.tables_runs import run_io, runs

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)

texts = st.text(max_size=12)
maybe_text = st.none() | texts
moments = st.integers(0, 10**7).map(lambda s: T0 + timedelta(seconds=s, microseconds=s % 999_983))
json_values = st.recursive(st.none() | st.booleans() | st.integers(-10**6, 10**6) | texts,
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
                           max_leaves=8)
ids = st.uuids()


def _shared(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Values drawn from a small pool, so rows share objects (the plan converts a repeat once)."""
    return st.lists(strategy, min_size=1, max_size=3).flatmap(st.sampled_from)


def _rows(columns: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[list[dict[str, Any]]]:
    pooled = {name: _shared(s) for name, s in columns.items()}
    return st.lists(st.fixed_dictionaries(pooled), min_size=1, max_size=6)


CHANGE_ROWS = _rows({
    "tenant_id": texts, "seq": st.integers(1, 10**9), "kind": texts, "entity_type": texts,
    "entity_id": texts, "asset_id": st.none() | ids, "before": json_values, "after": json_values,
    "actor": texts, "cause_event_id": maybe_text, "correlation_id": maybe_text, "at": moments,
})
AUDIT_ROWS = _rows({
    "id": ids, "tenant_id": texts, "actor": texts, "action": texts, "entity_type": maybe_text,
    "entity_id": maybe_text, "correlation_id": maybe_text, "details": json_values, "at": moments,
})
FINISH_ROWS = _rows({
    "b_id": ids, "b_owner": texts, "v_status": texts, "v_error": maybe_text, "v_note": maybe_text,
    "v_attempts": st.integers(0, 9), "v_parse_ms": st.none() | st.floats(0, 1e4),
    "v_enrich_ms": st.none() | st.floats(0, 1e4), "v_apply_ms": st.none() | st.floats(0, 1e4),
    "v_changes": st.none() | st.integers(0, 99), "v_first_change_seq": st.none() | st.integers(0, 10**9),
    "v_last_change_seq": st.none() | st.integers(0, 10**9), "v_touched_assets": maybe_text,
    "v_applied_at": st.none() | moments,
})
EVENT_ASSET_ROWS = _rows({"event_seq": st.integers(1, 10**9), "asset_id": ids, "tenant_id": texts})


def _table_rows(table: Any) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Rows with a value for every column of ``table``, drawn by column type."""
    columns: dict[str, st.SearchStrategy[Any]] = {}
    for column in table.c:
        kind = type(column.type).__name__
        columns[column.key] = (moments if "Date" in kind else ids if "Uuid" in kind
                               else st.integers(0, 10**6) if "Integer" in kind
                               else json_values if "Json" in kind else texts)
        if column.nullable:
            columns[column.key] = st.none() | columns[column.key]
    return _rows(columns)


E = inbound_events
SETTLE = update(E).where(E.c.id == bindparam("b_id"), E.c.status == inbox.RECEIVED,
                         E.c.lease_owner == bindparam("b_owner")).values(
    lease_owner=None, lease_until=None, **{c: bindparam(f"v_{c}") for c in (
        "status", "error", "note", "attempts", "parse_ms", "enrich_ms", "apply_ms", "changes", "first_change_seq",
        "last_change_seq", "touched_assets", "applied_at")})
STATEMENTS: list[tuple[str, ClauseElement, st.SearchStrategy[list[dict[str, Any]]]]] = [
    ("changes", insert(changes), CHANGE_ROWS),
    ("audit", insert(audit_log), AUDIT_ROWS),
    ("inbox settle", SETTLE, FINISH_ROWS),
    ("event assets", insert(inbound_event_assets), EVENT_ASSET_ROWS),
    ("runs", insert(runs), _table_rows(runs)),
    ("run io", insert(run_io), _table_rows(run_io)),
]


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    engine = make_engine("sqlite://")  # no tables: only what reaches the driver is compared
    yield engine
    engine.dispose()


def _sent(engine: Engine, run: Any) -> list[tuple[str, Any]]:
    """(SQL, parameters) of every driver call ``run(conn)`` makes; the call itself may fail."""
    sent: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        sent.append((statement, [tuple(p) for p in parameters] if executemany else [tuple(parameters)]))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        # No tables here, so the execution fails after the capture: only what was sent is compared.
        with engine.connect() as conn, contextlib.suppress(Exception):
            run(conn)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    return sent


@pytest.mark.parametrize(("name", "stmt", "rows"), STATEMENTS, ids=[s[0] for s in STATEMENTS])
def test_plan_sends_what_sqlalchemy_sends(engine: Engine, name: str, stmt: ClauseElement,
                                          rows: st.SearchStrategy[list[dict[str, Any]]]) -> None:
    keys = _example_keys(rows)
    found = bulk.plan(engine.dialect, stmt, keys)
    assert found is not None, f"{name}: no fast plan"

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(rows)
    def check(batch: list[dict[str, Any]]) -> None:
        ours = [(found.sql, found.rows(batch))] if batch else []  # what bulk.executemany hands the driver
        reference = _sent(engine, lambda conn: conn.execute(stmt, batch))
        assert ours == reference

    check()


def _example_keys(strategy: st.SearchStrategy[list[dict[str, Any]]]) -> list[str]:
    found: list[str] = []

    @settings(max_examples=1, deadline=None)
    @given(strategy)
    def grab(batch: list[dict[str, Any]]) -> None:
        found[:] = list(batch[0])

    grab()
    return found


def test_rows_are_stored_as_sqlalchemy_stores_them(tmp_path: Any) -> None:
    """On real tables: the same rows read back, whichever path wrote them (types round-trip)."""
    engines = []
    for name in ("bulk", "reference"):
        e = make_engine(f"sqlite:///{tmp_path / name}.db")
        for table in (tenants, changes, audit_log, inbound_events, inbound_event_assets):
            table.create(e)
        engines.append(e)
    change_rows = [{"tenant_id": "t", "seq": i, "kind": "asset.created", "entity_type": "asset",
                    "entity_id": str(i), "asset_id": uuid.UUID(int=i), "before": None,
                    "after": {"name": f"a{i}", "n": [i, None]}, "actor": "worker", "cause_event_id": None,
                    "correlation_id": "c", "at": T0} for i in range(1, 6)]
    audit_rows = [{"id": uuid.UUID(int=100 + i), "tenant_id": "t", "actor": "worker", "action": "apply",
                   "entity_type": None, "entity_id": None, "correlation_id": None,
                   "details": {"changes": i}, "at": T0 + timedelta(microseconds=i)} for i in range(3)]
    for e, many in zip(engines, (bulk.executemany, lambda c, s, r: c.execute(s, r)), strict=True):
        with e.begin() as conn:
            conn.execute(insert(tenants).values(id="t", name="t", created_at=T0))
            many(conn, insert(changes), change_rows)
            many(conn, insert(audit_log), audit_rows)
    read = []
    for e in engines:
        with e.connect() as conn:
            read.append(([dict(r) for r in conn.execute(select(changes).order_by(changes.c.seq)).mappings()],
                         [dict(r) for r in conn.execute(select(audit_log).order_by(audit_log.c.id)).mappings()]))
        e.dispose()
    assert read[0] == read[1]
    assert read[0][0][0]["after"] == {"name": "a1", "n": [1, None]} and read[0][0][0]["at"] == T0


def test_rowcount_counts_matched_rows(engine: Engine, tmp_path: Any) -> None:
    """``inbox.settle`` relies on it: rows not matched (lease moved on) are not counted."""
    e = make_engine(f"sqlite:///{tmp_path / 'inbox'}.db")
    inbound_events.create(e)
    inbound_event_assets.create(e)
    mine, theirs = uuid.uuid4(), uuid.uuid4()
    with e.begin() as conn:
        for eid, owner in ((mine, "me"), (theirs, "other")):
            conn.execute(insert(inbound_events).values(
                id=eid, tenant_id="t", source="s", event_type="x", idempotency_key=str(eid), payload=b"{}",
                status=inbox.RECEIVED, lease_owner=owner, received_at=T0, available_at=T0))
        outcome = inbox.Outcome(status=inbox.APPLIED, at=T0, attempts=1)
        assert inbox.settle(conn, "me", [inbox.Settle(mine, "t", outcome)]) is True
        conn.rollback()
    with e.begin() as conn:
        assert inbox.settle(conn, "me", [inbox.Settle(mine, "t", outcome), inbox.Settle(theirs, "t", outcome)]) is False
    e.dispose()


def test_expanding_in_and_column_defaults_fall_back(engine: Engine) -> None:
    by_ids = update(inbound_events).where(inbound_events.c.id.in_(bindparam("ids", expanding=True)))
    assert bulk.plan(engine.dialect, by_ids.values(note="x"), ["ids"]) is None
    # ``partition`` has a column default: an INSERT without it computes it per row in SQLAlchemy.
    assert bulk.plan(engine.dialect, insert(inbound_events), ["id", "tenant_id"]) is None
    row = InboundMessage(id=uuid.uuid4(), tenant_id="t", source="s", key="k", partition=1, payload=b"{}",
                         received_at=T0).inbox_row()
    assert bulk.plan(engine.dialect, insert(inbound_events), list(row)) is not None


# The shapes of the worker's reads: lease checks, run look-ups, the claim.
COUNT_LEASED = select(func.count()).select_from(E).where(E.c.id.in_(bindparam("ids", expanding=True)),
                                                         E.c.lease_owner == bindparam("owner"))
LEASES = select(E.c.id, E.c.status, E.c.lease_owner).where(E.c.id.in_(bindparam("ids", expanding=True)))
RUNS_BY_KEYS = select(runs).where(runs.c.tenant_id == bindparam("tenant"),
                                  runs.c.run_id.in_(bindparam("run_ids", expanding=True)))
_READY = (select(E.c.seq).where(E.c.status == inbox.RECEIVED, E.c.available_at <= bindparam("now"),
                                E.c.lease_owner.is_(None) | (E.c.lease_owner == bindparam("owner")))
          .order_by(E.c.seq).limit(bindparam("limit")))
CLAIM = (update(E).where(E.c.seq.in_(_READY.scalar_subquery()))
         .values(lease_owner=bindparam("owner"), lease_until=bindparam("until"), attempts=E.c.attempts + 1)
         .returning(E.c.seq, E.c.id, E.c.received_at, E.c.headers, E.c.attempts))


def _inbox_rows(n: int) -> list[dict[str, Any]]:
    return [{"id": uuid.UUID(int=1000 + i), "tenant_id": "t", "source": "s", "event_type": None,
             "idempotency_key": str(i), "partition": i % 3, "payload": b'{"n": %d}' % i,
             "headers": {"user-agent": "x"} if i % 2 else {}, "actor": None, "correlation_id": "c",
             "status": inbox.RECEIVED, "attempts": 0, "available_at": T0, "received_at": T0 + timedelta(seconds=i),
             "lease_owner": "me" if i % 4 == 0 else None} for i in range(n)]


@settings(max_examples=40, deadline=None)
@given(picked=st.lists(st.integers(0, 29), max_size=12), owner=st.sampled_from(["me", "other"]))
def test_query_returns_what_sqlalchemy_returns(tmp_path_factory: Any, picked: list[int], owner: str) -> None:
    """The read plans (the worker's lease checks, marker and run look-ups) return the rows and the
    converted values SQLAlchemy returns, for every length of their IN lists (empty included)."""
    e = make_engine(f"sqlite:///{tmp_path_factory.mktemp('q') / 'inbox'}.db")
    for table in (tenants, inbound_events, runs):
        table.create(e)
    try:
        with e.begin() as conn:
            conn.execute(insert(inbound_events), _inbox_rows(30))
            conn.execute(insert(tenants).values(id="t", name="t", created_at=T0, change_seq=7))
            conn.execute(insert(runs), [{
                "tenant_id": "t", "run_id": str(i), "job_id": uuid.UUID(int=i), "job_version": i, "state": "RUNNING",
                "state_at": T0, "event_types": ["START"], "started_at": T0, "ended_at": None,
                "nominal_start_time": None, "nominal_end_time": None, "facets": {"f": {"n": i}}, "facet_times": {},
                "parent_run_id": None, "inputs": [{"namespace": "n", "name": "a"}], "outputs": [],
                "first_event_at": T0, "last_event_at": T0, "created_at": T0, "updated_at": T0} for i in range(5)])
        with e.begin() as conn:
            ids = [uuid.UUID(int=1000 + i) for i in picked]
            cases = [(COUNT_LEASED, {"ids": ids, "owner": owner}), (LEASES, {"ids": ids}),
                     (RUNS_BY_KEYS, {"tenant": "t", "run_ids": [str(i) for i in picked]}),
                     (select(tenants.c.id, tenants.c.change_seq), {})]
            for stmt, values in cases:
                assert bulk.query(conn, stmt, values) == [tuple(r) for r in conn.execute(stmt, values)]
            # A claim (UPDATE ... RETURNING): the same rows with the same values as SQLAlchemy's.
            claim = {"now": T0 + timedelta(hours=1), "owner": owner, "limit": len(picked) or 1,
                     "until": T0 + timedelta(hours=2)}
            ours = bulk.query_dicts(conn, CLAIM, claim)
            conn.rollback()
        with e.begin() as conn:
            reference = [dict(r) for r in conn.execute(CLAIM, claim).mappings()]
        assert sorted(ours, key=lambda r: r["seq"]) == sorted(reference, key=lambda r: r["seq"])
        assert ours and isinstance(ours[0]["id"], uuid.UUID) and ours[0]["received_at"].tzinfo is not None
    finally:
        e.dispose()
