"""Contracts evaluated against the catalog and the data: a breach opens an incident with blast
radius, passing again resolves it; freshness incidents follow an injected clock; the monitor reacts
to the change feed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from lily.contracts.monitor import CONSUMER, FRESHNESS_SOURCE, ContractMonitor
from lily.contracts.service import SOURCE, evaluate_contract, import_contract
from lily.model import AddClassification, AddLineage, AssetRef, AssetType, ColumnSpec, UpsertAsset, asset_id
from lily.store import Store, catalog
from lily.store import contracts as contract_store
from lily.store import incidents as incident_store
from lily.store.feed import get_offset, window_end
from tests.contracts.conftest import S3, T0, USERS, apply, contract_doc, users_dataset, write_partition

COLS = {"id": "BIGINT", "email": "VARCHAR", "country": "VARCHAR"}
GOOD = [{"id": 1, "email": "ana@example.com", "country": "DE"}, {"id": 2, "email": "bo@example.com", "country": "US"}]


def incident(store: Store, source: str, external_id: str) -> dict | None:
    with store.read() as conn:
        return incident_store.get_incident(conn, "acme", incident_store.incident_id("acme", source, external_id))


def test_breach_opens_an_incident_with_blast_radius_and_passing_again_resolves_it(store: Store, tmp_path: Path) -> None:
    write_partition(tmp_path, "2025-01-02", GOOD)
    users_dataset(store, COLS, last_modified=T0.isoformat())
    dim = AssetRef(namespace="snowflake://deltaarc", name="ANALYTICS.PUBLIC.DIM_USERS")
    apply(store, UpsertAsset(ref=dim, type=AssetType.TABLE, columns=[ColumnSpec(name="EMAIL")]),
          AddLineage(source=USERS, target=dim))
    import_contract(store, "acme", contract_doc(tmp_path), at=T0)
    first = evaluate_contract(store, "acme", "users-export", now=T0)
    assert first.status == "passing", first.as_dict()
    assert {q["name"] for q in first.datasets[0].quality} >= {"id is required", "id is unique"}
    assert first.datasets[0].process_date == "2025-01-02"  # the partition's own date
    assert incident(store, SOURCE, "users-export") is None
    with store.read() as conn:
        assert catalog.get_by_ref(conn, "acme", USERS).attributes["contract"]["status"] == "passing"

    # The export drops a column: the scan replaces the dataset's columns, the contract breaks.
    users_dataset(store, {"id": "BIGINT", "email": "VARCHAR"}, at=T0 + timedelta(hours=1))
    broken = evaluate_contract(store, "acme", "users-export", now=T0 + timedelta(hours=1))
    assert broken.status == "failing" and broken.incident == "opened"
    assert [f.kind for f in broken.datasets[0].findings] == ["schema"]
    row = incident(store, SOURCE, "users-export")
    assert row["status"] == "open" and row["severity"] == "high" and row["owner"] == "ana@deltaarc.example"
    radius = row["enrichment"]["blast_radius"]
    assert radius["total"] == 1 and radius["assets"][0]["name"] == "ANALYTICS.PUBLIC.DIM_USERS"
    # Evaluating again with the same findings adds nothing to the timeline.
    again = evaluate_contract(store, "acme", "users-export", now=T0 + timedelta(hours=2))
    assert again.incident is None and len(incident(store, SOURCE, "users-export")["timeline"]) == 1

    users_dataset(store, COLS, at=T0 + timedelta(hours=3))
    fixed = evaluate_contract(store, "acme", "users-export", now=T0 + timedelta(hours=3))
    assert fixed.status == "passing" and fixed.incident == "resolved"
    row = incident(store, SOURCE, "users-export")
    assert row["status"] == "resolved" and len(row["timeline"]) == 2


def test_quality_rules_run_in_one_scan_over_the_newest_partition(store: Store, tmp_path: Path) -> None:
    write_partition(tmp_path, "2025-01-01", GOOD)
    users_dataset(store, COLS, last_modified=T0.isoformat())
    import_contract(store, "acme", contract_doc(tmp_path), at=T0)
    assert evaluate_contract(store, "acme", "users-export", now=T0).status == "passing"
    write_partition(tmp_path, "2025-01-02", [*GOOD, {"id": 2, "email": "not-an-email", "country": "XX"}])
    result = evaluate_contract(store, "acme", "users-export", now=T0)
    failed = {f.check for f in result.datasets[0].findings}
    assert failed == {"id is unique", "email.quality[0] invalidValues", "country.quality[0] invalidValues"}
    assert result.datasets[0].partition.endswith("export_date=2025-01-02")
    assert "not-an-email" not in str(result.as_dict())  # contracted columns never appear as samples


def test_a_stopped_export_becomes_a_freshness_incident_by_the_injected_clock(store: Store) -> None:
    users_dataset(store, COLS, last_modified=T0.isoformat())
    import_contract(store, "acme", contract_doc(), at=T0)
    now = [T0 + timedelta(hours=2)]
    monitor = ContractMonitor(store, clock=lambda: now[0], read_data=False)
    assert monitor.tick("acme")["freshness"] == {str(USERS): "on time"}
    now[0] = T0 + timedelta(days=2)  # no export for two days; the SLA is one
    tick = monitor.tick("acme")
    assert tick["freshness"] == {str(USERS): "late"} and tick["contracts"] == {"users-export": "failing"}
    late = incident(store, FRESHNESS_SOURCE, str(USERS))
    assert late["status"] == "open" and late["affected"] == [{"namespace": S3, "name": "exports/users", "field": ""}]
    # The export runs again: the monitor sees the dataset change on the feed and resolves both.
    users_dataset(store, COLS, at=now[0], last_modified=now[0].isoformat())
    tick = monitor.tick("acme")
    assert tick["freshness"] == {str(USERS): "on time"} and tick["contracts"] == {"users-export": "passing"}
    assert incident(store, FRESHNESS_SOURCE, str(USERS))["status"] == "resolved"
    assert incident(store, SOURCE, "users-export")["status"] == "resolved"


def test_cadence_is_learned_from_history_when_no_contract_says(store: Store) -> None:
    ref = AssetRef(namespace=S3, name="exports/accounts")
    now = [T0]
    monitor = ContractMonitor(store, clock=lambda: now[0], read_data=False)
    for day in range(4):  # a daily export, seen on the feed
        at = T0 + timedelta(days=day)
        apply(store, UpsertAsset(ref=ref, type=AssetType.DATASET, attributes={"objects": day + 1}), at=at)
    monitor.drain_tenant("acme")
    now[0] = T0 + timedelta(days=3, hours=20)
    assert monitor.tick("acme")["freshness"] == {str(ref): "on time"}
    now[0] = T0 + timedelta(days=5)  # 48 h since the last update, 1.5 x 24 h allowed
    assert monitor.tick("acme")["freshness"] == {str(ref): "late"}
    assert incident(store, FRESHNESS_SOURCE, str(ref))["status"] == "open"


def test_the_monitor_evaluates_on_the_feed_when_an_s3_object_under_the_contract_appears(store: Store) -> None:
    users_dataset(store, COLS, last_modified=T0.isoformat())
    import_contract(store, "acme", contract_doc(), at=T0)
    monitor = ContractMonitor(store, clock=lambda: T0 + timedelta(hours=1), read_data=False)
    monitor.drain_tenant("acme")
    users_dataset(store, {"id": "BIGINT"}, at=T0)  # a scan: two columns gone
    key = "exports/users/export_date=2025-01-03/part-0.parquet"
    apply(store, UpsertAsset(ref=AssetRef(namespace=S3, name=key), type=AssetType.S3_OBJECT))
    assert monitor.drain_tenant("acme") > 0
    with store.read() as conn:
        mark = catalog.get_by_ref(conn, "acme", USERS).attributes["contract"]
        obj = catalog.get_by_ref(conn, "acme", AssetRef(namespace=S3, name=key))
        assert obj is not None
        history = contract_store.update_history(conn, "acme", [asset_id("acme", USERS), obj.id])
    # the object's arrival is an update of the contracted export (its freshness), not of the object
    assert history[obj.id] == [] and history[asset_id("acme", USERS)][-1:] == [obj.created_at]
    assert mark == {"id": "users-export", "version": "1.0.0", "status": "failing"}
    assert incident(store, SOURCE, "users-export")["status"] == "open"
    # Its own writes (the status on the asset, the incident) come back on the feed but do not
    # make it evaluate again: the incident keeps its one update.
    monitor.drain_tenant("acme")
    assert monitor.drain_tenant("acme") == 0
    assert len(incident(store, SOURCE, "users-export")["timeline"]) == 1


def test_the_monitor_moves_its_offset_past_changes_it_does_not_read(store: Store) -> None:
    """A long run of changes of other kinds (tags here) is walked once, in windows, and a change it
    reads after them is still found."""
    users_dataset(store, COLS, last_modified=T0.isoformat())
    import_contract(store, "acme", contract_doc(), at=T0)
    monitor = ContractMonitor(store, clock=lambda: T0 + timedelta(hours=1), read_data=False, batch=3, window=5)
    monitor.drain_tenant("acme")
    for i in range(12):
        apply(store, AddClassification(ref=USERS, tag=f"Team.t{i}"))

    def offset_and_head() -> tuple[int, int]:
        with store.read() as conn:
            return get_offset(conn, CONSUMER, "acme"), window_end(conn, "acme", 0, 10**9)

    before, head = offset_and_head()
    assert head - before >= 12
    assert monitor.drain_tenant("acme") == 0  # none of its kinds
    assert offset_and_head() == (head, head)

    users_dataset(store, {"id": "BIGINT"}, at=T0)  # two columns gone, behind more tags
    for i in range(7):
        apply(store, AddClassification(ref=USERS, tag=f"Team.u{i}"))
    assert monitor.drain_tenant("acme") > 0
    assert incident(store, SOURCE, "users-export")["status"] == "open"
    assert offset_and_head()[0] == offset_and_head()[1]


def v32_doc(path: Path) -> dict:
    """The same contract in ODCS v3.2.0: the country's allowed values as an ``enum``, an
    ``invalidValues`` rule with no arguments (it reads the enum), in percent."""
    doc = contract_doc(path, apiVersion="v3.2.0")
    country = doc["schema"][0]["properties"][2]
    country["enum"] = [{"value": "DE", "label": "Germany"}, {"value": "FR"}, {"value": "US"}]
    country["quality"] = [{"metric": "invalidValues", "unit": "percent", "mustBeLessThan": 30}]
    return doc


def test_a_v3_2_enum_is_enforced_and_an_invalid_values_rule_reading_it_sets_the_tolerance(store: Store, tmp_path: Path) -> None:
    write_partition(tmp_path, "2025-01-01", GOOD)
    users_dataset(store, COLS, last_modified=T0.isoformat())
    import_contract(store, "acme", v32_doc(tmp_path), at=T0)
    assert evaluate_contract(store, "acme", "users-export", now=T0).status == "passing"
    rows = [{"id": i, "email": f"u{i}@example.com", "country": c} for i, c in enumerate(["DE", "US", "XX", "FR"])]
    write_partition(tmp_path, "2025-01-02", rows)  # one value of four outside the enum: 25 % < 30 %
    assert evaluate_contract(store, "acme", "users-export", now=T0).status == "passing"
    write_partition(tmp_path, "2025-01-03", [*rows, {"id": 9, "email": "z@example.com", "country": "YY"}])
    failed = {f.check for f in evaluate_contract(store, "acme", "users-export", now=T0).datasets[0].findings}
    assert failed == {"country.quality[0] invalidValues"}  # 40 %: the rule says how much is tolerated
    # Without a rule reading it, the enum alone tolerates no value outside it.
    strict = v32_doc(tmp_path)
    del strict["schema"][0]["properties"][2]["quality"]
    import_contract(store, "acme", strict, at=T0)
    failed = {f.check for f in evaluate_contract(store, "acme", "users-export", now=T0).datasets[0].findings}
    assert failed == {"country is one of its enum values"}


def test_duplicate_values_in_percent_compare_the_share_of_duplicated_rows(store: Store, tmp_path: Path) -> None:
    doc = contract_doc(tmp_path)
    doc["schema"][0]["properties"][1]["quality"] = [
        {"metric": "duplicateValues", "unit": "percent", "mustBeLessThan": 30}]
    doc["schema"][0]["quality"] = [
        {"metric": "duplicateValues", "arguments": {"properties": ["email", "country"]}, "unit": "percent",
         "mustBeLessThan": 30}]
    users_dataset(store, COLS, last_modified=T0.isoformat())
    import_contract(store, "acme", doc, at=T0)
    rows = [{"id": i, "email": e, "country": "DE"} for i, e in enumerate(["a@x.io", "b@x.io", "c@x.io", "a@x.io"])]
    write_partition(tmp_path, "2025-01-02", rows)  # one row of four repeats a key: 25 % < 30 %
    assert evaluate_contract(store, "acme", "users-export", now=T0).status == "passing"
    write_partition(tmp_path, "2025-01-03", [*rows, {"id": 9, "email": "b@x.io", "country": "DE"}])  # 2 of 5
    failed = {f.check for f in evaluate_contract(store, "acme", "users-export", now=T0).datasets[0].findings}
    assert failed == {"email.quality[0] duplicateValues", "users.quality[0] duplicateValues"}
