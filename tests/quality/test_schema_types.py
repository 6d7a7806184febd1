"""Declared types against the names DuckDB itself reports for real columns."""

from __future__ import annotations

import duckdb
import pytest

from lily.quality.schema import FAMILIES, type_matches

COLUMNS = {
    "i8": ("TINYINT", "integer"), "i32": ("INTEGER", "integer"), "i64": ("BIGINT", "integer"),
    "u64": ("UBIGINT", "integer"), "h": ("HUGEINT", "integer"), "f": ("FLOAT", "float"),
    "d": ("DOUBLE", "float"), "dec": ("DECIMAL(18,2)", "decimal"), "s": ("VARCHAR", "string"),
    "b": ("BOOLEAN", "boolean"), "dt": ("DATE", "date"), "ts": ("TIMESTAMP", "timestamp"),
    "tstz": ("TIMESTAMPTZ", "timestamp"), "tsns": ("TIMESTAMP_NS", "timestamp"), "bl": ("BLOB", "binary"),
}


@pytest.fixture(scope="module")
def described() -> dict[str, str]:
    conn = duckdb.connect()
    conn.execute("CREATE TABLE t (" + ", ".join(f"{n} {t}" for n, (t, _) in COLUMNS.items()) + ")")
    return {r[0]: r[1] for r in conn.execute("DESCRIBE t").fetchall()}


@pytest.mark.parametrize("column", list(COLUMNS))
def test_each_duckdb_type_is_in_exactly_its_family(column: str, described: dict[str, str]) -> None:
    declared, family = COLUMNS[column]
    actual = described[column]
    assert type_matches(declared, actual), (declared, actual)
    assert type_matches(family, actual)
    others = [f for f in FAMILIES if f != family and not {f, family} & {"number"}]
    assert not [f for f in others if type_matches(f, actual)], actual
    assert type_matches("number", actual) == (family in ("integer", "float", "decimal"))


def test_exact_types_differ_where_families_agree(described: dict[str, str]) -> None:
    assert not type_matches("BIGINT", described["i32"])
    assert not type_matches("DECIMAL(10,2)", described["dec"])
    assert not type_matches("TIMESTAMPTZ", described["ts"])
