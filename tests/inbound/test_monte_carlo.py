from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from lily.inbound.sources import monte_carlo
from lily.inbound.sources.base import InvalidSignatureError, MissingSignatureError, NoSecretError, ParseError
from lily.inbound.sources.monte_carlo_mapping import (
    MonteCarloMapping,
    MonteCarloOptions,
    TableReference,
    TableRule,
    WarehouseRule,
)
from lily.model import AssetRef, UpsertIncident
from tests.inbound.samples import MONTECARLO, load

VECTORS = load(MONTECARLO / "montecarlo_signature_test_vectors_DERIVED.json")
SECRET = VECTORS["secret"]
RECEIVED = datetime(2025, 1, 15, 18, 10, tzinfo=UTC)
INCIDENT = "f83867b6-8f25-428b-807c-08518f63384c"


def body_of(name: str) -> bytes:
    return (MONTECARLO / name).read_bytes()


def incident(payload: Any, mapping: MonteCarloMapping | None = None) -> UpsertIncident:
    (op,) = monte_carlo.parse(payload, received_at=RECEIVED, options=mapping)
    assert isinstance(op, UpsertIncident)
    return op


@pytest.mark.parametrize("vector", VECTORS["vectors"], ids=lambda v: v["file"])
def test_signature_vectors_both_forms(vector: dict[str, str]) -> None:
    body = body_of(vector["file"])
    assert (
        monte_carlo.reference_signing_string(body)
        .decode()
        .startswith(vector["urlencoded_signing_string_prefix"])
    )
    assert monte_carlo.sign(body, SECRET) == vector["signature_mc_reference"]
    assert monte_carlo.sign(body, SECRET, reference=False) == vector["signature_raw_body"]
    monte_carlo.verify(body, {"x-mcd-signature": vector["signature_mc_reference"]}, SECRET)
    monte_carlo.verify(body, {"X-MCD-Signature": vector["signature_raw_body"].upper()}, SECRET)


@pytest.mark.parametrize("vector", VECTORS["vectors"], ids=lambda v: v["file"])
def test_wrong_signature_is_403_missing_is_401(vector: dict[str, str]) -> None:
    body = body_of(vector["file"])
    good = vector["signature_mc_reference"]
    tampered = good[:-1] + ("1" if good[-1] == "0" else "0")
    with pytest.raises(InvalidSignatureError) as wrong:
        monte_carlo.verify(body, {"x-mcd-signature": tampered}, SECRET)
    assert wrong.value.status == 403
    with pytest.raises(InvalidSignatureError):
        monte_carlo.verify(body, {"x-mcd-signature": vector["signature_mc_reference"]}, "another-secret")
    with pytest.raises(InvalidSignatureError):
        monte_carlo.verify(body + b" ", {"x-mcd-signature": vector["signature_raw_body"]}, SECRET)
    with pytest.raises(MissingSignatureError) as missing:
        monte_carlo.verify(body, {"content-type": "application/json"}, SECRET)
    assert missing.value.status == 401
    with pytest.raises(MissingSignatureError):
        monte_carlo.verify(body, {"x-mcd-signature": "  "}, SECRET)


def test_a_tenant_without_a_secret_takes_no_webhook_signed_or_not() -> None:
    """The route's rule (it refuses such a tenant before calling verify), held by verify too."""
    body = b'{"payload": {"incident_id": "i-1"}}'
    for secret in (None, ""):
        for headers in ({}, {"x-mcd-signature": monte_carlo.sign(body, SECRET)}):
            with pytest.raises(NoSecretError) as refused:
                monte_carlo.verify(body, headers, secret)
            assert refused.value.status == 401


def test_non_json_body_can_only_match_raw_form() -> None:
    body = b"not json"
    monte_carlo.verify(body, {"x-mcd-signature": monte_carlo.sign(body, SECRET, reference=False)}, SECRET)
    with pytest.raises(InvalidSignatureError):
        monte_carlo.verify(body, {"x-mcd-signature": "ab" * 64}, SECRET)


