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
from lily.store.chunks import chunked
from lily.store.rows import first_dict, given, upsert
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

# Built once per dialect (statement construction costs more than these statements): an event whose
# id is stored already is a redelivery, and inserting it does nothing.
_INSERT = {name: module.insert(inbound_events).on_conflict_do_nothing()
           for name, module in (("sqlite", sqlite), ("postgresql", postgresql))}
_INSERT_RETURNING = {name: stmt.returning(inbound_events.c.id) for name, stmt in _INSERT.items()}
_NEWEST = select(inbound_events.c.id).order_by(inbound_events.c.seq.desc()).limit(bindparam("n"))


# ------------------------------------------------------------------------------------------ accept

def insert_received(conn: Connection, rows: Sequence[dict[str, Any]]) -> set[uuid.UUID]:
    """Insert new events; rows whose id (derived from tenant, source and key) is stored already are
    skipped (redeliveries). Returns the ids actually inserted; of several rows with one id, the
    first one is stored.

    SQLite: one ``executemany`` of the INSERT (ON CONFLICT DO NOTHING, without RETURNING) stores
    the new rows in order; if it stored fewer than there are ids (redeliveries), the rows it stored
    are the last ones. Exact because SQLite has one writer and the store's write transactions begin
    IMMEDIATE: nothing else inserts meanwhile, so the new rows took the next seqs. PostgreSQL has
    concurrent writers, so only RETURNING says which rows this statement inserted."""
    if not rows:
        return set()
    if conn.dialect.name != "sqlite":
        return {r[0] for r in conn.execute(_INSERT_RETURNING[conn.dialect.name], list(rows))}
    ids = {r["id"] for r in rows}
    inserted = bulk.executemany(conn, _INSERT["sqlite"], rows)  # one request's rows share objects: converted once
    if inserted == len(ids):
        return ids
    return {r[0] for r in bulk.query(conn, _NEWEST, {"n": inserted})} if inserted else set()


# ------------------------------------------------------------------------------------------- claim

def _claim_statement() -> Any:
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
    claimed = ("seq", "id", "tenant_id", "source", "event_type", "idempotency_key", "partition", "payload",
               "headers", "actor", "correlation_id", "attempts", "received_at")
    return (update(e).where(e.c.seq.in_(ready.scalar_subquery()))
            .values(lease_owner=owner, lease_until=bindparam("until"), attempts=e.c.attempts + 1)
            .returning(*(e.c[name] for name in claimed)))


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


# ------------------------------------------------------------------------------------------ settle

@dataclass
class Outcome:
    """How one event settled: the row's settled columns, and the assets it is listed under."""

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
    indexed: frozenset[uuid.UUID] = frozenset()  # ``inbound_event_assets``: a column under its dataset


@dataclass(frozen=True)
class Settle:
    """One event whose inbox row is to be settled."""

    id: uuid.UUID
    tenant_id: str
    outcome: Outcome
    seq: int | None = None  # the row's seq, when the caller read it (a claim): not looked up
    received: dict[str, Any] | None = None  # a bus carrying events itself: the row, inserted if missing


_SETTLED_COLUMNS = ("status", "error", "note", "attempts", "parse_ms", "enrich_ms", "apply_ms", "changes",
                    "first_change_seq", "last_change_seq", "touched_assets")


def _finish_statement(leased: bool) -> Any:
    e = inbound_events
    cond = [e.c.id == bindparam("b_id"), e.c.status == RECEIVED]
    if leased:
        cond.append(e.c.lease_owner == bindparam("b_owner"))
    values = {c: bindparam(f"v_{c}") for c in (*_SETTLED_COLUMNS, "applied_at")}
    return update(e).where(*cond).values(lease_owner=None, lease_until=None, **values)


_FINISH = {leased: _finish_statement(leased) for leased in (True, False)}
_SEQS = select(inbound_events.c.id, inbound_events.c.seq).where(
    inbound_events.c.id.in_(bindparam("ids", expanding=True)))
_INDEX = insert(inbound_event_assets)


