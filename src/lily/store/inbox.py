"""The inbox: durable record of every accepted inbound event, its status, timings and touched assets.

Status machine (the worker owns every transition after ``received``)::

    received ──apply ok──▶ applied
        │  └──permanent error (bad payload, rejected operation)──▶ failed
        └──transient error──▶ received (later, backoff) ──retries exhausted──▶ dead
    applied | failed | dead ──replay──▶ received

With the local bus this table is also the queue (``claim_batch`` leases rows to workers). Only a
``received`` row is ever leased, and every transition out of ``received`` (settling, replay) clears
the lease in the same statement, so a row with a lease is a waiting row: the lease queries rely on
that instead of naming the status, which SQLite's planner (having no statistics) would otherwise
take as the most selective term and answer by scanning every waiting row.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from lily.store import bulk
from lily.store.tables_inbound import (
    inbound_applied,
    inbound_event_assets,
    inbound_events,
    inbound_source_configs,
)

RECEIVED, APPLIED, FAILED, DEAD = "received", "applied", "failed", "dead"
STATUSES = (RECEIVED, APPLIED, FAILED, DEAD)
SETTLED = (APPLIED, FAILED, DEAD)

_CLAIM_LOCK = 0x11F_1B0C  # advisory lock key for claim_batch on PostgreSQL
_ID_NAMESPACE = uuid.UUID("5d1c2b8e-4f0a-4b8e-9a51-7c1f3e2d9b60")


def event_id(tenant_id: str, source: str, key: str) -> uuid.UUID:
    """The id of an event: the same for every redelivery, on every bus, in every process."""
    return uuid.uuid5(_ID_NAMESPACE, f"{tenant_id}\x1f{source}\x1f{key}")


_INSERT = {name: module.insert(inbound_events).on_conflict_do_nothing()
           for name, module in (("sqlite", sqlite), ("postgresql", postgresql))}
# Built once per dialect: the accept path inserts on every request.
_INSERT_RETURNING = {name: stmt.returning(inbound_events.c.id) for name, stmt in _INSERT.items()}

# The columns of a received row (``InboundMessage.inbox_row``): rows with exactly these keys take
# the SQLite fast path of ``insert_received``.
RECEIVED_COLUMNS = ("id", "tenant_id", "source", "event_type", "idempotency_key", "partition", "payload",
                    "headers", "actor", "correlation_id", "status", "attempts", "available_at", "received_at")
_IN_CHUNK = 500  # ids per ``IN (...)`` (well under SQLite's bound-parameter limit)


def insert_received(conn: Connection, rows: Sequence[dict[str, Any]]) -> set[uuid.UUID]:
    """Insert new events; rows whose id (derived from tenant, source and key) is stored already are
    skipped (redeliveries).

    Returns the ids actually inserted. Rows go in order: of several rows with one id (or key), the
    first one that can be stored is.
    """
    if not rows:
        return set()
    prepared = prepare_received(conn.dialect, rows)
    if prepared is not None:
        return insert_prepared(conn, prepared)
    # PostgreSQL (concurrent writers: only RETURNING says which rows this statement inserted), or
    # rows relying on column defaults. SQLAlchemy batches the rows into multi-row statements.
    stmt = _INSERT_RETURNING[conn.dialect.name]
    if len(rows) == 1:
        return {r[0] for r in conn.execute(stmt, rows[0])}
    return {r[0] for r in conn.execute(stmt, list(rows))}


@dataclass(frozen=True)
class PreparedRows:
    """Received rows converted for SQLite's fast path (``prepare_received``), in order."""

    sql: str
    ids: dict[Any, uuid.UUID]  # stored form of an id → the id
    params: list[tuple[Any, ...]]  # column values as stored; the first is the stored id


def prepare_received(dialect: Any, rows: Sequence[dict[str, Any]]) -> PreparedRows | None:
    """The bind-parameter conversion of ``insert_received`` for SQLite, done before the write turn
    (it needs no database); None where only the general path applies."""
    if dialect.name != "sqlite" or not rows or any(len(r) != len(RECEIVED_COLUMNS) for r in rows):
        return None
    fast = bulk.plan(dialect, _INSERT["sqlite"], RECEIVED_COLUMNS)
    if fast is None or fast.names[0] != "id":
        raise RuntimeError(f"unexpected inbox insert plan {fast!r}")
    try:
        params = fast.rows(rows)  # one request's events share timestamps and headers: converted once
    except KeyError:
        return None
    ids: dict[Any, uuid.UUID] = {}
    for stored, row in zip(params, rows, strict=True):
        ids.setdefault(stored[0], row["id"])
    return PreparedRows(fast.sql, ids, params)


