"""The reads behind the compliance report: a handful of set-based queries, whatever the catalog's size."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, or_, select

from lily.store.chunks import rows_in
from lily.store.tables import assets, audit_log, changes, classifications, lineage_edges
from lily.store.tables_contracts import data_contracts
from lily.store.tables_governance import deliveries, outbound_applied, outbound_targets


def personal_classifications(conn: Connection, tenant: str, prefixes: tuple[str, ...]) -> list[dict[str, Any]]:
    """Every classification whose tag starts with one of ``prefixes``, with its asset and the asset's
    dataset (the asset itself when it is not a column): one join."""
    parent = assets.alias("parent")
    q = (select(classifications.c.asset_id, classifications.c.tag, classifications.c.source,
                classifications.c.confidence, classifications.c.status, classifications.c.provenance,
                classifications.c.created_at, classifications.c.created_by,
                assets.c.type, assets.c.namespace, assets.c.name, assets.c.field, assets.c.parent_id,
                assets.c.owners, parent.c.owners.label("parent_owners"), parent.c.type.label("parent_type"))
         .select_from(classifications.join(assets, assets.c.id == classifications.c.asset_id)
                      .outerjoin(parent, parent.c.id == assets.c.parent_id))
         .where(classifications.c.tenant_id == tenant, assets.c.status == "active",
                or_(*[classifications.c.tag.startswith(p, autoescape=True) for p in prefixes])))
    return [dict(r) for r in conn.execute(q).mappings()]


def downstream_edges(conn: Connection, tenant: str, ids: list[uuid.UUID]) -> list[dict[str, Any]]:
    """Edges leaving the given assets, with their target's identity (what the report shows: ids of
    targets and jobs are left out, each id read costs a conversion and the report has 10,000s)."""
    q = (select(lineage_edges.c.source_id, lineage_edges.c.masking, assets.c.namespace, assets.c.name,
                assets.c.field)
         .select_from(lineage_edges.join(assets, assets.c.id == lineage_edges.c.target_id))
         .where(lineage_edges.c.tenant_id == tenant))
    return [dict(r._mapping) for r in rows_in(conn, q, lineage_edges.c.source_id, ids)]


def applied_policies(conn: Connection, tenant: str) -> list[dict[str, Any]]:
    q = (select(outbound_applied.c.namespace, outbound_applied.c.name, outbound_applied.c.policy,
                outbound_applied.c.delivery_id, outbound_applied.c.updated_at, outbound_targets.c.name.label("target"),
                outbound_targets.c.kind)
         .select_from(outbound_applied.join(outbound_targets, outbound_targets.c.id == outbound_applied.c.target_id))
         .where(outbound_applied.c.tenant_id == tenant))
    return [dict(r) for r in conn.execute(q).mappings()]


def failed_deliveries(conn: Connection, tenant: str) -> list[dict[str, Any]]:
    q = (select(deliveries.c.id, deliveries.c.namespace, deliveries.c.name, deliveries.c.status,
                deliveries.c.attempts, deliveries.c.last_error, deliveries.c.updated_at,
                outbound_targets.c.name.label("target"))
         .select_from(deliveries.join(outbound_targets, outbound_targets.c.id == deliveries.c.target_id))
         .where(deliveries.c.tenant_id == tenant, deliveries.c.status.in_(("failed", "dead")))
         .order_by(deliveries.c.updated_at.desc()))
    return [dict(r) for r in conn.execute(q).mappings()]


def dataset_rows(conn: Connection, tenant: str, ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """The rows of ``ids``, selected by id alone and checked for the tenant here: with ``tenant_id``
    in the WHERE, SQLite (no statistics) reads every asset of the tenant through ix_assets_tenant_type."""
    q = select(assets.c.id, assets.c.tenant_id, assets.c.type, assets.c.namespace, assets.c.name, assets.c.owners,
               assets.c.attributes)
    return {r.id: dict(r._mapping) for r in rows_in(conn, q, assets.c.id, ids) if r.tenant_id == tenant}


def contracts(conn: Connection, tenant: str) -> list[dict[str, Any]]:
    q = select(data_contracts.c.contract_id, data_contracts.c.document, data_contracts.c.datasets,
               data_contracts.c.status).where(data_contracts.c.tenant_id == tenant)
    return [dict(r) for r in conn.execute(q).mappings()]


def regions(conn: Connection, tenant: str, namespaces: list[str]) -> dict[str, str]:
    """The region each namespace's root asset (an S3 bucket, a database) declares in its attributes."""
    q = select(assets.c.namespace, assets.c.attributes).where(assets.c.tenant_id == tenant, assets.c.name == "",
                                                              assets.c.field == "")
    out = {}
    for ns, attrs in rows_in(conn, q, assets.c.namespace, namespaces):
        region = (attrs or {}).get("region")
        if region:
            out[ns] = str(region)
    return out


def governance_trail(conn: Connection, tenant: str, since: datetime | None, until: datetime | None,
                     limit: int = 10_000) -> list[dict[str, Any]]:
    """Tag changes (from the change feed) and rule changes (from the audit log) in the period."""
    q = (select(changes.c.seq, changes.c.kind, changes.c.asset_id, changes.c.before, changes.c.after,
                changes.c.actor, changes.c.at)
         .where(changes.c.tenant_id == tenant, changes.c.kind.in_(("classification.added", "classification.removed"))))
    a = (select(audit_log.c.action, audit_log.c.actor, audit_log.c.entity_type, audit_log.c.entity_id,
                audit_log.c.details, audit_log.c.at)
         .where(audit_log.c.tenant_id == tenant,
                or_(audit_log.c.entity_type.in_(("security_rule", "rule", "target")),
                    audit_log.c.action.like("rule%"), audit_log.c.action.like("security%"))))
    if since is not None:
        q, a = q.where(changes.c.at >= since), a.where(audit_log.c.at >= since)
    if until is not None:
        q, a = q.where(changes.c.at < until), a.where(audit_log.c.at < until)
    tag_rows = [dict(r) for r in conn.execute(q.order_by(changes.c.seq.desc()).limit(limit)).mappings()]
    rule_rows = [dict(r) for r in conn.execute(a.order_by(audit_log.c.at.desc()).limit(limit)).mappings()]
    return [{"type": "tag", **r} for r in tag_rows] + [{"type": "rule", **r} for r in rule_rows]