def settle(conn: Connection, owner: str | None, events: Sequence[Settle]) -> bool:
    """Settle the events' rows in the caller's transaction (one statement), all or none: False when
    a row was not ``owner``'s to settle (settled already; with an ``owner``, leased to another
    worker or handed back), and the caller must roll back what it did for them.

    The conditional update also locks the rows, so of two workers racing on one event (PostgreSQL)
    the second waits for the first to commit and then finds the row settled.
    """
    bulk.executemany(conn, _INSERT[conn.dialect.name], [e.received for e in events if e.received is not None])
    finish = [{"b_id": e.id, "b_owner": owner, "v_applied_at": e.outcome.at if e.outcome.status == APPLIED else None,
               **{f"v_{c}": getattr(e.outcome, c) for c in _SETTLED_COLUMNS}} for e in events]
    if bulk.executemany(conn, _FINISH[owner is not None], finish) != len(events):
        return False
    seqs: dict[uuid.UUID, int] = {}  # the rows' seqs the caller did not read (not claimed here)
    for chunk in chunked([e.id for e in events if e.outcome.indexed and e.seq is None]):
        seqs.update(bulk.query(conn, _SEQS, {"ids": list(chunk)}))
    bulk.executemany(conn, _INDEX, _index_rows(events, seqs))
    return True


def _index_rows(events: Sequence[Settle], seqs: dict[uuid.UUID, int]) -> list[dict[str, Any]]:
    return [{"event_seq": e.seq if e.seq is not None else seqs[e.id], "asset_id": a, "tenant_id": e.tenant_id}
            for e in events for a in sorted(e.outcome.indexed)]


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


# ------------------------------------------------------ applied-event markers (an inbox file apart)

_MARK = insert(inbound_applied)
_MARKED = ("status", "attempts", "note", "parse_ms", "enrich_ms", "apply_ms", "changes", "first_change_seq",
           "last_change_seq", "touched_assets")  # the outcome's fields a marker keeps (and ``at``, the index ids)
_MARKS = select(inbound_applied.c.event_id, inbound_applied.c.outcome).where(
    inbound_applied.c.event_id.in_(bindparam("ids", expanding=True)))
_MARKED_IDS = select(inbound_applied.c.event_id).limit(bindparam("limit"))
_FORGET = delete(inbound_applied).where(inbound_applied.c.event_id == bindparam("id"))
_FORGET_MARKER = delete(inbound_applied).where(inbound_applied.c.event_id == bindparam("event_id"),
                                               inbound_applied.c.outcome == bindparam("outcome"))


def marker(eid: uuid.UUID, tenant_id: str, outcome: Outcome) -> dict[str, Any]:
    """The marker row of an event applied with ``outcome`` (``inbound_applied``)."""
    return {"event_id": eid, "tenant_id": tenant_id, "outcome": {
        **{c: getattr(outcome, c) for c in _MARKED}, "at": outcome.at.isoformat(),
        "assets": sorted(str(a) for a in outcome.indexed)}}


def mark_applied(conn: Connection, markers: Sequence[dict[str, Any]]) -> None:
    """Record markers in the catalog transaction that applied their events."""
    bulk.executemany(conn, _MARK, markers)


def forget_markers(conn: Connection, markers: Sequence[dict[str, Any]]) -> None:
    """Drop these very markers: a marker written since for the same event (a replay applied it
    again) records another application time, and stays."""
    bulk.executemany(conn, _FORGET_MARKER, [{"event_id": m["event_id"], "outcome": m["outcome"]} for m in markers])


def applied_marks(conn: Connection, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Outcome]:
    """The recorded outcomes of those of ``ids`` that have a marker."""
    found: dict[uuid.UUID, Outcome] = {}
    for chunk in chunked(ids):
        for eid, stored in bulk.query(conn, _MARKS, {"ids": list(chunk)}):
            found[eid] = Outcome(at=datetime.fromisoformat(stored["at"]), **{c: stored.get(c) for c in _MARKED},
                                 indexed=frozenset(uuid.UUID(a) for a in stored.get("assets", [])))
    return found


def marked_ids(conn: Connection, limit: int = 10_000) -> list[uuid.UUID]:
    """Events with a marker."""
    return [r[0] for r in bulk.query(conn, _MARKED_IDS, {"limit": limit})]


