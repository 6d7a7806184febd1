"""Check definitions: the YAML form, defaults per type, and clear errors for bad definitions."""

from __future__ import annotations

import pytest
import yaml
from pydantic import ValidationError

from lily.quality import parse_checks

YAML = """
checks:
  - type: row_count
    fail: {lt: 1000}
  - type: missing_percent
    column: email
    warn: {gt: 1}
    fail: {gt: 5}
    blocking: true
  - type: invalid_count
    column: email
    format: email
  - type: duplicate_count
    column: customer_id
    blocking: true
  - type: freshness
    column: updated_at
    max_age: 1d
  - type: distribution
    column: age
    metric: avg
    fail: {not_between: [18, 120]}
  - type: reference
    column: customer_id
    dataset: customers
  - type: schema
    columns: {customer_id: integer, email: string, balance: "DECIMAL(18,2)", notes: null}
  - type: sql_metric
    name: paid_share
    expression: avg(CASE WHEN status = 'paid' THEN 1 ELSE 0 END)
    warn: {lt: 0.5}
    dimension: consistency
"""


def test_the_documented_yaml_parses_with_defaults() -> None:
    checks = parse_checks(yaml.safe_load(YAML)["checks"])
    assert [c.name for c in checks] == [
        "row_count", "missing_percent(email)", "invalid_count(email)", "duplicate_count(customer_id)",
        "freshness(updated_at)", "avg(age)", "reference(customer_id -> customers.customer_id)", "schema",
        "paid_share",
    ]
    assert [c.dimension for c in checks] == [
        "completeness", "completeness", "validity", "uniqueness", "timeliness", "accuracy", "consistency",
        "consistency", "consistency",
    ]
    assert checks[2].fail is not None and checks[2].fail.describe() == "> 0"  # default: any invalid fails
    assert checks[4].fail is not None and checks[4].fail.conditions() == {"gt": 24.0}  # max_age 1d
    assert checks[3].columns == ["customer_id"] and checks[3].blocking


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        ({"type": "row_cnt"}, "row_cnt"),
        ({"type": "missing_count"}, "column"),
        ({"type": "missing_count", "column": "a", "colour": "red"}, "colour"),
        ({"type": "invalid_count", "column": "a"}, "needs a rule"),
        ({"type": "invalid_count", "column": "a", "regex": "([a-z"}, "does not compile"),
        ({"type": "invalid_count", "column": "a", "format": "zipcode"}, "format"),
        ({"type": "row_count", "fail": {}}, "needs a condition"),
        ({"type": "row_count", "fail": {"between": [5, 1]}}, "reversed"),
        ({"type": "row_count", "fail": {"greater": 1}}, "greater"),
        ({"type": "distribution", "column": "a", "metric": "avg"}, "needs a warn or fail threshold"),
        ({"type": "distribution", "column": "a", "metric": "median", "fail": {"gt": 1}}, "metric"),
        ({"type": "freshness", "column": "a", "max_age": "yesterday"}, "not a duration"),
        ({"type": "freshness", "column": "a"}, "needs a warn or fail threshold"),
        ({"type": "schema", "columns": {"a": "NOT_A_TYPE(("}}, "unknown type"),
        ({"type": "duplicate_count", "columns": []}, "columns"),
        ({"type": "sql_metric", "expression": "a + 1", "fail": {"gt": 0}}, "must aggregate"),
        ({"type": "sql_metric", "expression": "sum(a)", "query": "select 1", "fail": {"gt": 0}}, "exactly one"),
        ({"type": "sql_metric", "query": "select from where", "fail": {"gt": 0}}, "does not parse"),
        ({"type": "missing_count", "column": "a", "dimension": "beauty"}, "dimension"),
    ],
)
def test_bad_definitions_are_clear_pydantic_errors(raw: dict[str, object], needle: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_checks([raw])
    assert needle in str(info.value)
    assert info.value.errors()[0]["loc"][0] == 0  # which check, for the pipeline file's error


def test_names_must_be_unique() -> None:
    with pytest.raises(ValueError, match="two checks are named 'invalid_count\\(a\\)'"):
        parse_checks([{"type": "invalid_count", "column": "a", "regex": "x"},
                      {"type": "invalid_count", "column": "a", "valid_values": ["x"]}])
