"""Monte Carlo webhooks → parse → apply → the stored incident (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from lily.inbound.sources.monte_carlo_mapping import MonteCarloMapping, TableRule
from lily.model import (
    AddClassification,
    AddLineage,
    AssetRef,
    AssetType,
    ColumnSpec,
    Owner,
    UpsertAsset,
    asset_id,
)
from lily.store import Store
from lily.store import incidents as incident_store
from lily.store.feed import changes_after
from tests.incidents.conftest import INCIDENT, T0, apply, sample, update, webhook

SF = "snowflake://acct"
ARTEMIS = AssetRef(namespace=SF, name="OLYMPUS.PUBLIC.ARTEMIS")
DAILY = AssetRef(namespace=SF, name="OLYMPUS.MART.ARTEMIS_DAILY")
RAW = AssetRef(namespace="s3://landing", name="artemis/raw")
REVENUE = AssetRef(namespace="looker://bi", name="dashboards/revenue")
AGG_JOB = AssetRef(namespace="airflow", name="olympus.daily_agg")
INGEST_JOB = AssetRef(namespace="airflow", name="olympus.ingest")
MAPPING = MonteCarloMapping(tables=[TableRule(table="artemis", ref=ARTEMIS)])
ABBREV = "montecarlo_webhook_anomaly_incident_abbrev.json"
BREACH = "montecarlo_webhook_custom_rule_breach.json"


def seed_lineage(store: Store, tenant: str = "acme") -> None:
    """RAW -ingest-> ARTEMIS -daily_agg-> DAILY -> REVENUE (dashboard), with owners and PII tags."""
    apply(store,
          UpsertAsset(ref=ARTEMIS, type=AssetType.TABLE, owners=[Owner(name="data-eng@acme.io")],
                      columns=[ColumnSpec(name="id"), ColumnSpec(name="email")]),
          UpsertAsset(ref=DAILY, type=AssetType.TABLE, owners=[Owner(name="analytics@acme.io")],
                      columns=[ColumnSpec(name="email")]),
          UpsertAsset(ref=REVENUE, type=AssetType.DASHBOARD, owners=[Owner(name="bi@acme.io")]),
          UpsertAsset(ref=RAW, type=AssetType.S3_OBJECT, owners=[Owner(name="upstream@acme.io")]),
          UpsertAsset(ref=AGG_JOB, type=AssetType.JOB, owners=[Owner(name="etl@acme.io")]),
          UpsertAsset(ref=INGEST_JOB, type=AssetType.JOB, owners=[Owner(name="ingest@acme.io")]),
          AddLineage(source=RAW, target=ARTEMIS, job=INGEST_JOB),
          AddLineage(source=ARTEMIS, target=DAILY, job=AGG_JOB),
          AddLineage(source=ARTEMIS.column("email"), target=DAILY.column("email"), job=AGG_JOB),
          AddLineage(source=DAILY, target=REVENUE),
          AddClassification(ref=ARTEMIS.column("email"), tag="PII.email"),
          AddClassification(ref=DAILY.column("email"), tag="PII.email"),
          AddClassification(ref=DAILY, tag="tier.gold"), tenant=tenant)


def lifecycle() -> list[dict[str, Any]]:
    """Opened (anomaly), custom-rule breach, acknowledged, owner, marked SEV-2, unmarked, resolved."""
    return [sample(ABBREV), sample(BREACH), update(alert_feedback="investigating"),
            update(owner="oncall@acme.io"), update(declared_alert_severity="SEV-2"),
            update(declared_alert_severity=None), update(alert_feedback="fixed")]


def stored(store: Store, tenant: str = "acme") -> dict[str, Any]:
    with store.read() as conn:
        row = incident_store.get_incident(conn, tenant, incident_store.incident_id(tenant, "monte_carlo", INCIDENT))
    assert row is not None
    return row


def test_lifecycle_status_severity_owner_and_full_timeline(store: Store) -> None:
    seed_lineage(store)
    seen: list[tuple[str | None, str | None, str | None]] = []
    for i, payload in enumerate(lifecycle()):
        webhook(store, payload, T0 + timedelta(minutes=i), mapping=MAPPING)
        row = stored(store)
        seen.append((row["status"], row["severity"], row["owner"]))
    assert seen == [("open", None, None), ("open", None, None), ("investigating", None, None),
                    ("investigating", None, "oncall@acme.io"), ("investigating", "SEV-2", "oncall@acme.io"),
                    ("investigating", None, "oncall@acme.io"), ("resolved", None, "oncall@acme.io")]
    row = stored(store)
    timeline = row["timeline"]
    assert len(timeline) == 7
    assert [e["observed_at"] for e in timeline] == [(T0 + timedelta(minutes=i)).isoformat() for i in range(7)]
    assert timeline[0]["update"]["event_details"] == ["Has 42 rows vs. 101 expected"]
    assert timeline[4]["set"]["severity"] == "SEV-2"
    assert "severity" in timeline[5]["set"] and timeline[5]["set"]["severity"] is None  # unmarked: cleared
    assert "severity" not in timeline[6]["set"]  # a status change leaves the severity alone
    assert row["link"] == f"https://getmontecarlo.com/incidents/{INCIDENT}"
    assert row["affected"] == [{"namespace": SF, "name": ARTEMIS.name, "field": ""}]
    assert row["unresolved"] == []
    assert row["opened_at"] == T0 and row["last_observed_at"] == T0 + timedelta(minutes=6)
    with store.read() as conn:
        kinds = [c.kind for c in changes_after(conn, "acme") if c.entity_type == "incident"]
    assert kinds == ["incident.updated"] * 7


def test_the_same_update_twice_leaves_the_same_state(store: Store) -> None:
    seed_lineage(store)
    for i, payload in enumerate(lifecycle()):
        webhook(store, payload, T0 + timedelta(minutes=i), mapping=MAPPING)
    before = stored(store)
    # A redelivered "acknowledged" (same body, later receive time) is not a new update: the
    # incident stays resolved, the timeline is not duplicated, no change is recorded.
    result = webhook(store, update(alert_feedback="investigating"), T0 + timedelta(hours=1), mapping=MAPPING)
    assert [c for c in result.changes if c["entity_type"] == "incident"] == []
    after = stored(store)
    assert after == before
    assert after["status"] == "resolved" and len(after["timeline"]) == 7


def test_updates_in_any_order_fold_to_the_same_incident(store: Store) -> None:
    payloads = [(p, T0 + timedelta(minutes=i)) for i, p in enumerate(lifecycle())]
    for payload, at in payloads:
        webhook(store, payload, at, mapping=MAPPING)
    for payload, at in reversed(payloads):
        webhook(store, payload, at, mapping=MAPPING, tenant="globex")
    a, b = stored(store), stored(store, "globex")
    fields = ("title", "status", "severity", "owner", "link", "affected", "unresolved", "timeline", "opened_at",
              "last_observed_at")
    assert {k: a[k] for k in fields} == {k: b[k] for k in fields}


def test_unresolved_references_are_kept_until_a_later_update_names_tables(store: Store) -> None:
    webhook(store, sample(ABBREV), T0)  # no mapping: "artemis" is a bare name
    assert stored(store)["unresolved"] == [{"table_name": "artemis"}]
    webhook(store, update(alert_feedback="investigating"), T0 + timedelta(minutes=1))
    row = stored(store)
    assert row["unresolved"] == [{"table_name": "artemis"}] and row["affected"] == []
    # The operator adds a mapping and the inbox replays the webhook: the same update (same id)
    # now resolves the table; its entry is replaced in place and keeps its first observed time.
    webhook(store, sample(ABBREV), T0 + timedelta(minutes=5), mapping=MAPPING)
    row = stored(store)
    assert row["affected"] == [{"namespace": SF, "name": ARTEMIS.name, "field": ""}]
    assert row["unresolved"] == [] and len(row["timeline"]) == 2
    assert row["timeline"][0]["observed_at"] == T0.isoformat()


def test_enrichment_owners_classifications_and_blast_radius(store: Store) -> None:
    seed_lineage(store)
    webhook(store, sample(ABBREV), T0, mapping=MAPPING)
    e = stored(store)["enrichment"]
    assert e["owners"] == ["data-eng@acme.io"]
    assert e["classifications"] == ["PII.email"]
    [affected] = e["affected"]
    assert affected["known"] and affected["asset_id"] == str(asset_id("acme", ARTEMIS))
    assert affected["classifications"] == [{"tag": "PII.email", "column": "email"}]
    radius = e["blast_radius"]
    # Downstream of ARTEMIS: DAILY (1 hop), REVENUE (2 hops), and the job that reads ARTEMIS.
    # Upstream RAW and its ingest job are not in the blast radius.
    assert radius["total"] == 3
    assert radius["by_type"] == {"dashboard": 1, "job": 1, "table": 1}
    assert radius["owners"] == ["analytics@acme.io", "bi@acme.io", "etl@acme.io"]
    assert radius["classifications"] == ["PII.email", "tier.gold"]
    assert [(a["name"], a["depth"]) for a in radius["assets"]] == [(DAILY.name, 1), (REVENUE.name, 2)]
    assert [j["name"] for j in radius["jobs"]] == [AGG_JOB.name]
    assert radius["max_depth_reached"] == 2 and radius["truncated"] is False
    assert e["computed_at"] == T0.isoformat()


def test_enrichment_is_recomputed_on_each_update(store: Store) -> None:
    seed_lineage(store)
    webhook(store, sample(ABBREV), T0, mapping=MAPPING)
    extra = AssetRef(namespace="looker://bi", name="dashboards/churn")
    apply(store, UpsertAsset(ref=extra, type=AssetType.DASHBOARD, owners=[Owner(name="growth@acme.io")]),
          AddLineage(source=DAILY, target=extra))
    assert stored(store)["enrichment"]["blast_radius"]["total"] == 3  # as of the last update
    webhook(store, update(alert_feedback="investigating"), T0 + timedelta(minutes=3), mapping=MAPPING)
    radius = stored(store)["enrichment"]["blast_radius"]
    assert radius["total"] == 4 and "growth@acme.io" in radius["owners"]
    assert stored(store)["enrichment"]["computed_at"] == (T0 + timedelta(minutes=3)).isoformat()


def test_unknown_affected_asset_is_listed_but_not_known(store: Store) -> None:
    webhook(store, sample(ABBREV), T0, mapping=MAPPING)  # mapping points at an asset Lily never saw
    e = stored(store)["enrichment"]
    assert [(a["name"], a["known"], a["owners"]) for a in e["affected"]] == [(ARTEMIS.name, False, [])]
    assert e["blast_radius"]["total"] == 0


def test_incidents_are_tenant_scoped(store: Store) -> None:
    webhook(store, sample(ABBREV), T0)
    with store.read() as conn:
        assert incident_store.list_incidents(conn, "globex") == []
        iid = incident_store.incident_id("acme", "monte_carlo", INCIDENT)
        assert incident_store.get_incident(conn, "globex", iid) is None
        assert [r["id"] for r in incident_store.list_incidents(conn, "acme")] == [iid]


def test_status_only_updates_keep_the_incident_name_and_an_unnamed_incident_has_its_type(store: Store) -> None:
    iid = incident_store.incident_id("acme", "monte_carlo", INCIDENT)
    webhook(store, sample(ABBREV), T0)
    with store.read() as conn:
        named = incident_store.get_incident(conn, "acme", iid)["title"]
    assert named and named != "Incident status update"
    for i, fields in enumerate(({"alert_feedback": "investigating"}, {"owner": "oncall@acme.io"}), start=1):
        webhook(store, update(**fields), T0 + timedelta(minutes=i))
    with store.read() as conn:
        assert incident_store.get_incident(conn, "acme", iid)["title"] == named

    other = "0b7f3a52-9a3c-4e0b-8a8f-4a0b6f2c9d11"
    webhook(store, update(other, alert_feedback="investigating"), T0)  # nothing names this one
    with store.read() as conn:
        unnamed = incident_store.get_incident(conn, "acme", incident_store.incident_id("acme", "monte_carlo", other))
    assert unnamed["title"] == "Incident status update"