def insert_prepared(conn: Connection, rows: PreparedRows) -> set[uuid.UUID]:
    """SQLite: one ``SELECT id ... IN`` finds the ids already stored, one ``executemany`` of the plain
    INSERT (ON CONFLICT DO NOTHING, no RETURNING) stores the other rows in order. Exact because
    SQLite has one writer and the store's write transactions start with BEGIN IMMEDIATE: nothing can
    insert between the statements, so the rows inserted are the new ids present afterwards.
    """
    existing = _stored_ids(conn, list(rows.ids))
    params = [p for p in rows.params if p[0] not in existing]  # a redelivery: the INSERT would do nothing
    if not params:
        return set()
    inserted = bulk.driver_executemany(conn, rows.sql, params)
    candidates = {row[0] for row in params}
    if inserted == len(params):  # every row inserted (so their ids were distinct)
        return {rows.ids[h] for h in candidates}
    # Some rows did nothing (an id twice in the batch).
    return {rows.ids[h] for h in _stored_ids(conn, list(candidates))}


def _stored_ids(conn: Connection, stored: list[Any]) -> set[Any]:
    found: set[Any] = set()
    for start in range(0, len(stored), _IN_CHUNK):
        chunk = stored[start:start + _IN_CHUNK]
        marks = ", ".join("?" * len(chunk))
        found.update(r[0] for r in bulk.driver_query(conn, f"SELECT id FROM inbound_events WHERE id IN ({marks})",
                                                     tuple(chunk)))
    return found


def ensure_row(conn: Connection, row: dict[str, Any]) -> None:
    """Insert ``row`` unless the event is already recorded (a bus that carries events itself)."""
    conn.execute(_INSERT[conn.dialect.name], row)


# What a worker needs of a claimed row (``InboundMessage.from_row`` and the delivery).
_CLAIMED = ("seq", "id", "tenant_id", "source", "event_type", "idempotency_key", "partition", "payload", "headers",
            "actor", "correlation_id", "attempts", "received_at")


def _claim_statement() -> Any:
    # Built once: a worker claims on every cycle, and building Core statements cost more than running them.
    e = inbound_events
    now, owner = bindparam("now"), bindparam("owner")
    # No ``status`` term: only waiting rows hold leases (module docstring), and with one SQLite's
    # planner would walk every waiting row through the queue index instead of the leased ones.
    busy = select(e.c.partition).where(e.c.lease_until > now, e.c.lease_owner != owner)
    ready = (
        select(e.c.seq)
        .where(
            e.c.status == RECEIVED,
            e.c.available_at <= now,
            or_(e.c.lease_until.is_(None), e.c.lease_until <= now, e.c.lease_owner == owner),
            e.c.partition.not_in(busy),
        )
        .order_by(e.c.seq)
        .limit(bindparam("limit"))
    )
    return (update(e).where(e.c.seq.in_(ready.scalar_subquery()))
            .values(lease_owner=owner, lease_until=bindparam("until"), attempts=e.c.attempts + 1)
            .returning(*(e.c[name] for name in _CLAIMED)))


_CLAIM = _claim_statement()


def claim_batch(conn: Connection, owner: str, limit: int, lease: timedelta, now: datetime) -> list[dict[str, Any]]:
    """Lease up to ``limit`` ready events to ``owner``, oldest first (one statement).

    Partitions that another worker currently holds a lease in are skipped, so the events of one
    partition (one asset, job or incident) are never applied by two workers at once and keep their
    arrival order.
    """
    if conn.dialect.name == "postgresql":
        # Claims are short; serialising them keeps two workers from taking the same partition
        # in concurrent snapshots (SQLite writers are serialised already).
        conn.execute(select(func.pg_advisory_xact_lock(_CLAIM_LOCK)))
    rows = bulk.query_dicts(conn, _CLAIM, {"now": now, "owner": owner, "limit": limit, "until": now + lease})
    return sorted(rows, key=lambda r: r["seq"])  # RETURNING keeps no order


