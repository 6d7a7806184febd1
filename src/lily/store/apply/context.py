"""What the kind writers share while one change set is applied, and what applying it returns."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Table, select

from lily.model import AssetRef, ChangeKind, ChangeSet
from lily.store.apply_cache import ABSENT, ApplyCache

# Changes that add a record (a run, a quality result, an incident) without changing the catalog's
# assets, edges or tags: what a memo of catalog reads stays valid across (``CATALOG_EPOCH``).
_RECORDS_ONLY = frozenset((ChangeKind.RUN_UPDATED, ChangeKind.QUALITY_RECORDED, ChangeKind.INCIDENT_UPDATED))
# The key, in the transaction cache's memo (``ApplyCache.restated``), of how many catalog changes the
# cache has seen: a memo of catalog reads is valid while it is unchanged (and the cache itself is
# emptied whenever its rows may be stale: a savepoint rolled back, another writer's commit).
CATALOG_EPOCH = object()


class ApplyError(Exception):
    """An operation cannot be applied (the whole change set is rolled back)."""


class UnknownAsset(ApplyError):
    def __init__(self, ref: AssetRef) -> None:
        super().__init__(f"asset not found: {ref.qualified_name}")
        self.ref = ref


@dataclass
class PendingChange:
    """A state change waiting for its sequence number (given when the change rows are written)."""

    kind: ChangeKind
    entity_type: str
    entity_id: str
    asset_id: uuid.UUID | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass
class ApplyResult:
    changes: list[dict[str, Any]] = field(default_factory=list)
    first_seq: int | None = None
    last_seq: int | None = None
    asset_ids: dict[AssetRef, uuid.UUID] = field(default_factory=dict)


class ChangeSetContext:
    """One change set being applied on one connection: who, when, the transaction's row cache, and
    what it changed so far (change records, search documents to rebuild, the result)."""

    # Slots: the kind writers read these attributes many times per operation.
    __slots__ = ("actor", "at", "cache", "conn", "dirty_docs", "pending", "remember", "result", "tenant", "writes")

    def __init__(self, conn: Connection, cs: ChangeSet, at: datetime, cache: ApplyCache | None = None) -> None:
        self.conn = conn
        self.cache = cache if cache is not None else ApplyCache()
        # Restatements are remembered only in a cache that outlives this change set (the inbound
        # worker's): in one made for it alone the memo is never read again.
        self.remember = cache is not None
        self.tenant = cs.tenant_id
        self.actor = cs.actor
        self.at = at
        self.pending: list[PendingChange] = []
        self.dirty_docs: set[uuid.UUID] = set()
        self.result = ApplyResult()
        self.writes: Any = None  # asset rows held by a run of upserts (``assets.upsert_many``)

    def record(self, kind: ChangeKind, entity_type: str, entity_id: object, aid: uuid.UUID | None,
               before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
        self.pending.append(PendingChange(kind, entity_type, str(entity_id), aid, before, after))
        if kind not in _RECORDS_ONLY:
            memo = self.cache.restated
            memo[CATALOG_EPOCH] = memo.get(CATALOG_EPOCH, 0) + 1

    def cached(self, rows: dict[uuid.UUID, dict[str, Any]], table: Table, key: uuid.UUID) -> dict[str, Any] | None:
        """The row ``key`` of ``table`` through the transaction cache (read-only: callers copy it)."""
        cached = rows.get(key)
        if cached is None:
            found = self.conn.execute(select(table).where(table.c.id == key)).mappings().first()
            cached = dict(found) if found else ABSENT
            rows[key] = cached
        # Ids are UUIDv5 of (tenant, identity): another tenant's row cannot have this id, but check.
        return cached if cached is not ABSENT and cached["tenant_id"] == self.tenant else None


def as_json(value: Any) -> Any:
    """``value`` as a change record stores it: UUIDs and datetimes as strings, tuples as lists.

    Through the JSON codec the store writes with (orjson, non-string keys as strings), there and
    back: what a row stores is unchanged, and it cost a sixth of a crawl's apply as a Python walk
    (one snapshot per asset and version). A value orjson does not take is walked in Python."""
    try:
        return orjson.loads(orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS))
    except (TypeError, orjson.JSONEncodeError):
        return _walk(value)


def _walk(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _walk(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_walk(v) for v in value]
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value
