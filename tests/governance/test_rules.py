"""Security rules: strict validation messages, condition matching, evaluation to policy state."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from lily.governance.globs import tag_matches
from lily.governance.rules import (
    GovernedColumn,
    GovernedTable,
    evaluate,
    governed_tables,
    subscribers_for,
    target_kind_for,
)
from lily.model import Asset, AssetRef, AssetType
from lily.model.policy import MaskStrategy, ObjectKey, TargetKind
from lily.model.rules import EventKind, SecurityRule
from tests.governance.helpers import T0, cls

BASE: dict[str, Any] = {
    "rule_id": "pii-mask", "rule_type": "masking",
    "conditions": [{"field": "classification", "operator": "matches", "value": "PII.*"}],
    "actions": [{"type": "mask", "parameters": {"strategy": "hash", "exempt_roles": ["pii_readers"]}}],
}


def rule(**over: Any) -> SecurityRule:
    return SecurityRule.model_validate({**BASE, **over})


def error_of(**over: Any) -> tuple[tuple, str]:
    with pytest.raises(ValidationError) as e:
        rule(**over)
    (err,) = e.value.errors()
    return err["loc"], err["msg"].removeprefix("Value error, ")


@pytest.mark.parametrize(("over", "loc", "message"), [
    ({"conditions": [{"field": "colour", "operator": "equals", "value": "x"}]}, ("conditions", 0, "field"),
     "unknown condition field 'colour'; allowed: classification, asset, namespace, type, name"),
    ({"conditions": [{"field": "name", "operator": "like", "value": "x"}]}, ("conditions", 0, "operator"),
     "unknown operator 'like'; allowed: equals, not_equals, in, not_in, matches, regex, exists"),
    ({"conditions": [{"field": "name", "operator": "regex", "value": "("}]}, ("conditions", 0),
     "invalid regex '(': missing ), unterminated subpattern at position 0"),
    ({"conditions": [{"field": "type", "operator": "equals", "value": "tabel"}]}, ("conditions", 0),
     "unknown asset type 'tabel'; allowed: database, schema, table, view, column, dataset, s3_bucket, "
     "s3_object, file, topic, job, dashboard, model"),
    ({"conditions": [{"field": "name", "operator": "equals", "value": ""}]}, ("conditions", 0),
     "operator 'equals' takes a non-empty string value, got ''"),
    ({"conditions": [{"field": "name", "operator": "exists", "value": "maybe"}]}, ("conditions", 0),
     "operator 'exists' takes true or false, got 'maybe'"),
    ({"conditions": [{"field": "name", "operator": "equals", "value": "x", "negate": True}]}, ("conditions", 0),
     "unknown condition field 'negate'; allowed: field, operator, value"),
    ({"actions": [{"type": "encrypt", "parameters": {}}]}, ("actions", 0, "type"),
     "unknown action type 'encrypt'; allowed: mask, tag, row_filter, deny, notify"),
    ({"actions": [{"type": "mask", "parameters": {"strategy": "blur"}}]}, ("actions", 0, "parameters"),
     "invalid mask parameters: strategy: unknown mask strategy 'blur'; allowed: full, partial, hash, null "
     "(parameters: targets, strategy, exempt_roles)"),
    ({"actions": [{"type": "mask", "parameters": {"strategy": "hash", "roles": ["x"]}}]},
     ("actions", 0, "parameters"),
     "invalid mask parameters: unknown parameter 'roles' (parameters: targets, strategy, exempt_roles)"),
    ({"actions": [{"type": "mask", "parameters": {}}]}, ("actions", 0, "parameters"),
     "invalid mask parameters: missing required parameter 'strategy' (parameters: targets, strategy, exempt_roles)"),
    ({"actions": [{"type": "mask", "parameters": {"strategy": "null", "targets": ["oracle"]}}]},
     ("actions", 0, "parameters"),
     "invalid mask parameters: targets: unknown target 'oracle'; allowed: snowflake, databricks, postgres, webhook "
     "(parameters: targets, strategy, exempt_roles)"),
    ({"actions": [{"type": "deny", "parameters": {"roles": []}}]}, ("actions", 0, "parameters"),
     "invalid deny parameters: roles: roles must name at least one role (parameters: targets, roles)"),
    ({"actions": [{"type": "row_filter", "parameters": {"column": "c"}}]}, ("actions", 0, "parameters"),
     "invalid row_filter parameters: 'column' needs a non-empty 'values' list "
     "(parameters: targets, column, values, expression, allowed_roles)"),
    ({"actions": [{"type": "row_filter", "parameters": {"expression": "a = 1; DROP TABLE t"}}]},
     ("actions", 0, "parameters"),
     "invalid row_filter parameters: expression 'a = 1; DROP TABLE t' must be a single predicate "
     "(no ';' or comments) (parameters: targets, column, values, expression, allowed_roles)"),
    ({"actions": [{"type": "row_filter", "parameters": {"expression": "x IN (SELECT y FROM t)"}}]},
     ("actions", 0, "parameters"),
     "invalid row_filter parameters: expression 'x IN (SELECT y FROM t)' must be a predicate, not a statement "
     "or subquery (parameters: targets, column, values, expression, allowed_roles)"),
    ({"actions": [{"type": "notify", "parameters": {"subscribers": ["ops"], "events": ["weather"]}}]},
     ("actions", 0, "parameters"),
     "invalid notify parameters: events: unknown event kind 'weather'; allowed: policy, classification, incident "
     "(parameters: subscribers, events)"),
    ({"actions": []}, ("actions",), "List should have at least 1 item after validation, not 0"),
    ({"rule_type": "vibes"}, ("rule_type",),
     "unknown rule type 'vibes'; allowed: masking, access_control, row_level_security, tagging, notification, composite"),
    ({"conditions": []}, (), "a rule needs at least one condition or an asset_id"),
    ({"owner": "me"}, (), "unknown rule field 'owner'; allowed: rule_id, asset_id, rule_type, description, enabled, "
                          "conditions, actions"),
])
def test_invalid_rules_have_precise_messages(over: dict[str, Any], loc: tuple, message: str) -> None:
    assert error_of(**over) == (loc, message)


def test_valid_rule_normalizes_parameters() -> None:
    r = rule(conditions=[{"field": "classification", "operator": "in", "value": "PII.email, PII.phone"}])
    assert r.conditions[0].value == ["PII.email", "PII.phone"]
    assert r.actions[0].parameters == {"targets": ["snowflake", "databricks", "postgres"], "strategy": "hash",
                                       "exempt_roles": ["pii_readers"]}
    assert r.actions[0].params.strategy == MaskStrategy.HASH
    assert SecurityRule.model_validate(r.model_dump(mode="json")) == r  # stored form round-trips


SEG = st.text(alphabet="abcdefghXYZ_0123", min_size=1, max_size=6)


@given(st.lists(SEG, min_size=1, max_size=4), st.data())
def test_wildcards(segments: list[str], data: st.DataObject) -> None:
    tag = ".".join(segments)
    assert tag_matches(tag, tag.upper()) and tag_matches(tag.swapcase(), tag)  # case-insensitive literal
    assert tag_matches(tag, "*")
    k = data.draw(st.integers(0, len(segments) - 1))
    prefix = ".".join(segments[:k])
    assert tag_matches(tag, (prefix + ".*") if prefix else "*")
    assert tag_matches(tag, ".".join([*segments[:k], "*", *segments[k + 1:]]))
    other = data.draw(SEG)
    if other.casefold() != tag.casefold():
        assert not tag_matches(tag, other)  # no glob characters: exact match only
    assert not tag_matches(tag, tag + "?")  # '?' needs exactly one more character


USERS = AssetRef(namespace="postgres://db:5432", name="shop.public.users")
SF_USERS = AssetRef(namespace="snowflake://org", name="ANALYTICS.PUBLIC.USERS")


def table(ref: AssetRef = USERS) -> GovernedTable:
    return GovernedTable(asset_id=uuid.uuid5(uuid.NAMESPACE_URL, str(ref)), ref=ref, tags=frozenset({"GDPR.personal"}),
                         columns=(GovernedColumn(uuid.uuid4(), "id", "integer"),
                                  GovernedColumn(uuid.uuid4(), "email", "text", frozenset({"PII.email"})),
                                  GovernedColumn(uuid.uuid4(), "phone", "text", frozenset({"pii.Phone"}))))


def test_evaluate_masks_tags_deny_filters_notify() -> None:
    rules = [
        rule(),
        rule(rule_id="stricter", actions=[{"type": "mask", "parameters": {
            "strategy": "full", "exempt_roles": ["pii_readers", "admins"], "targets": ["postgres"]}}],
            conditions=[{"field": "name", "operator": "equals", "value": "EMAIL"}]),
        rule(rule_id="tags", rule_type="tagging", actions=[{"type": "tag", "parameters": {"tags": ["PII.*"]}}]),
        rule(rule_id="deny", rule_type="access_control",
             conditions=[{"field": "type", "operator": "equals", "value": "table"},
                         {"field": "namespace", "operator": "matches", "value": "postgres://*"}],
             actions=[{"type": "deny", "parameters": {"roles": ["interns"]}},
                      {"type": "notify", "parameters": {"subscribers": ["secops"], "events": ["policy"]}}]),
        rule(rule_id="phone-deny", rule_type="access_control",
             conditions=[{"field": "name", "operator": "regex", "value": "^ph"}],
             actions=[{"type": "deny", "parameters": {"roles": ["contractors"]}}]),
        rule(rule_id="rows", rule_type="row_level_security",
             conditions=[{"field": "classification", "operator": "exists", "value": True},
                         {"field": "type", "operator": "not_equals", "value": "column"}],
             actions=[{"type": "row_filter", "parameters": {"expression": "country = 'UK'",
                                                            "allowed_roles": ["global"]}}]),
        rule(rule_id="disabled", enabled=False, actions=[{"type": "deny", "parameters": {"roles": ["all"]}}]),
    ]
    out = evaluate(rules, [table(), table(SF_USERS)])
    pg = out[ObjectKey(target=TargetKind.POSTGRES, namespace=USERS.namespace, name=USERS.name)]
    assert pg.masks["email"].strategy == MaskStrategy.FULL  # strictest wins
    assert pg.masks["email"].exempt_roles == {"pii_readers"}  # exempt only if every rule exempts
    assert pg.masks["phone"].strategy == MaskStrategy.HASH and pg.masks["phone"].denied_roles == {"contractors"}
    assert pg.column_tags == {("email", "PII.email"), ("phone", "pii.Phone")}
    assert pg.revoked_roles == {"interns"} and pg.notify == frozenset()
    (rf,) = pg.row_filters
    assert rf.expression == "country = 'UK'" and rf.columns == ("country",) and rf.allowed_roles == {"global"}
    assert pg.columns == ("id", "email", "phone") and pg.column_types["email"] == "text"
    sf = out[ObjectKey(target=TargetKind.SNOWFLAKE, namespace=SF_USERS.namespace, name=SF_USERS.name)]
    assert sf.masks["email"].strategy == MaskStrategy.HASH  # the full-mask rule targets postgres only
    assert sf.revoked_roles == frozenset()  # the deny rule is scoped to postgres namespaces
    hook = out[ObjectKey(target=TargetKind.WEBHOOK, namespace=USERS.namespace, name=USERS.name)]
    assert hook.notify == {"secops"} and hook.revoked_roles == {"interns"}
    assert ObjectKey(target=TargetKind.WEBHOOK, namespace=SF_USERS.namespace, name=SF_USERS.name) not in out
    assert subscribers_for(rules, table(), EventKind.POLICY) == {"secops"}
    assert subscribers_for(rules, table(), EventKind.INCIDENT) == set()


def test_asset_scope_and_unknown_namespace() -> None:
    t = table()
    scoped = rule(asset_id=t.ref.column("email").qualified_name, conditions=[])
    out = evaluate([scoped], [t])
    (pol,) = out.values()
    assert set(pol.masks) == {"email"}
    by_id = rule(asset_id=str(t.asset_id), conditions=[])
    assert set(next(iter(evaluate([by_id], [t]).values())).masks) == {"id", "email", "phone"}
    s3 = table(AssetRef(namespace="s3://bucket", name="exports/users"))
    assert evaluate([rule()], [s3]) == {}
    assert target_kind_for("postgresql://h:5432") == TargetKind.POSTGRES and target_kind_for("kafka://x") is None


def test_governed_tables_from_store_types() -> None:
    ds_id, col_id = uuid.uuid4(), uuid.uuid4()
    assets = [
        Asset(id=ds_id, tenant_id="t", type=AssetType.TABLE, ref=USERS, created_at=T0, updated_at=T0),
        Asset(id=col_id, tenant_id="t", type=AssetType.COLUMN, ref=USERS.column("email"), parent_id=ds_id,
              attributes={"data_type": "text"}, created_at=T0, updated_at=T0),
    ]
    (gt,) = governed_tables(assets, [cls(col_id, "PII.email"), cls(ds_id, "GDPR.personal")])
    assert gt.tags == {"GDPR.personal"} and gt.columns[0].name == "email" and gt.columns[0].tags == {"PII.email"}
    assert gt.columns[0].data_type == "text"
