"""Bad input: each case is a clear error or rejected rows with reasons, and nothing else is lost."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable

from lily.medallion.sources import read_csv_bytes, read_ndjson_bytes
from lily.pipelines.runs import State

from .conftest import D1, Harness, land, make_harness, write_pipeline

USERS = """
pipeline: shop
datasets:
  users:
    source: {kind: files, format: csv, path: "users/{date}.csv"}
    primary_key: id
    ordering: updated
    schema:
      id: {type: integer, nullable: false}
      email: string
      age: integer
      signup: {type: date, format: "%d/%m/%Y"}
      updated: timestamp
"""
HEADER = "id,email,age,signup,updated\n"


def _shop(tmp_path: Path, body: str = USERS, env: dict[str, str] | None = None) -> Harness:
    return make_harness(tmp_path / "lake", write_pipeline(tmp_path / "pipelines", "shop", body), env=env)


def _table(h: Harness, zone: str) -> list[dict[str, object]]:
    uri = h.lake.root / zone / "shop" / "users"
    return DeltaTable(str(uri)).to_pyarrow_table().to_pylist() if DeltaTable.is_deltatable(str(uri)) else []


def test_malformed_csv_rows_and_wrong_types_are_rejected_with_reasons(tmp_path: Path) -> None:
    h = _shop(tmp_path)
    land(h.lake, "users/2024-01-01.csv", HEADER
         + "1,a@example.com,31,01/02/2020,2024-01-01T10:00:00Z\n"
         + "2,b@example.com,abc,2020-02-01,2024-01-01T10:00:00Z\n"  # age and signup wrong
         + "3,c@example.com,40\n"  # too few fields
         + "4,d@example.com,22,03/02/2020,2024-01-01T10:00:00Z,extra\n"  # too many
         + ",e@example.com,50,04/02/2020,2024-01-01T10:00:00Z\n"  # no key
         + "5,\"\",,05/02/2020,2024-01-01T10:00:00Z\n"  # empty email is a value; empty age is missing
         + "1,a2@example.com,32,01/02/2020,2024-01-01T09:00:00Z\n")  # an older version of id 1
    result = h.runner.run(D1)
    assert result.succeeded, result.error
    users = result.datasets["users"]
    silver = {r["id"]: r for r in _table(h, "silver")}
    assert sorted(silver) == [1, 5] and silver[1]["age"] == 31 and str(silver[1]["signup"]) == "2020-02-01"
    assert silver[5]["age"] is None
    rejects = sorted(_table(h, "rejected/rows"), key=lambda r: (r["line"] or 0, r["reason"]))
    assert [(r["line"], r["reason"]) for r in rejects] == [
        (None, "invalid_type: age: expected integer; invalid_type: signup: expected date in format %d/%m/%Y"),
        (None, "missing_value: id"),
        (4, "malformed_row: expected 5 fields, got 3"),
        (5, "malformed_row: expected 5 fields, got 6"),
    ]
    assert json.loads(rejects[0]["record"])["age"] == "abc"  # the row as read
    assert users.rows_in == 7 == len(silver) + users.rows_rejected + users.duplicates


def test_unknown_columns_fail_the_dataset_unless_declared_droppable(tmp_path: Path) -> None:
    h = _shop(tmp_path)
    land(h.lake, "users/2024-01-01.csv", "id,email,nickname\n1,a@example.com,al\n")
    result = h.runner.run(D1)
    assert result.run.state is State.FAILED
    assert result.error == ("silver.users: unknown column(s) in the source: nickname (declare them in schema:, "
                            "or set unknown_columns: drop)")
    assert _table(h, "bronze")[0]["nickname"] == "al"  # bronze keeps what came
    h = _shop(tmp_path / "drop", USERS.replace("    ordering: updated", "    ordering: updated\n    unknown_columns: drop"))
    land(h.lake, "users/2024-01-01.csv", "id,email,nickname\n1,a@example.com,al\n")
    result = h.runner.run(D1)
    assert result.succeeded and result.datasets["users"].unknown_columns == ("nickname",)
    assert result.datasets["users"].missing_columns == ("age", "signup", "updated")
    assert set(_table(h, "silver")[0]) == {"id", "email", "age", "signup", "updated", "process_date"}


def test_a_missing_required_column_fails_with_its_name(tmp_path: Path) -> None:
    h = _shop(tmp_path)
    land(h.lake, "users/2024-01-01.csv", "email,age\na@example.com,3\n")
    result = h.runner.run(D1)
    assert result.error == "silver.users: required column(s) missing from the source: id"


def test_a_missing_source_fails_the_run_with_the_reason(tmp_path: Path) -> None:
    h = _shop(tmp_path)
    result = h.runner.run(D1)
    assert result.run.state is State.FAILED
    assert result.error == "bronze.users: missing source: no file matches users/2024-01-01.csv"
    assert h.steps(result.run.run_id)["silver.users"].state is State.SKIPPED
    optional = _shop(tmp_path / "optional", USERS.replace('path: "users/{date}.csv"}',
                                                          'path: "users/{date}.csv", required: false}'))
    result = optional.runner.run(D1)
    assert result.succeeded and result.datasets["users"].silver.rows == 0


def test_ndjson_lines_that_are_not_objects_are_rejected() -> None:
    table, malformed = read_ndjson_bytes(b'{"id": 1, "n": 2.50, "tags": ["a"]}\n\n[1]\n{"id": \n{"id": "007"}\n', "x")
    assert table.to_pylist() == [{"id": "1", "n": "2.5", "tags": '["a"]'}, {"id": "007", "n": None, "tags": None}]
    assert [(m.line, m.reason.split(":")[0]) for m in malformed] == [(3, "invalid_json"), (4, "invalid_json")]


def test_csv_quoted_empty_is_a_value_and_unquoted_empty_is_null() -> None:
    table, malformed = read_csv_bytes(b'\xef\xbb\xbfa,b\n"",\n"x,y",1\n', "f.csv")
    assert table.to_pylist() == [{"a": "", "b": None}, {"a": "x,y", "b": "1"}] and malformed == []


def test_parquet_sources_keep_their_types_in_bronze(tmp_path: Path) -> None:
    h = _shop(tmp_path, USERS.replace("format: csv, path: \"users/{date}.csv\"", "format: parquet, path: \"users/*.parquet\""))
    (h.lake.root / "users").mkdir(parents=True)
    pq.write_table(pa.table({"id": pa.array([1, 2], pa.int32()), "email": ["a@example.com", "b@example.com"],
                             "age": [3.0, 4.5]}), h.lake.root / "users" / "part-1.parquet")
    result = h.runner.run(D1)
    assert result.succeeded, result.error
    bronze = DeltaTable(str(h.lake.root / "bronze/shop/users")).schema().to_arrow()
    assert str(pa.schema(bronze).field("id").type) == "int32"
    assert sorted((r["id"], r["age"]) for r in _table(h, "silver")) == [(1, 3)]
    assert result.datasets["users"].reject_reasons == {"invalid_type: age: expected integer": 1}  # 4.5: not rounded


PG = """
pipeline: shop
datasets:
  users:
    source: {kind: postgres, url_env: SHOP_DATABASE_URL, QUERY}
    primary_key: id
    schema:
      id: {type: integer, nullable: false}
      email: string
      signup: date