def test_custom_rule_breach() -> None:
    op = incident(json.loads(body_of("montecarlo_webhook_custom_rule_breach.json")))
    assert op.source == "monte_carlo" and op.external_id == INCIDENT
    assert op.title == "test rule"
    assert op.status == "open"
    assert op.link == f"https://getmontecarlo.com/incidents/{INCIDENT}"
    assert op.affected == [] and op.unresolved == []  # the comparison names no table
    assert op.update["type"] == "open_custom_rule_anomaly_incident"
    assert op.update["account_id"] == "9a59c6f1-203a-4c72-8cd7-132db7f21b92"
    assert op.update["event_list"][0]["data"]["hits"][0]["value"] == "50.0"
    assert op.observed_at == RECEIVED


def test_anomaly_incident_unmatched_table_is_kept() -> None:
    op = incident(json.loads(body_of("montecarlo_webhook_anomaly_incident_abbrev.json")))
    assert op.title == "Has 42 rows vs. 101 expected"
    assert op.unresolved == [{"table_name": "artemis"}]
    assert op.update["group_id"] == "zeus:ares"
    assert op.update["event_details"] == ["Has 42 rows vs. 101 expected"]


def test_anomaly_incident_matched_by_explicit_rule() -> None:
    ref = AssetRef(namespace="snowflake://acct", name="OLYMPUS.PUBLIC.ARTEMIS")
    mapping = MonteCarloMapping(tables=[TableRule(table="Artemis", ref=ref)])
    op = incident(json.loads(body_of("montecarlo_webhook_anomaly_incident_abbrev.json")), mapping)
    assert op.affected == [ref] and op.unresolved == []


def test_the_tenants_stored_options_reach_parse_through_the_sources_config() -> None:
    ref = AssetRef(namespace="snowflake://acct", name="OLYMPUS.PUBLIC.ARTEMIS")
    stored = {"mapping": {"tables": [{"table": "artemis", "ref": ref.model_dump()}]}}
    options = monte_carlo.SOURCE.options(stored)
    assert isinstance(options, MonteCarloOptions)
    payload = json.loads(body_of("montecarlo_webhook_anomaly_incident_abbrev.json"))
    (op,) = monte_carlo.parse(payload, received_at=RECEIVED, options=options)
    assert isinstance(op, UpsertIncident) and op.affected == [ref]
    assert monte_carlo.SOURCE.options({}).mapping == MonteCarloMapping()
    assert monte_carlo.SOURCE.options({"mapping": None}).mapping == MonteCarloMapping()


def update_payload(**fields: Any) -> dict[str, Any]:
    return {
        "action": "incident",
        "type": "incident_status_update",
        "payload": {"incident_id": INCIDENT, **fields},
    }


@pytest.mark.parametrize(
    ("feedback", "status"),
    [
        (None, "open"),
        ("no_status", "open"),
        ("investigating", "investigating"),
        ("work_in_progress", "investigating"),
        ("fixed", "resolved"),
        ("expected", "resolved"),
        ("no_action_needed", "resolved"),
        ("false_positive", "resolved"),
        ("brand_new_state", "brand_new_state"),
    ],
)
def test_status_from_alert_feedback(feedback: str | None, status: str) -> None:
    op = incident(update_payload(alert_feedback=feedback))
    assert op.status == status
    assert op.update["alert_feedback"] == feedback


def test_update_fields_at_top_level_and_severity_owner() -> None:
    payload = {"type": "incident_updated", "incident_id": INCIDENT, "owner": "oncall@example.com",
               "declared_alert_severity": "SEV-2"}  # fmt: skip
    op = incident(payload)
    assert (op.owner, op.severity, op.status) == ("oncall@example.com", "SEV-2", None)
    assert op.update["declared_alert_severity"] == "SEV-2"


def test_unmarked_severity_is_an_explicit_null_in_the_update() -> None:
    op = incident(update_payload(declared_alert_severity=None))
    assert op.severity is None
    assert "declared_alert_severity" in op.update and op.update["declared_alert_severity"] is None


def test_unknown_type_tolerated_and_payload_time_preferred() -> None:
    op = incident(
        {"type": "something_new", "payload": {"incident_id": INCIDENT, "created_time": "2025-01-01T00:00:00"}}
    )
    assert op.update["type"] == "something_new"
    assert op.observed_at == datetime(2025, 1, 1, tzinfo=UTC)
    assert op.title is None and op.default_title == "Something new"  # the type names nothing


