"""The compliance report: a GDPR Article 30 record of processing and the inventory behind it,
computed from the catalog (never typed in), plus findings and the audit trail of the period.

``build`` is pure over what ``gather`` read (a few set-based queries): every column holding
personal data (a classification under the configured prefixes, ``PII.`` and ``GDPR.`` by default,
whether set directly, detected or propagated, with provenance and confidence), its system,
dataset and owner; where it flows (column-level edges leaving it); which applied warehouse policy
protects each copy (target, masked columns and strategy, when); the Article 30 record (categories
from confirmed classifications, recipients from lineage, transfers from regions, retention from
contracts, security measures from the policies actually applied); findings.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lily.store import Store
from lily.store import compliance as reads

PREFIXES = ("PII", "GDPR")
WAREHOUSES = ("snowflake://", "databricks://", "postgres://", "postgresql://")


@dataclass
class Inputs:
    tags: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    datasets: dict[uuid.UUID, dict[str, Any]]
    applied: list[dict[str, Any]]
    failed: list[dict[str, Any]]
    contracts: list[dict[str, Any]]
    regions: dict[str, str]
    trail: list[dict[str, Any]]


def gather(store: Store, tenant: str, *, since: datetime | None = None, until: datetime | None = None,
           prefixes: tuple[str, ...] = PREFIXES) -> Inputs:
    with store.read() as conn:
        tags = reads.personal_classifications(conn, tenant, prefixes)
        column_ids = sorted({t["asset_id"] for t in tags}, key=str)
        edges = reads.downstream_edges(conn, tenant, column_ids)
        dataset_ids = sorted({t["parent_id"] if t["field"] else t["asset_id"] for t in tags} - {None}, key=str)
        datasets = reads.dataset_rows(conn, tenant, dataset_ids)
        namespaces = sorted({t["namespace"] for t in tags} | {e["namespace"] for e in edges})
        return Inputs(tags, edges, datasets, reads.applied_policies(conn, tenant), reads.failed_deliveries(conn, tenant),
                      reads.contracts(conn, tenant), reads.regions(conn, tenant, namespaces),
                      reads.governance_trail(conn, tenant, since, until))


def _system(namespace: str) -> str:
    return namespace.split("://", 1)[0] if "://" in namespace else namespace


def _owners(raw: Any) -> list[str]:
    return [o.get("name") for o in raw or [] if isinstance(o, dict) and o.get("name")]


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value


def _inventory_order(row: Mapping[str, Any]) -> tuple[Any, ...]:
    # A column can inherit one tag from several origins (a detected export that is also a copy of a
    # detected table): the nearest origin first, then by origin id, so the report reads the same each time.
    prov = row["provenance"] or {}
    return (row["namespace"], row["name"], row["field"] or "", row["tag"], row["source"],
            prov.get("depth", 0), str(prov.get("origin_asset_id", "")))


def build(inputs: Inputs, *, tenant: str, now: datetime | None = None, since: datetime | None = None,
          until: datetime | None = None) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    applied: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in inputs.applied:
        applied[(row["namespace"], row["name"])].append(row)
    contracted: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for c in inputs.contracts:
        for d in c["datasets"] or []:
            contracted[(d["namespace"], d["name"])].append(c)
    flows: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    for e in inputs.edges:
        flows[e["source_id"]].append({"namespace": e["namespace"], "name": e["name"], "field": e["field"],
                                      "masking": bool(e["masking"])})
    inventory, datasets_seen = [], {}
    for t in sorted(inputs.tags, key=_inventory_order):
        ds_id = t["parent_id"] if t["field"] else t["asset_id"]
        ds = inputs.datasets.get(ds_id) or {}
        key = (t["namespace"], t["name"])
        owners = _owners(ds.get("owners")) or _owners(t["owners"])
        enforcement = []
        for pol in applied.get(key, []):
            masks = (pol["policy"] or {}).get("masks") or {}
            mask = masks.get(t["field"]) if t["field"] else None
            enforcement.append({"target": pol["target"], "kind": pol["kind"], "applied_at": _iso(pol["updated_at"]),
                                "delivery_id": str(pol["delivery_id"]) if pol["delivery_id"] else None,
                                "masked": mask is not None,
                                "strategy": (mask or {}).get("strategy"),
                                "exempt_roles": sorted((mask or {}).get("exempt_roles") or [])})
        provenance = t["provenance"] or None
        inventory.append({
            "system": _system(t["namespace"]), "namespace": t["namespace"], "dataset": t["name"],
            "column": t["field"] or None, "tag": t["tag"], "source": t["source"],
            "status": t["status"], "confidence": t["confidence"], "owners": owners,
            "provenance": provenance, "region": inputs.regions.get(t["namespace"]),
            "flows_to": flows.get(t["asset_id"], []), "enforcement": enforcement,
            "contracts": sorted(c["contract_id"] for c in contracted.get(key, [])),
            "since": _iso(t["created_at"]),
        })
        datasets_seen.setdefault(key, {"owners": owners, "rows": []})["rows"].append(inventory[-1])
    findings = _findings(inventory, datasets_seen, inputs)
    return {
        "tenant": tenant, "generated_at": now.isoformat(),
        "period": {"since": _iso(since), "until": _iso(until)},
        "record_of_processing": _article30(inventory, inputs),
        "inventory": inventory,
        "findings": findings,
        "audit_trail": [{k: _iso(v) if isinstance(v, datetime) else (str(v) if isinstance(v, uuid.UUID) else v)
                         for k, v in r.items()} for r in inputs.trail],
        "summary": {"personal_data_columns": len({(r["namespace"], r["dataset"], r["column"]) for r in inventory}),
                    "datasets": len(datasets_seen), "findings": len(findings),
                    "enforced_copies": sum(1 for r in inventory if any(e["masked"] for e in r["enforcement"]))},
    }


def _article30(inventory: list[dict[str, Any]], inputs: Inputs) -> dict[str, Any]:
    confirmed = [r for r in inventory if r["source"] != "detected" or r["status"] == "confirmed"]
    recipients = sorted({f"{f['namespace'].rstrip('/')}/{f['name']}" for r in inventory for f in r["flows_to"]}
                        | {f"{r['namespace'].rstrip('/')}/{r['dataset']}" for r in inventory if r["source"] == "propagated"})
    retention = {}
    for c in inputs.contracts:
        doc = c["document"] or {}
        value = next((f"{s.get('value')} {s.get('unit') or ''}".strip() for s in doc.get("slaProperties") or []
                      if isinstance(s, dict) and str(s.get("property", "")).lower() == "retention"), None)
        if value:
            retention[c["contract_id"]] = value
    measures = sorted({f"{e['kind']}: {'mask ' + str(e['strategy']) if e['masked'] else 'tags/policy applied'}"
                       for r in inventory for e in r["enforcement"]})
    return {
        "categories_of_personal_data": sorted({r["tag"] for r in confirmed}),
        "systems": sorted({r["system"] for r in inventory}),
        "recipients": recipients,
        "transfers": sorted({f"{r['namespace']} ({r['region']})" for r in inventory if r["region"]}),
        "retention": retention,
        "security_measures": measures,
    }


def _findings(inventory: list[dict[str, Any]], datasets: dict[tuple[str, str], dict[str, Any]],
              inputs: Inputs) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for r in inventory:
        if r["column"] and not any(e["masked"] for e in r["enforcement"]) and \
                (r["source"] == "propagated" or r["namespace"].startswith(WAREHOUSES)):
            out.append({"kind": "unprotected_pii_copy", "severity": "high",
                        "asset": f"{r['namespace'].rstrip('/')}/{r['dataset']}#{r['column']}", "tag": r["tag"],
                        "message": f"{r['tag']} ({r['source']}) has no applied masking on this copy"})
        if r["source"] == "detected" and r["status"] != "confirmed":
            out.append({"kind": "unconfirmed_detection", "severity": "low",
                        "asset": f"{r['namespace'].rstrip('/')}/{r['dataset']}#{r['column'] or ''}", "tag": r["tag"],
                        "message": f"detected with confidence {r['confidence']}, not confirmed by a person"})
    for (ns, name), d in sorted(datasets.items()):
        asset = f"{ns.rstrip('/')}/{name}"
        if not d["owners"]:
            out.append({"kind": "pii_without_owner", "severity": "medium", "asset": asset, "tag": None,
                        "message": "holds personal data and has no owner"})
        if not any(r["contracts"] for r in d["rows"]):
            out.append({"kind": "pii_without_contract", "severity": "low", "asset": asset, "tag": None,
                        "message": "holds personal data and no data contract governs it"})
    for f in inputs.failed:
        out.append({"kind": f"{f['status']}_delivery", "severity": "high" if f["status"] == "dead" else "medium",
                    "asset": f"{f['namespace'].rstrip('/')}/{f['name']}", "tag": None,
                    "message": f"delivery to {f['target']} {f['status']} after {f['attempts']} attempts: "
                               f"{(f['last_error'] or '')[:200]}"})
    return out


def report(store: Store, tenant: str, *, since: datetime | None = None, until: datetime | None = None,
           now: datetime | None = None) -> dict[str, Any]:
    return build(gather(store, tenant, since=since, until=until), tenant=tenant, now=now, since=since, until=until)
