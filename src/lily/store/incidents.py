"""Incidents from monitoring tools: upsert by (tenant, source, external id), timeline, reads.

The incident's fields are a *fold of its timeline*: every distinct update is kept (ordered by
``observed_at``) with what it sets, and title/status/severity/owner/link/affected/unresolved are
recomputed from the whole timeline on each update. So updates applied in any order give the same
incident, and applying an update again changes nothing.

Dedupe rule: an update's identity is the sha256 of its ``update`` body without ``observed_at``.
The body carries the update's own time when the tool sent one (Monte Carlo: ``updated_time`` and
the like), so an update is a duplicate only when everything, its time included, matches: an alert
re-opened after ``fixed`` (``investigating`` again, later ``updated_time``) is a new entry and the
fold re-opens the incident. ``observed_at`` itself stays out: without a time of its own an update is
observed when received, which differs on a redelivery. This is the same rule as the Monte Carlo
idempotency key. Re-applying a known update (e.g. a replay after the table mapping changed) replaces
its entry, keeping the earliest ``observed_at``.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, and_, bindparam, delete, insert, select, update

from lily.model import AssetRef, UpsertIncident, asset_id, stable_id
from lily.store import bulk
from lily.store.blast_radius import enrichment
from lily.store.rows import first_dict, given, jsonable, utc
from lily.store.tables_runs import incident_assets, incidents

FIELDS = ("title", "status", "severity", "owner", "link")
# Every update of an incident reads and rewrites its row: prebuilt, through store.bulk's driver-level
# plan (SQLAlchemy's execution of a fresh select/insert/update per update cost more than SQLite;
# issue 19's Monte Carlo corpus).
_BY_ID = select(incidents).where(incidents.c.id == bindparam("id"))
_INSERT = insert(incidents)
_UPDATE = update(incidents).where(incidents.c.id == bindparam("k_id"))
_ASSETS_OF = select(incident_assets.c.asset_id).where(incident_assets.c.incident_id == bindparam("iid"))
_INSERT_ASSET = insert(incident_assets)


def incident_id(tenant: str, source: str, external_id: str) -> uuid.UUID:
    return stable_id(tenant, "incident", source, external_id)


def update_id(update: dict[str, Any]) -> str:
    body = {k: v for k, v in update.items() if k != "observed_at"}
    return hashlib.sha256(orjson.dumps(jsonable(body), option=orjson.OPT_SORT_KEYS)).hexdigest()[:32]


def entry_of(op: UpsertIncident) -> dict[str, Any]:
    """The timeline entry of one update: what it sets, what it names, and the update as received."""
    sets: dict[str, Any] = {name: getattr(op, name) for name in ("title", "status", "owner", "link")
                            if getattr(op, name) is not None}
    # Monte Carlo: the key present with null means "unmarked as incident" and clears the severity.
    if "declared_alert_severity" in op.update:
        value = op.update["declared_alert_severity"]
        sets["severity"] = None if value is None else str(value)
    elif op.severity is not None:
        sets["severity"] = op.severity
    # ``observed_at`` lives on the entry (the earliest sighting), not in the stored update body.
    body = {k: v for k, v in op.update.items() if k != "observed_at"}
    entry_default = {"default_title": op.default_title} if op.default_title else {}
    return {"id": update_id(body), "observed_at": utc(op.observed_at).isoformat(), "set": sets, **entry_default,
            "affected": [r.model_dump() for r in op.affected], "unresolved": jsonable(op.unresolved),
            "update": jsonable(body)}


def _order(entry: dict[str, Any]) -> tuple[datetime, str]:
    return datetime.fromisoformat(entry["observed_at"]), entry["id"]


def merge_timeline(timeline: list[dict[str, Any]], entry: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The timeline with ``entry`` added (or replacing its earlier self); ``None`` when unchanged."""
    for index, existing in enumerate(timeline):
        if existing["id"] == entry["id"]:
            first = min(existing["observed_at"], entry["observed_at"], key=lambda s: datetime.fromisoformat(s))
            merged = {**entry, "observed_at": first}
            if merged == existing:
                return None
            return sorted([*timeline[:index], merged, *timeline[index + 1:]], key=_order)
    return sorted([*timeline, entry], key=_order)


