"""Webhook notifications of classification and incident changes (``notify`` rule actions).

Policy changes reach webhooks through the planner like any target's policy. Classification changes
and incident updates are facts, not state to converge: each change a subscriber asked for (a
``notify`` action whose ``events`` include it, on a rule that selects the table) becomes one
delivery per webhook target, whose statements are the signed events, one per subscriber. It is
retried, dead-lettered and replayed like any delivery; a replay sends the same events again (same
event ids, so subscribers can drop duplicates).
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from lily.governance.rules import GovernedTable, subscribers_for
from lily.model import AssetRef, asset_id
from lily.model.change import Change, ChangeKind
from lily.model.policy import TargetKind
from lily.model.rules import EventKind, SecurityRule
from lily.outbound.connections import ConfiguredTarget
from lily.outbound.deliver import EVENT_KEY_PREFIX, Cause, load_governed
from lily.outbound.targets.webhook import WebhookTarget, classification_event, incident_event
from lily.store import governance as repo
from lily.store import incidents as incident_store

NOTIFIED = {ChangeKind.CLASSIFICATION_ADDED, ChangeKind.CLASSIFICATION_REMOVED, ChangeKind.INCIDENT_UPDATED}
_INCIDENT_FIELDS = ("source", "external_id", "title", "status", "severity", "owner", "link")


@dataclasses.dataclass(frozen=True, slots=True)
class Notification:
    change: Change
    table: AssetRef | None  # the table the delivery is filed under (the first affected, for incidents)
    subscribers: frozenset[str]
    payload: dict[str, Any]


def with_tag(table: GovernedTable, aid: uuid.UUID, tag: str) -> GovernedTable:
    """``table`` as it was before ``tag`` was removed from ``aid`` (the table or one of its columns):
    a removal is news to the subscribers of the tag's rules, which no longer select it afterwards."""
    if aid == table.asset_id:
        return dataclasses.replace(table, tags=table.tags | {tag})
    cols = tuple(dataclasses.replace(c, tags=c.tags | {tag}) if c.asset_id == aid else c for c in table.columns)
    return dataclasses.replace(table, columns=cols)


def _occurred(change: Change) -> float:
    return change.at.timestamp()


def notifications(conn: Connection, tenant_id: str, batch: list[Change], rules: list[SecurityRule]
                  ) -> list[Notification]:
    """What the subscribers of ``rules`` are to be told about ``batch`` (in feed order)."""
    notify_rules = [r for r in rules if r.enabled and any(a.type.value == "notify" for a in r.actions)]
    events = [c for c in batch if c.kind in NOTIFIED]
    if not notify_rules or not events:
        return []
    tag_changes = [c for c in events if c.kind != ChangeKind.INCIDENT_UPDATED and c.asset_id is not None]
    incident_rows = {c.seq: incident_store.get_incident(conn, tenant_id, uuid.UUID(c.entity_id))
                     for c in events if c.kind == ChangeKind.INCIDENT_UPDATED}
    affected = {seq: [asset_id(tenant_id, AssetRef(**r)) for r in (row or {}).get("affected") or []]
                for seq, row in incident_rows.items()}
    names = repo.asset_names(conn, tenant_id, [c.asset_id for c in tag_changes if c.asset_id] +
                   [a for ids in affected.values() for a in ids])
    table_of = {aid: (row["parent_id"] if row["type"] == "column" and row["parent_id"] else aid)
                for aid, row in names.items()}
    tables, _ = load_governed(conn, tenant_id, set(table_of.values()))
    by_id = {t.asset_id: t for t in tables}
    out: list[Notification] = []
    for c in events:
        if c.kind == ChangeKind.INCIDENT_UPDATED:
            row = incident_rows.get(c.seq)
            if row is None:
                continue
            governed = [by_id[table_of[a]] for a in affected[c.seq] if a in table_of and table_of[a] in by_id]
            subs = frozenset(s for t in governed for s in subscribers_for(notify_rules, t, EventKind.INCIDENT))
            if subs:
                names_ = sorted(AssetRef(**r).qualified_name for r in row.get("affected") or [])
                summary = {"id": str(row["id"]), **{k: row.get(k) for k in _INCIDENT_FIELDS}}
                out.append(Notification(c, governed[0].ref, subs, incident_event(summary, names_, _occurred(c))))
            continue
        assert c.asset_id is not None
        row = names.get(c.asset_id)
        table = by_id.get(table_of.get(c.asset_id)) if row else None
        data = c.after if c.kind == ChangeKind.CLASSIFICATION_ADDED else c.before
        if table is None or not data:
            continue
        tag = str(data.get("tag"))
        if c.kind == ChangeKind.CLASSIFICATION_REMOVED:
            table = with_tag(table, c.asset_id, tag)
        subs = frozenset(subscribers_for(notify_rules, table, EventKind.CLASSIFICATION))
        if subs:
            ref = AssetRef(namespace=row["namespace"], name=row["name"], field=row["field"])
            change = "added" if c.kind == ChangeKind.CLASSIFICATION_ADDED else "removed"
            payload = classification_event(c.asset_id, ref.qualified_name, tag, change, str(data.get("source")),
                                           _occurred(c), data.get("provenance"))
            # Deterministic id: the same change notified again (a re-plan) carries the same id.
            payload["id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"lily:{tenant_id}:{c.seq}:{change}"))
            out.append(Notification(c, table.ref, subs, payload))
    return out


def plan_notifications(conn: Connection, tenant_id: str, targets: list[ConfiguredTarget], rules: list[SecurityRule],
                       batch: list[Change], cause_of: Any, now: datetime) -> list[uuid.UUID]:
    """One delivery per (webhook target, notified change); returns the delivery ids."""
    hooks = [t for t in targets if t.enabled and t.kind == TargetKind.WEBHOOK and isinstance(t.target, WebhookTarget)]
    if not hooks:
        return []
    created: list[uuid.UUID] = []
    for n in notifications(conn, tenant_id, batch, rules):
        cause: Cause = cause_of(n.change)
        for t in hooks:
            assert isinstance(t.target, WebhookTarget)
            statements = t.target.render_event(n.payload, n.subscribers)
            if not statements:
                continue
            did = uuid.uuid4()
            repo.insert_delivery(conn, {
                "id": did, "tenant_id": tenant_id, "target_id": t.id,
                "object_key": f"{EVENT_KEY_PREFIX}{n.change.seq}:{n.payload['type']}",
                "namespace": n.table.namespace if n.table else "", "name": n.table.name if n.table else "",
                "status": "pending", "attempts": 0, "replays": 0, "next_attempt_at": now, "first_attempt_at": None,
                "claimed_until": None, "last_error": None,
                "statements": [{"kind": s.kind, "text": s.text, "destination": s.destination} for s in statements],
                "desired": {}, "cause_seq": cause.seq, "cause_at": cause.at, "correlation_id": cause.correlation_id,
                "traceparent": cause.traceparent,
                "created_at": now, "updated_at": now, "applied_at": None})
            created.append(did)
    return created


__all__ = ["EVENT_KEY_PREFIX", "Notification", "notifications",
           "plan_notifications", "with_tag"]