@dataclass
class Outcome:
    """How one event settled, written in the same transaction as its application."""

    status: str
    at: datetime
    attempts: int
    error: str | None = None
    note: str | None = None
    parse_ms: float | None = None
    enrich_ms: float | None = None
    apply_ms: float | None = None
    changes: int | None = None
    first_change_seq: int | None = None
    last_change_seq: int | None = None
    touched_assets: str | None = None  # ids of every asset the application touched (``touched_text``)


_SETTLED_COLUMNS = ("status", "error", "note", "attempts", "parse_ms", "enrich_ms", "apply_ms", "changes",
                    "first_change_seq", "last_change_seq", "touched_assets", "applied_at")


def touched_text(ids: Iterable[uuid.UUID]) -> str | None:
    """``Outcome.touched_assets`` of these asset ids (sorted, space-separated), None for none."""
    return " ".join(sorted(str(i) for i in set(ids))) or None


def touched(row: dict[str, Any], conn: Connection) -> list[uuid.UUID]:
    """The assets an event's application touched: from its row, or (events settled before rows
    kept them) from the asset index."""
    text = row.get("touched_assets")
    if text is None:
        return assets_of(conn, row["seq"])
    return [uuid.UUID(i) for i in text.split()]


def _finish_statement(leased: bool, returning: bool = True) -> Any:
    # Built once: the worker runs it for every event, and building Core statements is not free.
    e = inbound_events
    cond = [e.c.id == bindparam("b_id"), e.c.status == RECEIVED]
    if leased:
        cond.append(e.c.lease_owner == bindparam("b_owner"))
    values = {c: bindparam(f"v_{c}") for c in _SETTLED_COLUMNS}
    stmt = update(e).where(*cond).values(lease_owner=None, lease_until=None, **values)
    return stmt.returning(e.c.seq) if returning else stmt


_FINISH = {True: _finish_statement(True), False: _finish_statement(False)}
_FINISH_LEASED_MANY = _finish_statement(True, returning=False)
_ADD_ASSETS = insert(inbound_event_assets)


def finish(conn: Connection, eid: uuid.UUID, owner: str, outcome: Outcome, *, leased: bool, tenant_id: str,
           asset_ids: Iterable[uuid.UUID] = ()) -> int | None:
    """Settle ``eid`` in the caller's transaction (the one that applied it); its seq, or None when it
    is not ours to settle: already settled (a redelivery), or its lease (``leased``) went to another
    worker. On None the caller must roll back what it applied for this event.

    The conditional update also locks the row, so of two workers racing on one event (PostgreSQL)
    the second waits for the first to commit and then finds the row settled.
    """
    params = {"b_id": eid, "b_owner": owner, **{f"v_{c}": getattr(outcome, c, None) for c in _SETTLED_COLUMNS}}
    params["v_applied_at"] = outcome.at if outcome.status == APPLIED else None
    seq = conn.execute(_FINISH[leased], params).scalar()
    if seq is None:
        return None
    add_event_assets(conn, [(int(seq), tenant_id, asset_ids)])
    return int(seq)


def finish_leased(conn: Connection, owner: str, settled: Sequence[tuple[uuid.UUID, Outcome]]) -> bool:
    """Settle many events leased to ``owner`` with one statement (``finish`` for each, without the
    seq). False when not all of them were still ours to settle: the caller must roll back and settle
    them one by one. Only where the driver reports rows matched across an executemany."""
    return finish_prepared(conn, prepare_finish(conn.dialect, owner, settled))


def prepare_finish(dialect: Any, owner: str, settled: Sequence[tuple[uuid.UUID, Outcome]]) -> bulk.Batch:
    """``finish_leased``'s rows, converted without a connection (before taking the write turn)."""
    params = [{"b_id": eid, "b_owner": owner, **{f"v_{c}": getattr(outcome, c, None) for c in _SETTLED_COLUMNS},
               "v_applied_at": outcome.at if outcome.status == APPLIED else None} for eid, outcome in settled]
    return bulk.prepare(dialect, _FINISH_LEASED_MANY, params)


def finish_prepared(conn: Connection, batch: bulk.Batch) -> bool:
    return bulk.run(conn, batch) == len(batch.rows)