def fold(timeline: list[dict[str, Any]]) -> dict[str, Any]:
    """Incident fields from its timeline: later updates win; affected assets accumulate; the
    unresolved references are those of the latest update that names tables at all (a status or
    owner change names none and must not wipe them; a newer mapping supersedes older misses)."""
    state: dict[str, Any] = dict.fromkeys(FIELDS)
    affected: list[dict[str, str]] = []
    unresolved: list[Any] = []
    for entry in timeline:
        state.update(entry["set"])
        affected += [r for r in entry["affected"] if r not in affected]
        if entry["affected"] or entry["unresolved"]:
            unresolved = entry["unresolved"]
    if state["title"] is None:  # no update named it: the first update's default (its event type)
        state["title"] = next((e["default_title"] for e in timeline if e.get("default_title")), None)
    return {**state, "affected": affected, "unresolved": unresolved,
            "opened_at": datetime.fromisoformat(timeline[0]["observed_at"]),
            "last_observed_at": datetime.fromisoformat(timeline[-1]["observed_at"])}


def _snapshot(row: dict[str, Any]) -> dict[str, Any]:
    return {**{k: row.get(k) for k in FIELDS},
            "affected": [AssetRef(**r).qualified_name for r in row.get("affected") or []],
            "unresolved": len(row.get("unresolved") or []), "updates": len(row.get("timeline") or [])}


@dataclass(frozen=True)
class IncidentChange:
    id: uuid.UUID
    asset_id: uuid.UUID | None
    before: dict[str, Any] | None
    after: dict[str, Any]


def upsert_incident(conn: Connection, tenant: str, at: datetime, op: UpsertIncident,
                    depth: int = 10, enrich: Callable[..., dict[str, Any]] = enrichment) -> IncidentChange | None:
    """Apply one update; recompute fields and enrichment (``enrich``: ``blast_radius.enrichment`` or
    a memo of it). ``None`` when the update was already known."""
    iid = incident_id(tenant, op.source, op.external_id)
    found = bulk.query_dicts(conn, _BY_ID, {"id": iid})
    current = found[0] if found else None
    timeline = merge_timeline(current["timeline"] if current else [], entry_of(op))
    if timeline is None:
        return None
    state = fold(timeline)
    refs = [AssetRef(**r) for r in state["affected"]]
    ids = [asset_id(tenant, r) for r in refs]
    values = {**state, "timeline": timeline, "updated_at": at,
              "enrichment": enrich(conn, tenant, refs, depth=depth, at=at)}
    if current is None:
        bulk.executemany(conn, _INSERT, [{"id": iid, "tenant_id": tenant, "source": op.source,
                                          "external_id": op.external_id, "created_at": at, **values}])
    else:
        bulk.executemany(conn, _UPDATE, [{"k_id": iid, **values}])
    _sync_assets(conn, tenant, iid, set(ids))
    after = _snapshot(values)
    before = _snapshot(current) if current else None
    if before is not None:
        keys = [k for k in after if before.get(k) != after.get(k)]
        before, after = {k: before[k] for k in keys}, {k: after[k] for k in keys}
    return IncidentChange(iid, ids[0] if ids else None, before, after)


def _sync_assets(conn: Connection, tenant: str, iid: uuid.UUID, ids: set[uuid.UUID]) -> None:
    stored = {aid for (aid,) in bulk.query(conn, _ASSETS_OF, {"iid": iid})}
    for aid in stored - ids:
        conn.execute(delete(incident_assets).where(and_(incident_assets.c.incident_id == iid,
                                                        incident_assets.c.asset_id == aid)))
    bulk.executemany(conn, _INSERT_ASSET, [{"incident_id": iid, "asset_id": aid, "tenant_id": tenant}
                                           for aid in sorted(ids - stored, key=str)])


# ------------------------------------------------------------------------------------------ reads
def get_incident(conn: Connection, tenant: str, iid: uuid.UUID) -> dict[str, Any] | None:
    return first_dict(conn, select(incidents).where(incidents.c.id == iid, incidents.c.tenant_id == tenant))


def list_incidents(conn: Connection, tenant: str, *, status: str | None = None, severity: str | None = None,
                   source: str | None = None, asset: uuid.UUID | None = None, before_seq: int | None = None,
                   limit: int = 100) -> list[dict[str, Any]]:
    """A newest-first page (by creation); ``before_seq`` is the cursor."""
    q = select(incidents).where(incidents.c.tenant_id == tenant).filter_by(
        **given(status=status, severity=severity, source=source))
    if asset is not None:
        q = q.where(incidents.c.id.in_(select(incident_assets.c.incident_id).where(
            incident_assets.c.tenant_id == tenant, incident_assets.c.asset_id == asset)))
    if before_seq is not None:
        q = q.where(incidents.c.seq < before_seq)
    return [dict(r) for r in conn.execute(q.order_by(incidents.c.seq.desc()).limit(limit)).mappings()]

