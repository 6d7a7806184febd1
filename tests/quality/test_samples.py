"""Failing samples: at most five, PII columns left out, the same rows whichever way they are fetched."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings

from lily.quality import compile_checks, parse_checks, run_checks, sample_query
from lily.quality.run import json_safe
from lily.quality.samples import Failed, failing_rows_query
from tests.quality.conftest import load, rows

PII = {"email", "born"}
CHECKS = parse_checks([
    {"type": "missing_count", "column": "code"},
    {"type": "invalid_count", "column": "code", "valid_values": ["A"]},
    {"type": "invalid_count", "name": "code_pattern", "column": "code", "regex": "[A-B]"},  # a GLOB in DuckDB
    {"type": "invalid_count", "name": "email_format", "column": "email", "format": "email"},
    {"type": "reference", "column": "id", "dataset": "ids"},
    {"type": "duplicate_count", "columns": ["k2"]},
])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows)
def test_samples_are_the_smallest_failing_rows_without_pii(table: list[dict[str, Any]]) -> None:
    conn = load(table)
    conn.execute("CREATE TABLE ids AS SELECT 1::BIGINT AS id")
    report = run_checks(conn, "part", CHECKS, process_date=date(2024, 1, 1), references={"ids": "ids"},
                        pii_columns=PII)
    shown = ["id", "k2", "amount", "day", "code"]
    for check, result in zip(CHECKS, report.results, strict=True):
        if result.status != "fail":
            assert result.failing_samples == []
            continue
        assert 1 <= len(result.failing_samples) <= 5
        assert all(set(sample) == set(shown) for sample in result.failing_samples)
        # The samples of DuckDB's one statement equal what the portable per-check query returns.
        query = sample_query("part", check, shown, pii_columns=PII, references={"ids": "ids"})
        expected = [dict(zip(shown, map(json_safe, row), strict=True)) for row in conn.execute(query).fetchall()]
        assert result.failing_samples == expected, check.name


def test_no_sample_when_every_column_is_pii() -> None:
    conn = load([{"id": None, "k2": 1, "email": None, "amount": 1.0, "day": None, "code": None, "born": None}])
    report = run_checks(conn, "part", parse_checks([{"type": "missing_count", "column": "id"}]),
                        process_date=date(2024, 1, 1), pii_columns=["id", "k2", "email", "amount", "day", "code",
                                                                     "born"])
    assert report.results[0].status == "fail" and report.results[0].failing_samples == []


def test_the_sample_statement_uses_the_predicates_of_the_scan() -> None:
    # A short pattern runs as a GLOB in the scan; the samples of its failures are found the same
    # way, not with the regular expression (RE2 over every row again).
    check = next(c for c in CHECKS if c.name == "code_pattern")
    assert "GLOB '[A-B]'" in compile_checks("part", [check]).scan
    built = failing_rows_query("part", [Failed(check)], ["id", "code"])
    assert built is not None
    statement, _ = built
    assert "GLOB '[A-B]'" in statement and "REGEXP" not in statement.upper()