"""


@pytest.mark.postgres
def test_a_postgresql_table_and_query(tmp_path: Path, postgres_url: str) -> None:
    plain = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute("CREATE TABLE shop_users (id int PRIMARY KEY, email text, signup date)")
        conn.execute("INSERT INTO shop_users VALUES (1, 'a@example.com', '2024-01-01'), (2, '', '2024-01-01'), "
                     "(3, NULL, '2023-12-31')")
    env = {"SHOP_DATABASE_URL": postgres_url}
    h = _shop(tmp_path, PG.replace("QUERY", "table: shop_users"), env=env)
    result = h.runner.run(D1)
    assert result.succeeded, result.error
    # COPY's CSV keeps an empty string and a NULL apart
    assert sorted((r["id"], r["email"]) for r in _table(h, "silver")) == [(1, "a@example.com"), (2, ""), (3, None)]
    source = result.datasets["users"].source
    assert source.namespace.startswith("postgres://") and source.name.endswith(".public.shop_users")
    assert "@" not in result.datasets["users"].files[0].name  # no credentials in names
    q = _shop(tmp_path / "q", PG.replace("QUERY", 'query: "SELECT * FROM shop_users WHERE signup = %(process_date)s"'),
              env=env)
    result = q.runner.run(D1)
    assert result.succeeded and result.datasets["users"].silver.rows == 2


def test_a_postgresql_source_that_is_down_fails_the_run_clearly(tmp_path: Path) -> None:
    env = {"SHOP_DATABASE_URL": "postgresql://lily:s3cret@127.0.0.1:1/shop"}
    h = _shop(tmp_path, PG.replace("QUERY", "table: shop_users"), env=env)
    result = h.runner.run(D1)
    assert result.run.state is State.FAILED
    assert result.error.startswith("bronze.users: PostgreSQL source postgres://127.0.0.1:1/shop is unreachable: ")
    assert "refused" in result.error.lower() and "s3cret" not in result.error
    h = _shop(tmp_path / "noenv", PG.replace("QUERY", "table: shop_users"), env={})
    assert h.runner.run(D1).error == ("bronze.users: environment variable SHOP_DATABASE_URL (the PostgreSQL source's "
                                      "URL) is not set")