def forget_applied(conn: Connection, ids: Sequence[uuid.UUID]) -> None:
    """Drop the markers of ``ids``."""
    bulk.executemany(conn, _FORGET, [{"id": eid} for eid in ids])


# ------------------------------------------------------------------------------------------ leases

_LEASES = select(inbound_events.c.id, inbound_events.c.status, inbound_events.c.lease_owner).where(
    inbound_events.c.id.in_(bindparam("ids", expanding=True)))
# Ids through the id index; the owner implies the status (module docstring).
_COUNT_LEASED = select(func.count()).select_from(inbound_events).where(
    inbound_events.c.id.in_(bindparam("ids", expanding=True)), inbound_events.c.lease_owner == bindparam("owner"))
# Through the partial index of leased rows (``lease_until IS NOT NULL``): as small as the work in
# flight, however long the backlog.
_LEASE_OWNERS = select(inbound_events.c.lease_owner).where(inbound_events.c.lease_until.is_not(None)).distinct()


def leases(conn: Connection, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, tuple[str, str | None]]:
    """``(status, lease owner)`` of the inbox rows of ``ids`` (those recorded)."""
    found: dict[uuid.UUID, tuple[str, str | None]] = {}
    for chunk in chunked(ids):
        found.update((eid, (status, owner)) for eid, status, owner in bulk.query(conn, _LEASES, {"ids": list(chunk)}))
    return found


def count_leased(conn: Connection, owner: str, ids: Sequence[uuid.UUID]) -> int:
    """How many of ``ids`` are still waiting and leased to ``owner``."""
    return sum(int(bulk.query(conn, _COUNT_LEASED, {"ids": list(chunk), "owner": owner})[0][0])
               for chunk in chunked(ids))


def reschedule(conn: Connection, eid: uuid.UUID, owner: str, available_at: datetime, error: str) -> bool:
    """Give a leased event back for a later attempt (transient failure). False if the lease was lost."""
    e = inbound_events
    done = conn.execute(update(e).where(e.c.id == eid, e.c.status == RECEIVED, e.c.lease_owner == owner).values(
        lease_owner=None, lease_until=None, available_at=available_at, error=error)).rowcount
    return bool(done)


def lease_owners(conn: Connection) -> list[str]:
    """Every worker holding a lease right now (or holding one that ran out and was not taken over)."""
    return [owner for owner in conn.execute(_LEASE_OWNERS).scalars() if owner is not None]


def release_owners(conn: Connection, owners: Sequence[str]) -> int:
    """Hand every event leased to ``owners`` back untouched (a worker shutting down, workers found
    dead); how many. The attempts (deliveries so far) are kept: the next delivery is one more.
    Settled rows hold no lease, so only waiting rows change."""
    e = inbound_events
    released = 0
    for chunk in chunked(owners):
        released += conn.execute(update(e).where(e.c.lease_until.is_not(None), e.c.lease_owner.in_(list(chunk)))
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
    return first_dict(conn, select(inbound_events).where(inbound_events.c.id == eid,
                                                         inbound_events.c.tenant_id == tenant_id))


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
    q = select(*cols).where(e.c.tenant_id == tenant_id).filter_by(
        **given(source=flt.source, event_type=flt.event_type, status=flt.status))
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


def queue_depth(conn: Connection) -> int:
    """Events accepted but not settled yet (waiting, leased or backing off)."""
    q = select(func.count()).select_from(inbound_events).where(inbound_events.c.status == RECEIVED)
    return int(conn.execute(q).scalar() or 0)


# ---------------------------------------------------------------------------- per-tenant source config

def get_source_config(conn: Connection, tenant_id: str, source: str) -> dict[str, Any] | None:
    c = inbound_source_configs
    return first_dict(conn, select(c).where(c.c.tenant_id == tenant_id, c.c.source == source))


def put_source_config(conn: Connection, tenant_id: str, source: str, *, secret_encrypted: str | None,
                      options: dict[str, Any], actor: str, at: datetime) -> None:
    upsert(conn, inbound_source_configs, {
        "tenant_id": tenant_id, "source": source, "secret_encrypted": secret_encrypted, "options": options,
        "updated_by": actor, "updated_at": at}, ["tenant_id", "source"])