@pytest.mark.parametrize(
    ("payload", "path"),
    [
        ({"payload": {}}, "payload.incident_id"),
        ({"payload": {"incident_id": ""}}, "payload.incident_id"),
        ({"payload": "x"}, "payload"),
        ([], ""),
    ],
)
def test_parse_errors(payload: Any, path: str) -> None:
    with pytest.raises(ParseError) as info:
        monte_carlo.parse(payload, received_at=RECEIVED)
    assert info.value.path == path


def test_without_any_time_parse_fails_clearly() -> None:
    with pytest.raises(ParseError, match="no timestamp"):
        monte_carlo.parse(update_payload())


def test_default_rules_per_warehouse() -> None:
    mapping = MonteCarloMapping(
        warehouses=[
            WarehouseRule(warehouse="wh-bq", namespace="bigquery"),
            WarehouseRule(warehouse="Snowflake Prod", namespace="snowflake://org-acct", case="upper"),
        ]
    )
    payload = update_payload(
        event_list=[
            {"full_table_id": "proj:sales.orders", "warehouse_uuid": "wh-bq"},
            {"full_table_id": "analytics:public.dim_users", "warehouse_name": "snowflake prod"},
            {"full_table_id": "x:y.z", "warehouse_uuid": "unknown-wh"},
            {"mcon": "MCON++acct++wh-bq++table++proj:sales.customers"},
            {"full_table_id": "proj:sales.orders", "warehouse_uuid": "wh-bq"},  # duplicate
        ]
    )
    op = incident(payload, mapping)
    assert op.affected == [
        AssetRef(namespace="bigquery", name="proj.sales.orders"),
        AssetRef(namespace="snowflake://org-acct", name="ANALYTICS.PUBLIC.DIM_USERS"),
        AssetRef(namespace="bigquery", name="proj.sales.customers"),
    ]
    assert op.unresolved == [{"full_table_id": "x:y.z", "warehouse": "unknown-wh"}]


def test_rule_comparison_tables_and_default_namespace() -> None:
    payload = update_payload(
        event_list=[
            {
                "rule": {
                    "comparisons": [
                        {"full_table_id": "db:s.t", "warehouse_uuid": "w"},
                        {"full_table_id": None},
                    ]
                }
            }
        ]
    )
    assert incident(payload, MonteCarloMapping(default_namespace="warehouse")).affected == [
        AssetRef(namespace="warehouse", name="db.s.t")
    ]


def test_bare_table_name_needs_an_explicit_rule() -> None:
    mapping = MonteCarloMapping(default_namespace="warehouse")
    assert mapping.resolve(TableReference(table_name="artemis")) is None
    rule = TableRule(table="artemis", warehouse="wh1", ref=AssetRef(namespace="n", name="a"))
    scoped = MonteCarloMapping(tables=[rule])
    assert scoped.resolve(TableReference(table_name="artemis", warehouse="wh2")) is None
    assert scoped.resolve(TableReference(table_name="artemis", warehouse="WH1")) == AssetRef(
        namespace="n", name="a"
    )


def test_idempotency_key() -> None:
    payload = json.loads(body_of("montecarlo_webhook_anomaly_incident_abbrev.json"))
    key = monte_carlo.idempotency_key(payload)
    assert key == monte_carlo.idempotency_key(dict(reversed(payload.items())))
    acked = copy.deepcopy(payload)
    acked["payload"]["alert_feedback"] = "investigating"
    assert monte_carlo.idempotency_key(acked) != key
    owner = copy.deepcopy(acked)
    owner["owner"] = "someone@example.com"
    assert monte_carlo.idempotency_key(owner) != monte_carlo.idempotency_key(acked)
    other = copy.deepcopy(payload)
    other["payload"]["incident_id"] = "another"
    assert monte_carlo.idempotency_key(other) != key
    # Fields outside the update (delivery metadata) do not make a new key.
    noisy = copy.deepcopy(payload)
    noisy["delivery_attempt"] = 2
    assert monte_carlo.idempotency_key(noisy) == key
    assert monte_carlo.split(payload) == [payload]
