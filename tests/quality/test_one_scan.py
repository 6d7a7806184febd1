"""All column-level checks of a partition cost one scan: statements are counted, plans inspected."""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import pytest

from lily.quality import compile_checks, parse_checks, run_checks

COLUMN_CHECKS = parse_checks([
    {"type": "row_count"},
    {"type": "missing_count", "column": "email", "warn": {"gt": 1000}},
    {"type": "missing_percent", "column": "email", "fail": {"gt": 50}},
    {"type": "missing_count", "column": "amount", "missing_values": [0], "warn": {"gt": 100}},
    {"type": "invalid_count", "name": "email_format", "column": "email", "format": "email"},
    {"type": "invalid_count", "name": "status_values", "column": "status", "valid_values": ["paid", "open"]},
    {"type": "invalid_count", "name": "amount_range", "column": "amount", "valid_min": 0, "valid_max": 1000},
    {"type": "invalid_count", "name": "code_regex", "column": "code", "regex": "[A-Z]{2}[0-9]+"},
    {"type": "invalid_count", "name": "code_length", "column": "code", "min_length": 3},
    {"type": "duplicate_count", "columns": ["id"]},
    {"type": "duplicate_count", "columns": ["id", "status"]},
    {"type": "freshness", "column": "created_at", "max_age": "1d"},
    {"type": "distribution", "column": "amount", "metric": "avg", "fail": {"not_between": [0, 500]}},
    {"type": "distribution", "column": "amount", "metric": "stddev", "warn": {"gt": 400}},
    {"type": "distribution", "column": "amount", "metric": "max", "fail": {"gt": 10000}},
    {"type": "schema", "columns": {"id": "integer", "email": "string"}},
    {"type": "sql_metric", "name": "open_share", "expression": "avg(CASE WHEN status = 'open' THEN 1 ELSE 0 END)",
     "warn": {"gt": 0.9}},
])


class CountingConnection:
    """Delegates to DuckDB and keeps every statement it was asked to run."""

    def __init__(self, conn: duckdb.DuckDBPyConnection) -> None:
        self.conn = conn
        self.statements: list[str] = []

    def execute(self, query: str, *args: Any) -> Any:
        self.statements.append(query)
        return self.conn.execute(query, *args)


@pytest.fixture
def conn() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    c.execute("""
        CREATE TABLE part AS SELECT range AS id,
            CASE WHEN range % 10 = 0 THEN NULL ELSE 'u' || range || '@x.com' END AS email,
            (range % 300)::DOUBLE AS amount, CASE WHEN range % 3 = 0 THEN 'open' ELSE 'paid' END AS status,
            'AB' || range AS code, TIMESTAMP '2024-01-01 12:00' AS created_at
        FROM range(5000)
    """)
    c.execute("CREATE TABLE customers AS SELECT range AS id FROM range(4000)")
    return c


def test_every_column_check_is_answered_by_one_statement(conn: duckdb.DuckDBPyConnection) -> None:
    counting = CountingConnection(conn)
    report = run_checks(counting, "part", COLUMN_CHECKS, process_date=date(2024, 1, 1))  # type: ignore[arg-type]
    assert [r.status for r in report.results if r.status == "fail"] == []
    assert counting.statements[0].startswith("DESCRIBE")  # metadata, reads no rows
    assert len(counting.statements) == 2 and report.queries == 2
    assert counting.statements[1] == compile_checks("part", COLUMN_CHECKS).scan


def test_the_engine_reads_the_partition_once_and_duplicate_keys_once_more(conn: duckdb.DuckDBPyConnection) -> None:
    checks = [c for c in COLUMN_CHECKS if c.type != "duplicate_count"]
    plan = "\n".join(row[1] for row in conn.execute(f"EXPLAIN {compile_checks('part', checks).scan}").fetchall())
    assert plan.count("memory.main.part") == 1, plan  # one table scan for 15 checks
    with_keys = compile_checks("part", COLUMN_CHECKS).scan
    plan = "\n".join(row[1] for row in conn.execute(f"EXPLAIN {with_keys}").fetchall())
    assert plan.count("memory.main.part") == 3, plan  # + each duplicate check's grouping of its keys


def test_a_reference_check_adds_one_join_and_failed_checks_one_sample_query(conn: duckdb.DuckDBPyConnection) -> None:
    checks = [*COLUMN_CHECKS, *parse_checks([
        {"type": "reference", "column": "id", "dataset": "customers"},
        {"type": "invalid_count", "name": "status_strict", "column": "status", "valid_values": ["paid"]},
        {"type": "missing_count", "name": "email_blocking", "column": "email", "blocking": True},
    ])]
    counting = CountingConnection(conn)
    report = run_checks(counting, "part", checks, process_date=date(2024, 1, 1))  # type: ignore[arg-type]
    failed = {r.name for r in report.results if r.status == "fail"}
    assert failed == {"reference(id -> customers.id)", "status_strict", "email_blocking"}
    # DESCRIBE, the scan, the reference join, one statement for the samples of all three failures
    assert len(counting.statements) == 4
    assert "LEFT JOIN" in counting.statements[2]
    assert counting.statements[3].count("MIN(") == 3 and " WHERE " in counting.statements[3]
    assert not report.passed and [r.name for r in report.blocking_failures] == ["email_blocking"]
    for result in report.results:
        assert (len(result.failing_samples) == 5) == (result.status == "fail"), result.name


def test_a_failed_duplicate_check_shows_rows_of_its_smallest_repeated_keys(conn: duckdb.DuckDBPyConnection) -> None:
    checks = parse_checks([{"type": "duplicate_count", "columns": ["status"]}, {"type": "row_count"}])
    counting = CountingConnection(conn)
    report = run_checks(counting, "part", checks, process_date=date(2024, 1, 1))  # type: ignore[arg-type]
    assert len(counting.statements) == 3  # DESCRIBE, the scan, the samples
    assert report.results[0].value == 4998
    assert [s["id"] for s in report.results[0].failing_samples] == [0, 1, 2, 3, 4]
