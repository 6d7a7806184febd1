"""Every check type against the same metric computed in plain Python, on generated tables with nulls."""

from __future__ import annotations

import math
import re
import statistics
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lily.quality import QualityReport, parse_checks, run_checks
from lily.quality.formats import FORMATS
from tests.quality.conftest import load, rows

PROCESS_DATE = date(2024, 1, 7)
REFERENCE_IDS = {0, 1, 2}
CHECKS = parse_checks([
    {"type": "row_count", "warn": {"lt": 5}},
    {"type": "missing_count", "column": "email", "missing_values": ["", "N/A"]},
    {"type": "missing_percent", "column": "email", "warn": {"gt": 10}, "fail": {"gt": 50}},
    {"type": "invalid_count", "name": "email_format", "column": "email", "format": "email"},
    {"type": "invalid_count", "name": "email_regex", "column": "email", "regex": "[a-z]+@[a-z]+\\.[a-z]{2,}"},
    {"type": "invalid_count", "name": "email_length", "column": "email", "min_length": 3, "max_length": 7},
    {"type": "invalid_count", "name": "code_values", "column": "code", "valid_values": ["A", "B"]},
    {"type": "invalid_percent", "name": "code_values_pct", "column": "code", "valid_values": ["A", "B"],
     "warn": {"gt": 20}, "fail": {"gt": 60}},
    {"type": "invalid_count", "name": "amount_range", "column": "amount", "valid_min": -100, "valid_max": 100},
    {"type": "invalid_count", "name": "born_date", "column": "born", "format": "date"},
    {"type": "duplicate_count", "columns": ["id"]},
    {"type": "duplicate_count", "columns": ["id", "k2"]},
    {"type": "duplicate_percent", "columns": ["id"], "warn": {"gt": 10}, "fail": {"gt": 40}},
    {"type": "freshness", "column": "day", "max_age": "2d", "warn": {"gt": 24}},
    {"type": "distribution", "column": "amount", "metric": "avg", "fail": {"not_between": [-1000, 1000]}},
    {"type": "distribution", "column": "amount", "metric": "min", "warn": {"lt": 0}},
    {"type": "distribution", "column": "amount", "metric": "max", "warn": {"gt": 0}},
    {"type": "distribution", "column": "amount", "metric": "stddev", "warn": {"gt": 1}},
    {"type": "distribution", "column": "amount", "metric": "sum", "warn": {"gt": 0}},
    {"type": "reference", "column": "id", "dataset": "ids", "dataset_column": "ref_id"},
    {"type": "sql_metric", "name": "positive", "expression": "count(*) FILTER (WHERE amount > 0)",
     "warn": {"gt": 3}},
    {"type": "sql_metric", "name": "distinct_codes", "query": "SELECT count(DISTINCT code) FROM {relation}",
     "fail": {"gt": 3}},
])


def present(table: list[dict[str, Any]], column: str) -> list[Any]:
    return [r[column] for r in table if r[column] is not None]