def add_event_assets(conn: Connection, events: Iterable[tuple[int, str, Iterable[uuid.UUID]]]) -> None:
    """Index settled events under the assets they touched: ``(event seq, tenant, asset ids)`` each,
    one insert. Callers pass a column's dataset, not the column (``Outcome.touched_assets`` lists
    the columns)."""
    bulk.run(conn, prepare_event_assets(conn.dialect, events))


def prepare_event_assets(dialect: Any, events: Iterable[tuple[int, str, Iterable[uuid.UUID]]]) -> bulk.Batch:
    """``add_event_assets``'s rows, converted without a connection."""
    rows = [{"event_seq": seq, "asset_id": a, "tenant_id": tenant}
            for seq, tenant, ids in events for a in sorted(set(ids))]
    return bulk.prepare(dialect, _ADD_ASSETS, rows)


# ------------------------------------------------------------- applied markers (inbox in its own file)

_MARK = insert(inbound_applied)
_MARKED = ("status", "attempts", "note", "parse_ms", "enrich_ms", "apply_ms", "changes", "first_change_seq",
           "last_change_seq", "touched_assets")  # the outcome's fields a marker keeps (and ``at``, the index ids)


def mark_applied(conn: Connection, marks: Iterable[tuple[uuid.UUID, str, Outcome, Iterable[uuid.UUID]]]) -> None:
    """Record in the catalog transaction that applied them: ``(event id, tenant, outcome, touched
    asset ids)`` each (``inbound_applied``), one insert."""
    rows = [{"event_id": eid, "tenant_id": tenant, "outcome": {
        **{c: getattr(outcome, c) for c in _MARKED}, "at": outcome.at.isoformat(),
        "assets": sorted(str(a) for a in set(assets))}} for eid, tenant, outcome, assets in marks]
    bulk.executemany(conn, _MARK, rows)


_MARKS = select(inbound_applied.c.event_id, inbound_applied.c.outcome).where(
    inbound_applied.c.event_id.in_(bindparam("ids", expanding=True)))


def applied_marks(conn: Connection, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, tuple[Outcome, list[uuid.UUID]]]:
    """The recorded outcome and touched assets of those of ``ids`` applied but not settled yet."""
    found: dict[uuid.UUID, tuple[Outcome, list[uuid.UUID]]] = {}
    for start in range(0, len(ids), _IN_CHUNK):
        for eid, stored in bulk.query(conn, _MARKS, {"ids": list(ids[start:start + _IN_CHUNK])}):
            fields = {c: stored.get(c) for c in _MARKED}
            outcome = Outcome(at=datetime.fromisoformat(stored["at"]), **fields)
            found[eid] = (outcome, [uuid.UUID(a) for a in stored.get("assets", [])])
    return found


def marked_ids(conn: Connection, limit: int = 10_000) -> list[uuid.UUID]:
    """Events with a marker (normally the last batch of each worker at most)."""
    return list(conn.execute(select(inbound_applied.c.event_id).limit(limit)).scalars())


def forget_applied(conn: Connection, ids: Sequence[uuid.UUID]) -> None:
    """Drop the markers of events whose inbox rows are settled (or put back for replay)."""
    m = inbound_applied
    for start in range(0, len(ids), _IN_CHUNK):
        conn.execute(delete(m).where(m.c.event_id.in_(list(ids[start:start + _IN_CHUNK]))))


def leases(conn: Connection, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, tuple[str, str | None]]:
    """``(status, lease owner)`` of the inbox rows of ``ids`` (those recorded)."""
    found: dict[uuid.UUID, tuple[str, str | None]] = {}
    for start in range(0, len(ids), _IN_CHUNK):
        rows = bulk.query(conn, _LEASES, {"ids": list(ids[start:start + _IN_CHUNK])})
        found.update((eid, (status, owner)) for eid, status, owner in rows)
    return found


_LEASES = select(inbound_events.c.id, inbound_events.c.status, inbound_events.c.lease_owner).where(
    inbound_events.c.id.in_(bindparam("ids", expanding=True)))


# Ids through the id index; the owner implies the status (module docstring).
_COUNT_LEASED = select(func.count()).select_from(inbound_events).where(
    inbound_events.c.id.in_(bindparam("ids", expanding=True)), inbound_events.c.lease_owner == bindparam("owner"))


