"""The compiler is pure and portable; reports score, gate and speak OpenLineage; errors stay local."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest
import sqlglot
from openlineage.client.generated.data_quality_assertions_dataset import (
    Assertion,
    DataQualityAssertionsDatasetFacet,
)
from openlineage.client.generated.data_quality_metrics_input_dataset import (
    ColumnMetrics,
    DataQualityMetricsInputDatasetFacet,
)

from lily.quality import (
    QualityError,
    compile_checks,
    dimension_scores,
    parse_checks,
    run_checks,
    sample_query,
)
from lily.quality.report import CheckResult
from tests.quality.test_one_scan import COLUMN_CHECKS

REFERENCE = parse_checks([
    {"type": "reference", "column": "customer_id", "dataset": "customers", "dataset_column": "id"},
    {"type": "sql_metric", "name": "negatives", "query": "SELECT count(*) FROM {relation} WHERE amount < 0",
     "fail": {"gt": 0}},
])


def test_one_suite_compiles_for_spark_too() -> None:
    suite = compile_checks("silver.orders", [*COLUMN_CHECKS, *REFERENCE], dialect="spark",
                           references={"customers": "silver.customers"})
    samples = [sample_query("silver.orders", c, ["id", "status"], dialect="spark",
                            references={"customers": "silver.customers"}) for c in [*COLUMN_CHECKS, *REFERENCE]]
    for statement in [*suite.statements, *filter(None, samples)]:
        sqlglot.parse_one(statement, read="spark")  # valid Spark SQL
    assert "RLIKE" in suite.scan and "COUNT(DISTINCT `id`, `status`)" in suite.scan
    assert len(suite.statements) == 3


def test_the_scan_shares_identical_aggregates() -> None:
    suite = compile_checks("t", parse_checks([
        {"type": "missing_count", "column": "a"}, {"type": "missing_percent", "column": "a"},
        {"type": "duplicate_count", "columns": ["a"]},
    ]))
    assert suite.scan.count('COUNT_IF("a" IS NULL)') == 1 and suite.scan.count('COUNT("a")') == 1


def test_compiling_touches_no_database_and_ignores_the_date() -> None:
    first = compile_checks("t", COLUMN_CHECKS)
    assert first == compile_checks("t", COLUMN_CHECKS)  # pure: same input, same SQL


def test_relation_names_are_names_not_sql() -> None:
    with pytest.raises(ValueError, match="not a table"):
        compile_checks("t; DROP TABLE x", COLUMN_CHECKS)


def result(dimension: str, status: str, score: float) -> CheckResult:
    return CheckResult(name=f"{dimension}{score}", type="missing_count", dimension=dimension,  # type: ignore[arg-type]
                       status=status, value=0, blocking=False, message="", score=score)  # type: ignore[arg-type]


def test_dimension_scores_average_check_scores() -> None:
    scores = dimension_scores([result("validity", "pass", 1.0), result("validity", "fail", 0.5),
                               result("timeliness", "warn", 0.5)])
    assert scores == {"validity": 75.0, "timeliness": 50.0}


@pytest.fixture
def conn() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    c.execute("""CREATE TABLE orders AS SELECT * FROM (VALUES
        (1, 10, 'a@x.com', 5.0), (2, 11, NULL, -1.0), (3, 99, 'nope', 7.5)) v(id, customer_id, email, amount)""")
    c.execute("CREATE TABLE customers AS SELECT * FROM (VALUES (10), (11)) v(id)")
    return c


def test_openlineage_facets_have_the_spec_shapes(conn: duckdb.DuckDBPyConnection) -> None:
    checks = [*parse_checks([
        {"type": "invalid_count", "column": "email", "format": "email", "blocking": True},
        {"type": "distribution", "column": "amount", "metric": "min", "warn": {"lt": 0}},
        {"type": "duplicate_count", "columns": ["id", "customer_id"]},
    ]), *REFERENCE]
    report = run_checks(conn, "orders", checks, process_date=date(2024, 1, 1), pii_columns=["email"])
    facets = report.to_openlineage()
    assertions = facets["dataQualityAssertions"]["assertions"]
    DataQualityAssertionsDatasetFacet(assertions=[Assertion(**a) for a in assertions])
    assert facets["dataQualityAssertions"]["_schemaURL"].endswith("DataQualityAssertionsDatasetFacet")
    assert [(a["assertion"], a["success"], a["severity"]) for a in assertions] == [
        ("invalid_count", False, "error"), ("distribution", False, "warn"), ("duplicate_count", True, "warn"),
        ("reference", False, "warn"), ("sql_metric", False, "warn"),
    ]
    assert assertions[0]["column"] == "email" and assertions[0]["actual"] == "1"
    assert assertions[4]["content"].startswith("SELECT count(*)") and assertions[4]["contentType"] == "sql"
    metrics = facets["dataQualityMetrics"]
    DataQualityMetricsInputDatasetFacet(
        columnMetrics={k: ColumnMetrics(**v) for k, v in metrics["columnMetrics"].items()}, rowCount=metrics["rowCount"])
    assert metrics["rowCount"] == 3
    assert metrics["columnMetrics"]["email"] == {"nullCount": 1, "count": 2}  # PII: counts only
    assert metrics["columnMetrics"]["amount"]["min"] == -1.0


def test_a_check_that_breaks_at_run_time_fails_alone(conn: duckdb.DuckDBPyConnection) -> None:
    checks = parse_checks([
        {"type": "row_count"},
        {"type": "sql_metric", "name": "bad_cast", "expression": "sum(CAST(email AS INTEGER))", "fail": {"gt": 0}},
        {"type": "missing_count", "column": "email", "warn": {"gt": 5}},
        {"type": "missing_count", "column": "ghost"},
        {"type": "reference", "column": "id", "dataset": "nowhere"},
    ])
    report = run_checks(conn, "orders", checks, process_date=date(2024, 1, 1))
    by_name = {r.name: r for r in report.results}
    assert by_name["row_count"].status == "pass" and by_name["missing_count(email)"].value == 1
    assert by_name["bad_cast"].status == "fail" and "could not be computed" in by_name["bad_cast"].message
    assert "not found: ghost" in by_name["missing_count(ghost)"].message
    assert "could not be computed" in by_name["reference(id -> nowhere.id)"].message
    assert report.row_count == 3


def test_an_unreadable_relation_is_an_error(conn: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(QualityError, match="cannot read"):
        run_checks(conn, "missing_table", COLUMN_CHECKS, process_date=date(2024, 1, 1))


def test_freshness_is_measured_against_the_injected_date(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute("CREATE TABLE ev AS SELECT TIMESTAMP '2024-01-01 18:00' AS at, DATE '2023-12-30' AS d")
    checks = parse_checks([{"type": "freshness", "column": "at", "max_age": "12h"},
                           {"type": "freshness", "column": "d", "max_age": "2d", "warn": {"gt": 24}}])
    on_time = run_checks(conn, "ev", checks, process_date=date(2024, 1, 1))
    assert [(r.value, r.status) for r in on_time.results] == [(6.0, "pass"), (72.0, "fail")]
    late = run_checks(conn, "ev", checks, process_date=date(2024, 1, 2))
    assert [(r.value, r.status) for r in late.results] == [(30.0, "fail"), (96.0, "fail")]
