"""Pipeline files: the demo is valid; every mistake is reported with its file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from lily.medallion.gold_sql import SqlError, compile_sql
from lily.medallion.validate import Issue, PipelineFileError, load_pipeline, validate_path

from .conftest import CRM_YAML, write_pipeline

GOOD = """
pipeline: shop
datasets:
  users:
    source: {kind: files, format: csv, path: "users/{date}.csv"}
    primary_key: id
    schema:
      id: {type: integer, nullable: false}
      email: string
      signup: date
    checks:
      silver:
        - {type: missing_count, column: email}
gold:
  signups:
    sql: |
      SELECT signup, count(*) AS users
      FROM silver.users
      GROUP BY signup
"""


def _issues(path: Path) -> list[Issue]:
    with pytest.raises(PipelineFileError) as info:
        load_pipeline(path)
    return info.value.issues


def _one(tmp_path: Path, body: str, name: str = "shop") -> Issue:
    issues = _issues(write_pipeline(tmp_path, name, body))
    assert len(issues) == 1, issues
    return issues[0]


def test_the_demo_pipeline_is_valid() -> None:
    pipeline = load_pipeline(CRM_YAML)
    assert list(pipeline.spec.datasets) == ["customers", "orders"]
    assert pipeline.gold["orders_per_segment_day"].relations == ("silver.customers", "silver.orders")
    assert set(pipeline.relations["gold.customer_value"]) == {"customer_id", "segment", "country", "orders",
                                                              "revenue"}
    assert pipeline.spec.retention.bronze == 90 and pipeline.spec.retention.ml == 365


def test_a_good_file_loads_with_defaults(tmp_path: Path) -> None:
    pipeline = load_pipeline(write_pipeline(tmp_path, "shop", GOOD))
    users = pipeline.spec.datasets["users"]
    assert users.primary_key == ["id"] and users.unknown_columns == "fail"
    assert (pipeline.spec.retention.bronze, pipeline.spec.retention.silver, pipeline.spec.retention.gold) == (90, 365, 730)
    assert pipeline.gold["signups"].columns == ("signup", "users")


def test_unknown_type_names_its_line_and_field(tmp_path: Path) -> None:
    issue = _one(tmp_path, GOOD.replace("signup: date", "signup: {type: dat}"))
    assert (issue.line, issue.field) == (9, "datasets.users.schema.signup.type")
    assert "unknown type 'dat'" in issue.message and issue.file.endswith("shop.yaml")
    assert str(issue).startswith(f"{issue.file}:9:")


def test_missing_and_unknown_fields(tmp_path: Path) -> None:
    body = GOOD.replace('source: {kind: files, format: csv, path: "users/{date}.csv"}',
                        "source: {kind: files, format: csv}").replace("primary_key: id", "primary_kye: id")
    issues = _issues(write_pipeline(tmp_path, "shop", body))
    found = {(i.field, i.line, i.message) for i in issues}
    assert ("datasets.users.source.path", 4, "required field missing") in found
    assert ("datasets.users.primary_key", 3, "required field missing") in found
    assert ("datasets.users.primary_kye", 5, "unknown field") in found


def test_yaml_syntax_and_duplicate_keys(tmp_path: Path) -> None:
    issue = _one(tmp_path, GOOD.replace("primary_key: id", "primary_key: [id"))
    assert issue.line is not None and issue.line >= 5 and "invalid YAML" in issue.message
    issue = _one(tmp_path, GOOD.replace("      email: string", "      email: string\n      email: string"))
    assert (issue.line, issue.message) == (9, "duplicate key 'email'")  # the second one


def test_sql_errors_point_into_the_sql_block(tmp_path: Path) -> None:
    issue = _one(tmp_path, GOOD.replace("GROUP BY signup", "GROUP BY nope"))
    assert issue.field == "gold.signups.sql" and issue.line == 18  # the GROUP BY line
    assert issue.message == "Column 'nope' could not be resolved"
    issue = _one(tmp_path, GOOD.replace("FROM silver.users", "FROM silver.accounts"))
    assert "unknown relation 'silver.accounts'" in issue.message
    body = GOOD.replace("SELECT signup, count(*) AS users\n      FROM silver.users\n      GROUP BY signup",
                        "DELETE FROM silver.users")
    assert _one(tmp_path, body).message == "expected a SELECT query, got DELETE"


def test_cross_references(tmp_path: Path) -> None:
    issue = _one(tmp_path, GOOD.replace("primary_key: id", "primary_key: id\n    ordering: updated"))
    assert issue.field == "datasets.users.ordering" and "'updated' is not a declared column" in issue.message
    issue = _one(tmp_path, GOOD.replace("{type: missing_count, column: email}", "{type: missing_count, column: mail}"))
    assert issue.field == "datasets.users.checks.silver[0]" and issue.line == 12
    body = GOOD.replace("    checks:", "    pii:\n      entities: {E_MAIL: {operator: hash}}\n    checks:")
    issue = _one(tmp_path, body)
    assert issue.field == "datasets.users.pii.entities.E_MAIL" and "unknown entity" in issue.message
    issue = _one(tmp_path, GOOD.replace("{type: missing_count, column: email}",
                                        "{type: reference, column: email, dataset: accounts}"))
    assert issue.field == "datasets.users.checks.silver[0].dataset"


def test_the_file_name_is_the_pipeline_name(tmp_path: Path) -> None:
    issue = _one(tmp_path, GOOD, name="other")
    assert issue.field == "pipeline" and issue.line == 1 and "'other'" in issue.message
    issue = _one(tmp_path, GOOD.replace("pipeline: shop", "pipeline: logs"), name="logs")
    assert "log pipeline" in issue.message


def test_validate_a_directory(tmp_path: Path) -> None:
    write_pipeline(tmp_path, "shop", GOOD)
    write_pipeline(tmp_path, "bad", GOOD.replace("pipeline: shop", "pipeline: bad").replace("integer", "int128"))
    valid, issues = validate_path(tmp_path)
    assert [p.name for p in valid] == ["shop"]
    assert len(issues) == 1 and issues[0].file.endswith("bad.yaml")
    assert validate_path(tmp_path / "missing")[1][0].message == "no such file or directory"


def test_gold_sql_compiles_for_duckdb_and_spark() -> None:
    relations = {"silver.orders": {"customer_id": "VARCHAR", "amount": "DECIMAL(12,2)"},
                 "silver.customers": {"customer_id": "VARCHAR", "segment": "VARCHAR"}}
    compiled = compile_sql("SELECT c.segment, sum(o.amount) AS revenue FROM silver.orders o "
                           "JOIN silver.customers c USING (customer_id) GROUP BY ALL", relations)
    assert compiled.columns == ("segment", "revenue")
    assert '"silver"."orders"' in compiled.to_sql("duckdb") and "`silver`.`orders`" in compiled.to_sql("spark")
    assert {(s.relation, s.column) for s in compiled.lineage["revenue"]} == {("silver.orders", "amount")}
    assert compiled.subtypes == {"segment": "IDENTITY", "revenue": "AGGREGATION"}
    for bad in ("SELECT 1 + 1", "SELECT * FROM main.t", "SELECT 1 AS a; SELECT 2 AS b", "SELECT x FROM silver.orders"):
        with pytest.raises(SqlError):
            compile_sql(bad, relations)