def count_leased(conn: Connection, owner: str, ids: Sequence[uuid.UUID]) -> int:
    """How many of ``ids`` are still waiting and leased to ``owner``."""
    total = 0
    for start in range(0, len(ids), _IN_CHUNK):
        chunk = list(ids[start:start + _IN_CHUNK])
        total += int(bulk.query(conn, _COUNT_LEASED, {"ids": chunk, "owner": owner})[0][0])
    return total


def is_settled(conn: Connection, eid: uuid.UUID) -> bool:
    status = conn.execute(select(inbound_events.c.status).where(inbound_events.c.id == eid)).scalar()
    return status in SETTLED


def reschedule(conn: Connection, eid: uuid.UUID, owner: str, available_at: datetime, error: str) -> bool:
    """Give a leased event back for a later attempt (transient failure). False if the lease was lost."""
    e = inbound_events
    done = conn.execute(update(e).where(e.c.id == eid, e.c.status == RECEIVED, e.c.lease_owner == owner).values(
        lease_owner=None, lease_until=None, available_at=available_at, error=error)).rowcount
    return bool(done)


def release_owner(conn: Connection, owner: str) -> None:
    """Hand every event leased to ``owner`` back untouched (a worker shutting down)."""
    e = inbound_events
    conn.execute(update(e).where(e.c.lease_owner == owner, e.c.status == RECEIVED)
                 .values(lease_owner=None, lease_until=None))


# Through the partial index of leased rows (``lease_until IS NOT NULL``): as small as the work in
# flight, however long the backlog.
_LEASE_OWNERS = select(inbound_events.c.lease_owner).where(inbound_events.c.lease_until.is_not(None)).distinct()


def lease_owners(conn: Connection) -> list[str]:
    """Every worker holding a lease right now (or holding one that ran out and was not taken over)."""
    return [owner for owner in conn.execute(_LEASE_OWNERS).scalars() if owner is not None]


def release_owners(conn: Connection, owners: Sequence[str]) -> int:
    """Hand every event leased to ``owners`` back untouched (they no longer exist: killed workers);
    how many. The attempts (deliveries so far) are kept: the next delivery is one more, and looks
    for the applied-event marker an attempt may have left. Settled rows hold no lease, so only
    waiting rows change."""
    e = inbound_events
    released = 0
    for start in range(0, len(owners), _IN_CHUNK):
        chunk = list(owners[start:start + _IN_CHUNK])
        released += conn.execute(update(e).where(e.c.lease_until.is_not(None), e.c.lease_owner.in_(chunk))
                                 .values(lease_owner=None, lease_until=None)).rowcount or 0
    return released


def extend_leases(conn: Connection, owner: str, ids: Sequence[uuid.UUID], until: datetime) -> None:
    e = inbound_events
    conn.execute(update(e).where(e.c.id.in_(list(ids)), e.c.lease_owner == owner).values(lease_until=until))


def reset_for_replay(conn: Connection, tenant_id: str, eid: uuid.UUID, now: datetime) -> dict[str, Any] | None:
    """Put a settled event back to ``received`` (it will be parsed and applied again); None if there
    is no such settled event."""
    e = inbound_events
    seq = conn.execute(update(e).where(e.c.id == eid, e.c.tenant_id == tenant_id, e.c.status.in_(SETTLED)).values(
        status=RECEIVED, error=None, note=None, attempts=0, lease_owner=None, lease_until=None,
        available_at=now, applied_at=None).returning(e.c.seq)).scalar()
    if seq is None:
        return None
    # The next application records what it touches afresh.
    conn.execute(delete(inbound_event_assets).where(inbound_event_assets.c.event_seq == seq))
    return get_event(conn, tenant_id, eid)


# ------------------------------------------------------------------------------------------ reads

def get_event(conn: Connection, tenant_id: str, eid: uuid.UUID) -> dict[str, Any] | None:
    row = conn.execute(select(inbound_events).where(inbound_events.c.id == eid,
                                                    inbound_events.c.tenant_id == tenant_id)).mappings().first()
    return dict(row) if row else None


