"""Declared pipelines inside Lily: what a run writes to the catalog, on SQLite and PostgreSQL.

Detected PII lands on bronze's columns as ``detected`` suggestions with their evidence and
propagates downstream — except across the masking edges into anonymized silver columns, which
carry the tag of their operator instead; a held partition opens an incident with its blast radius,
and the run that publishes the day resolves it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from lily.bootstrap import ensure_tenant
from lily.governance.consumer import PropagationConsumer
from lily.medallion.validate import load_pipeline
from lily.medallion.wiring import store_runner
from lily.model import AssetRef, Classification, asset_id
from lily.pipelines.lake import Lake
from lily.pipelines.sinks import InMemoryLineageSink
from lily.store import Store, catalog, incidents
from lily.store import lineage as lineage_store
from lily.store import runs as run_store

from .conftest import CRM_YAML, D1, KEYS, demo, write_pipeline

TENANT = "default"
PEOPLE = """
pipeline: people
owners: [people-team]
datasets:
  customers:
    source: {kind: files, format: csv, path: "sources/crm/customers/customers_{date}.csv"}
    primary_key: customer_id
    ordering: updated_at
    unknown_columns: drop
    schema:
      customer_id: {type: string, nullable: false}
      email: string
      phone: string
      segment: string
      updated_at: {type: timestamp, nullable: false}
    pii:
      columns:
        email: {operator: hash}     # phone has no policy: detected, left as it is (unprotected)
    checks:
      silver:
        - {type: duplicate_count, columns: [customer_id], blocking: true}
        - {type: missing_count, column: email, warn: {gt: 0}}   # the extract misses a few emails
gold:
  contacts:
    sql: |
      SELECT phone, email, count(*) AS n FROM silver.customers GROUP BY phone, email
