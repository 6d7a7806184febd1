"""Incidents from monitoring tools: the timeline merge and enrichment are ``lily.store.incidents``;
this records the change."""

from __future__ import annotations

from lily.model import ChangeKind, UpsertIncident
from lily.store import incidents as incident_store
from lily.store.apply.context import ChangeSetContext


def upsert_incident(ctx: ChangeSetContext, op: UpsertIncident) -> None:
    change = incident_store.upsert_incident(ctx.conn, ctx.tenant, ctx.at, op)
    if change is not None:
        ctx.record(ChangeKind.INCIDENT_UPDATED, "incident", change.id, change.asset_id, change.before, change.after)