def get_by_id(conn: Connection, eid: uuid.UUID) -> dict[str, Any] | None:
    row = conn.execute(select(inbound_events).where(inbound_events.c.id == eid)).mappings().first()
    return dict(row) if row else None


@dataclass
class EventFilter:
    source: str | None = None
    event_type: str | None = None
    status: str | None = None
    asset_id: uuid.UUID | None = None
    asset_dataset: uuid.UUID | None = None  # the dataset of ``asset_id`` when it is a column
    since: datetime | None = None  # received_at >= since
    until: datetime | None = None  # received_at < until


def list_events(conn: Connection, tenant_id: str, flt: EventFilter, *, after: int | None = None,
                limit: int = 100, with_payload: bool = False) -> list[dict[str, Any]]:
    """A page of events, newest first; ``after`` is the seq cursor of the last row of the previous page."""
    e = inbound_events
    cols = [c for c in e.c if with_payload or c.name != "payload"]
    q = select(*cols).where(e.c.tenant_id == tenant_id)
    if flt.source:
        q = q.where(e.c.source == flt.source)
    if flt.event_type:
        q = q.where(e.c.event_type == flt.event_type)
    if flt.status:
        q = q.where(e.c.status == flt.status)
    if flt.since:
        q = q.where(e.c.received_at >= flt.since)
    if flt.until:
        q = q.where(e.c.received_at < flt.until)
    if flt.asset_id:
        q = q.where(_touching(tenant_id, flt.asset_id, flt.asset_dataset))
    if after is not None:
        q = q.where(e.c.seq < after)
    return [dict(r) for r in conn.execute(q.order_by(e.c.seq.desc()).limit(limit)).mappings()]


def _touching(tenant_id: str, asset: uuid.UUID, dataset: uuid.UUID | None) -> Any:
    """Events that touched ``asset``. A column is indexed under its dataset (``dataset``): of that
    dataset's events, those whose row lists the column; events settled before rows listed their
    assets were indexed under the column itself."""
    a, e = inbound_event_assets, inbound_events

    def indexed(aid: uuid.UUID) -> Any:
        return e.c.seq.in_(select(a.c.event_seq).where(a.c.tenant_id == tenant_id, a.c.asset_id == aid))

    if dataset is None:
        return indexed(asset)
    return or_(indexed(asset), and_(indexed(dataset), e.c.touched_assets.contains(str(asset), autoescape=True)))


def assets_of(conn: Connection, seq: int) -> list[uuid.UUID]:
    q = select(inbound_event_assets.c.asset_id).where(inbound_event_assets.c.event_seq == seq)
    return sorted((r[0] for r in conn.execute(q)), key=str)


def status_counts(conn: Connection, tenant_id: str | None = None) -> dict[str, int]:
    q = select(inbound_events.c.status, func.count()).group_by(inbound_events.c.status)
    if tenant_id is not None:
        q = q.where(inbound_events.c.tenant_id == tenant_id)
    return {status: int(n) for status, n in conn.execute(q)}


def queue_depth(conn: Connection) -> int:
    """Events accepted but not settled yet (waiting, leased or backing off)."""
    q = select(func.count()).select_from(inbound_events).where(inbound_events.c.status == RECEIVED)
    return int(conn.execute(q).scalar() or 0)


def oldest_waiting(conn: Connection) -> datetime | None:
    q = select(func.min(inbound_events.c.received_at)).where(inbound_events.c.status == RECEIVED)
    return conn.execute(q).scalar()


# ---------------------------------------------------------------------------- per-tenant source config

def get_source_config(conn: Connection, tenant_id: str, source: str) -> dict[str, Any] | None:
    c = inbound_source_configs
    row = conn.execute(select(c).where(c.c.tenant_id == tenant_id, c.c.source == source)).mappings().first()
    return dict(row) if row else None


def put_source_config(conn: Connection, tenant_id: str, source: str, *, secret_encrypted: str | None,
                      options: dict[str, Any], actor: str, at: datetime) -> None:
    c = inbound_source_configs
    values = {"secret_encrypted": secret_encrypted, "options": options, "updated_by": actor, "updated_at": at}
    done = conn.execute(update(c).where(c.c.tenant_id == tenant_id, c.c.source == source).values(**values)).rowcount
    if not done:
        conn.execute(insert(c).values(tenant_id=tenant_id, source=source, **values))
