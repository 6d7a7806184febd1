"""Small tables for quality tests: hypothesis rows, loaded into an in-memory DuckDB."""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import pyarrow as pa
from hypothesis import strategies as st

SCHEMA = pa.schema([
    ("id", pa.int64()), ("k2", pa.int64()), ("email", pa.string()), ("amount", pa.float64()),
    ("day", pa.date32()), ("code", pa.string()), ("born", pa.string()),
])
EMAILS = ["a@x.com", "b.c@y.org", "bad", "", "N/A", "c@d", "x y@z.com", "é@x.com", "A+B@sub.x-y.io"]
DATES = ["2024-01-05", "2023-02-29", "2024-02-29", "0000-01-01", "2024-13-01", "24-01-01", "2024-1-5",
         "2024-01-05 ", "9999-12-31"]

rows = st.lists(
    st.fixed_dictionaries({
        "id": st.one_of(st.none(), st.integers(0, 5)),
        "k2": st.one_of(st.none(), st.integers(0, 2)),
        "email": st.one_of(st.none(), st.sampled_from(EMAILS), st.text(max_size=8)),
        "amount": st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False)),
        "day": st.one_of(st.none(), st.dates(date(2023, 12, 25), date(2024, 1, 10))),
        "code": st.one_of(st.none(), st.sampled_from(["A", "B", "C", "Z"])),
        "born": st.one_of(st.none(), st.sampled_from(DATES), st.text("0123456789-", max_size=10)),
    }),
    max_size=30,
)


def load(rows: list[dict[str, Any]], name: str = "part") -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect()
    table = pa.Table.from_pylist(rows, schema=SCHEMA)
    conn.register("_arrow", table)
    conn.execute(f"CREATE TABLE {name} AS SELECT * FROM _arrow")
    conn.unregister("_arrow")
    return conn