"""


def people_pipeline(tmp_path: Path) -> Path:
    return write_pipeline(tmp_path / "pipelines", "people", PEOPLE)


def lake_with_demo(tmp_path: Path, days: int = 1) -> Lake:
    lake = Lake((tmp_path / "lake").resolve())
    lake.ensure()
    demo(lake, days)
    return lake


class Ticking:
    """A clock that moves one second per reading: later runs and steps are later."""

    def __init__(self) -> None:
        self.at = datetime(2024, 6, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.at += timedelta(seconds=1)
        return self.at


CLOCK = Ticking()


def run_in_lily(store: Store, lake: Lake, pipeline: Path, day: date = D1, lineage: InMemoryLineageSink | None = None
                ) -> Any:
    runner = store_runner(load_pipeline(pipeline), store, lake, tenant_id=TENANT, clock=CLOCK, keys=KEYS,
                          lineage=lineage, threads=1)
    return runner.run(day)


def column(lake: Lake, table: str, field: str) -> AssetRef:
    return AssetRef(namespace=lake.namespace(), name=table, field=field)


def tags(store: Store, ref: AssetRef) -> list[Classification]:
    with store.read() as conn:
        return catalog.classifications_of(conn, TENANT, [asset_id(TENANT, ref)])


def tag_map(store: Store, ref: AssetRef) -> dict[tuple[str, str], Classification]:
    return {(c.tag, c.source.value): c for c in tags(store, ref)}


def test_detected_pii_is_suggested_on_bronze_and_propagates_until_the_masking_edges(database_url: str,
                                                                                    tmp_path: Path) -> None:
    store = Store.from_url(database_url)
    ensure_tenant(store, TENANT)
    lake = lake_with_demo(tmp_path)
    sink = InMemoryLineageSink()
    result = run_in_lily(store, lake, people_pipeline(tmp_path), lineage=sink)
    assert result.succeeded, result.error
    assert set(result.datasets["customers"].unprotected) >= {"phone"}
    PropagationConsumer(store).drain()

    # bronze: what detection found, as suggestions with their confidence and evidence
    bronze_email = tag_map(store, column(lake, "bronze/people/customers", "email"))
    email = bronze_email[("PII.email", "detected")]
    assert email.status == "suggested" and email.confidence is not None and email.confidence > 0.9
    assert email.evidence is not None and email.evidence["recognizer"] == "email"
    assert email.evidence["classifier_version"].startswith("lily-classify/")
    assert email.evidence["sample_size"] > 0 and email.evidence["run_id"] == result.run.run_id
    assert email.evidence["detected_at"] == result.run.started_at.isoformat()
    assert ("GDPR.personal", "detected") in bronze_email
    phone = tag_map(store, column(lake, "bronze/people/customers", "phone"))[("PII.phone", "detected")]
    assert phone.status == "suggested" and phone.created_by == "pipeline:people"
    # undeclared (dropped) columns are still bronze's and still detected
    assert ("PII.iban", "detected") in tag_map(store, column(lake, "bronze/people/customers", "iban"))

    # an unprotected column carries its tag downstream: silver, then gold
    for table in ("silver/people/customers", "gold/people/contacts"):
        found = tag_map(store, column(lake, table, "phone"))
        assert ("PII.phone", "propagated") in found, table
        assert found[("PII.phone", "propagated")].provenance.origin_asset_id == asset_id(
            TENANT, column(lake, "bronze/people/customers", "phone"))

    # the hashed column: the masking edge stops every tag; it carries the operator's tag instead
    silver_email = tag_map(store, column(lake, "silver/people/customers", "email"))
    assert set(silver_email) == {("anonymized.hash", "imported")}
    assert not silver_email[("anonymized.hash", "imported")].propagate
    assert not [c for c in tags(store, column(lake, "gold/people/contacts", "email")) if c.tag.startswith("PII")]
    with store.read() as conn:
        edges = lineage_store.edges_of(conn, TENANT, asset_id(TENANT, column(lake, "silver/people/customers", "email")))
    into = [e for e in edges if e.target_id == asset_id(TENANT, column(lake, "silver/people/customers", "email"))]
    assert [e.masking for e in into] == [True]

    # every layer is registered with schema, partitions and owners
    with store.read() as conn:
        for name, partitions in (("bronze/people/customers", ["process_date", "ingest_run_id"]),
                                 ("silver/people/customers", ["process_date"]),
                                 ("gold/people/contacts", ["process_date"])):
            asset = catalog.get_by_ref(conn, TENANT, AssetRef(namespace=lake.namespace(), name=name))
            assert asset is not None and asset.attributes["partitions"] == partitions, name
            assert [o.name for o in asset.owners] == ["people-team"]
            assert catalog.columns_of(conn, TENANT, asset.id)
    # OpenLineage: START and COMPLETE per step, masking flags in the silver step's column lineage
    silver_done = next(e for e in sink.events if e["job"]["name"] == "people.silver.customers"
                       and e["eventType"] == "COMPLETE")
    fields = silver_done["outputs"][0]["facets"]["columnLineage"]["fields"]
    assert fields["email"]["inputFields"][0]["transformations"][0]["masking"] is True
    assert "masking" not in fields["phone"]["inputFields"][0]["transformations"][0]
    assert {"dataQualityAssertions", "dataQualityMetrics"} <= set(silver_done["outputs"][0]["outputFacets"])
    store.dispose()


CUSTOMERS = "sources/crm/customers/customers_2024-01-01.csv"


def _with_duplicates(original: bytes, share: float = 0.3) -> bytes:
    lines = original.decode().splitlines(keepends=True)
    header, rows = lines[0], [line for line in lines[1:] if line.startswith("C0")]
    return (header + "".join(rows) + "".join(rows[: int(len(rows) * share)])).encode()


def _incident(store: Store) -> dict[str, Any]:
    with store.read() as conn:
        rows = incidents.list_incidents(conn, TENANT, source="lily")
        assert len(rows) == 1
        found = incidents.get_incident(conn, TENANT, rows[0]["id"])
    assert found is not None
    return found


def test_a_held_partition_opens_an_incident_with_blast_radius_and_the_fixed_rerun_resolves_it(
        database_url: str, tmp_path: Path) -> None:
    store = Store.from_url(database_url)
    ensure_tenant(store, TENANT)
    lake = lake_with_demo(tmp_path)
    good = run_in_lily(store, lake, CRM_YAML)
    assert good.succeeded, good.error
    source = lake.root / CUSTOMERS
    original = source.read_bytes()
    source.write_bytes(_with_duplicates(original))

    bad = run_in_lily(store, lake, CRM_YAML)
    assert not bad.succeeded and "quarantined: bronze check duplicate_key_percent" in (bad.error or "")
    incident = _incident(store)
    assert incident["status"] == "open" and incident["severity"] == "high" and incident["owner"] == "crm-team"
    assert incident["external_id"] == "quality-gate:silver/crm/customers:2024-01-01"
    assert [a["name"] for a in incident["affected"]] == ["silver/crm/customers"]
    update = incident["timeline"][0]["update"]
    assert update["run_id"] == bad.run.run_id and update["quarantine"].startswith("quarantine/crm/customers")
    assert [c["check"] for c in update["failed_checks"]] == ["duplicate_key_percent"]
    radius = incident["enrichment"]["blast_radius"]
    reached = {a["name"] for a in radius["assets"]}
    assert {"gold/crm/customer_value", "gold/crm/orders_per_segment_day", "ml/crm/customer_features"} <= reached
    assert "crm-team" in radius["owners"]
    # the bronze checks that held it are stored on bronze, failed
    with store.read() as conn:
        bronze = asset_id(TENANT, AssetRef(namespace=lake.namespace(), name="bronze/crm/customers"))
        latest = run_store.quality_of(conn, TENANT, bronze, 1)[0]
    assert latest["status"] == "fail" and latest["context"]["published"] is False
    assert latest["scores"]["uniqueness"] < 100

    source.write_bytes(original)
    fixed = run_in_lily(store, lake, CRM_YAML)
    assert fixed.succeeded, fixed.error
    resolved = _incident(store)
    assert resolved["status"] == "resolved" and resolved["title"] == incident["title"]
    assert [e["update"]["type"] for e in resolved["timeline"]] == ["quality_gate_failed", "quality_gate_passed"]
    store.dispose()
