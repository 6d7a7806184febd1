"""The benchmark's 20 checks as a Great Expectations 1.x suite over a pandas DataFrame (benchmarks/quality.py).

Great Expectations has no DuckDB data source; its pandas one is the closest to Lily's in-process
engine. The tables are read from the same DuckDB file into DataFrames once, untimed (a favour to
Great Expectations: Lily and Soda read the file in the timed part). Where Great Expectations has no
expectation of the same meaning, the nearest one that gives the same verdict on this data is used:

- ``missing_percent(email) <= 5%``: not null with ``mostly=0.95``;
- ``reference`` (customer ids exist in ``customers``): Great Expectations has none across two
  DataFrames, and "in the set of the 1,000,000 ``customers`` ids" took it over a minute for one
  validation of 100,000 rows (its handling of the set, not the membership test); ``customers`` holds
  exactly 0..999,999, so the range check gives the same verdict (a favour to Great Expectations);
- ``schema``: the four columns exist (pandas dtypes are not SQL types; their types are not checked);
- ``refunded_share <= 0.2`` (a SQL metric in Lily and Soda): ``status`` not "refunded" with ``mostly=0.8``;
- ``freshness`` (newest ``created_at`` within a day of the scan): the column's max at least a day before.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb


def suite(email: str, uuid: str, customer_ids: tuple[int, int], day: date) -> list[Any]:
    import great_expectations as gx

    e = gx.expectations
    newest = datetime.combine(day, datetime.max.time()) - timedelta(days=1)
    return [
        e.ExpectTableRowCountToBeBetween(min_value=1),
        e.ExpectColumnValuesToNotBeNull(column="order_id"),
        e.ExpectColumnValuesToNotBeNull(column="email", mostly=0.95),
        e.ExpectColumnValuesToNotBeNull(column="customer_id"),
        e.ExpectColumnValuesToMatchRegex(column="email", regex=f"^{email}$"),
        e.ExpectColumnValuesToBeInSet(column="status", value_set=["paid", "pending", "refunded", "cancelled"]),
        e.ExpectColumnValuesToBeBetween(column="amount", min_value=0, max_value=100000),
        e.ExpectColumnValuesToBeInSet(column="currency", value_set=["EUR", "USD", "GBP"]),
        e.ExpectColumnValuesToMatchRegex(column="country", regex="^[A-Z]{2}$"),
        e.ExpectColumnValuesToMatchRegex(column="order_uuid", regex=f"^{uuid}$"),
        e.ExpectColumnValuesToMatchRegex(column="phone", regex=r"^\+[1-9][0-9]{6,14}$"),
        e.ExpectColumnValuesToBeBetween(column="quantity", min_value=1, max_value=100),
        e.ExpectColumnValuesToBeUnique(column="order_id"),
        e.ExpectColumnMaxToBeBetween(column="created_at", min_value=newest),
        e.ExpectColumnMeanToBeBetween(column="amount", min_value=0, max_value=1000),
        e.ExpectColumnStdevToBeBetween(column="amount", max_value=500),
        e.ExpectColumnMaxToBeBetween(column="quantity", max_value=100),
        e.ExpectColumnValuesToBeBetween(column="customer_id", min_value=customer_ids[0], max_value=customer_ids[1]),
        e.ExpectTableColumnsToMatchSet(column_set=["order_id", "email", "amount", "created_at"], exact_match=False),
        e.ExpectColumnValuesToNotBeInSet(column="status", value_set=["refunded"], mostly=0.8),
    ]


def gx_runner(db: Path, email: str, uuid: str, day: date) -> Callable[[], Any]:
    """A function that validates the suite once and returns Great Expectations' result."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    import great_expectations as gx

    con = duckdb.connect(str(db), read_only=True)
    orders = con.execute("SELECT * FROM orders").df()
    low, high, count = con.execute("SELECT min(customer_id), max(customer_id), count(DISTINCT customer_id) "
                                   "FROM customers").fetchone()
    if count != high - low + 1:
        raise RuntimeError("customers is not a range of ids: the range check would not be a reference check")
    con.close()
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = gx.data_context.types.base.ProgressBarsConfig(globally=False)
    batch = (context.data_sources.add_pandas("lake").add_dataframe_asset("orders")
             .add_batch_definition_whole_dataframe("day").get_batch(batch_parameters={"dataframe": orders}))
    expectations = gx.ExpectationSuite(name="orders", expectations=suite(email, uuid, (low, high), day))

    def run() -> Any:
        result = batch.validate(expectations, result_format="BASIC")
        errors = [r for r in result.results if r.exception_info.get("raised_exception")]
        if errors or len(result.results) != 20:
            raise RuntimeError(f"Great Expectations did not run the 20 checks cleanly: {errors[:2]}")
        return result

    return run