def valid_date(text: str) -> bool:
    if not re.fullmatch(FORMATS["date"], text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def expected_metrics(table: list[dict[str, Any]]) -> dict[str, Any]:
    n = len(table)
    emails = present(table, "email")
    amounts = present(table, "amount")
    missing = sum(1 for r in table if r["email"] in (None, "", "N/A"))
    pairs = [(r["id"], r["k2"]) for r in table if r["id"] is not None and r["k2"] is not None]
    days = present(table, "day")
    end = datetime.combine(PROCESS_DATE + timedelta(days=1), time(), UTC)
    return {
        "row_count": n,
        "missing_count(email)": missing,
        "missing_percent(email)": 100 * sum(1 for r in table if r["email"] is None) / n if n else 0.0,
        "email_format": sum(1 for e in emails if not re.fullmatch(FORMATS["email"], e)),
        "email_regex": sum(1 for e in emails if not re.fullmatch(r"[a-z]+@[a-z]+\.[a-z]{2,}", e)),
        "email_length": sum(1 for e in emails if not 3 <= len(e) <= 7),
        "code_values": sum(1 for c in present(table, "code") if c not in ("A", "B")),
        "code_values_pct": (100 * sum(1 for c in present(table, "code") if c not in ("A", "B"))
                            / len(present(table, "code")) if present(table, "code") else 0.0),
        "amount_range": sum(1 for a in amounts if not -100 <= a <= 100),
        "born_date": sum(1 for b in present(table, "born") if not valid_date(b)),
        "duplicate_count(id)": len(present(table, "id")) - len(set(present(table, "id"))),
        "duplicate_count(id, k2)": len(pairs) - len(set(pairs)),
        "duplicate_percent(id)": (100 * (len(present(table, "id")) - len(set(present(table, "id"))))
                                  / len(present(table, "id")) if present(table, "id") else 0.0),
        "freshness(day)": (end - datetime.combine(max(days), time(), UTC)).total_seconds() / 3600 if days else None,
        "avg(amount)": statistics.fmean(amounts) if amounts else None,
        "min(amount)": min(amounts) if amounts else None,
        "max(amount)": max(amounts) if amounts else None,
        "stddev(amount)": statistics.stdev(amounts) if len(amounts) > 1 else None,
        "sum(amount)": math.fsum(amounts) if amounts else None,
        "reference(id -> ids.ref_id)": sum(1 for i in present(table, "id") if i not in REFERENCE_IDS),
        "positive": sum(1 for a in amounts if a > 0),
        "distinct_codes": len(set(present(table, "code"))),
    }


def expected_status(check: Any, value: float | None) -> str:
    if value is None:
        return "fail" if check.fail else "warn"
    if check.fail and check.fail.matches(value):
        return "fail"
    return "warn" if check.warn and check.warn.matches(value) else "pass"


def run(table: list[dict[str, Any]]) -> QualityReport:
    conn = load(table)
    conn.execute("CREATE TABLE ref_ids AS SELECT unnest([0, 1, 2]) AS ref_id")
    return run_checks(conn, "part", CHECKS, process_date=PROCESS_DATE, references={"ids": "ref_ids"})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows)
def test_every_check_matches_its_python_oracle(table: list[dict[str, Any]]) -> None:
    report = run(table)
    expected = expected_metrics(table)
    by_name = {r.name: r for r in report.results}
    assert set(by_name) == set(expected)
    for check in CHECKS:
        got, want = by_name[check.name].value, expected[check.name]
        if want is None or got is None:
            assert got == want, check.name
        else:
            assert math.isclose(got, want, rel_tol=1e-6, abs_tol=1e-6), (check.name, got, want)
        assert by_name[check.name].status == expected_status(check, want), check.name


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows)
def test_scores_follow_the_documented_formula(table: list[dict[str, Any]]) -> None:
    report = run(table)
    n = len(table)
    emails = present(table, "email")
    missing = expected_metrics(table)["missing_count(email)"]
    nulls = sum(1 for r in table if r["email"] is None)
    row_count = next(x for x in report.results if x.name == "row_count")
    completeness = [{"pass": 1.0, "warn": 0.5, "fail": 0.0}[row_count.status],
                    1 - missing / n if n else 1.0, 1 - nulls / n if n else 1.0]
    assert math.isclose(report.scores["completeness"], 100 * sum(completeness) / 3, abs_tol=1e-3)
    fmt = expected_metrics(table)["email_format"]
    by_name = {r.name: r for r in report.results}
    assert math.isclose(by_name["email_format"].score, 1 - fmt / len(emails) if emails else 1.0)
    assert set(report.scores) == {"completeness", "validity", "consistency", "accuracy", "timeliness",
                                  "uniqueness"}
    assert all(0 <= s <= 100 for s in report.scores.values())


@settings(deadline=None)
@given(st.sampled_from(["gt", "ge", "lt", "le", "eq", "ne"]), st.integers(-3, 3), st.integers(-3, 3))
def test_threshold_conditions_are_plain_comparisons(op: str, bound: int, value: int) -> None:
    from lily.quality import Threshold

    python = {"gt": value > bound, "ge": value >= bound, "lt": value < bound, "le": value <= bound,
              "eq": value == bound, "ne": value != bound}[op]
    assert Threshold.model_validate({op: bound}).matches(value) is python
    low, high = sorted((bound, value))
    assert Threshold(between=(low, high)).matches(value)
    assert not Threshold(not_between=(low, high)).matches(value)
