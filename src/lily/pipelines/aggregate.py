"""Aggregate: silver day ``D`` → ``gold/daily_activity`` partition ``D`` (replaced atomically)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lily.pipelines import engine
from lily.pipelines.delta import read_partition, replace_partition
from lily.pipelines.lake import Lake
from lily.pipelines.schema import GOLD_PARTITIONS, GOLD_SCHEMA, SILVER_SCHEMA
from lily.pipelines.transform import SILVER_DAY_TABLE, daily_activity, silver_day_table


@dataclass(frozen=True)
class AggregateResult:
    process_date: date
    records_in: int
    rows_out: int


def aggregate(lake: Lake, process_date: date, *, threads: int | None = None) -> AggregateResult:
    """Rebuild gold for ``process_date``. A day without silver rows gets an empty partition, so a
    correction that removes a day's data also removes its aggregates."""
    silver = read_partition(lake.silver, "event_date", process_date)
    if silver is None:
        silver = SILVER_SCHEMA.empty_table()
    con = engine.connect(threads)
    try:
        con.register(SILVER_DAY_TABLE, silver)
        gold = engine.run(con, daily_activity(silver_day_table(), process_date)).cast(GOLD_SCHEMA)
    finally:
        con.close()
    replace_partition(lake.gold, gold, schema=GOLD_SCHEMA, partition_by=GOLD_PARTITIONS,
                      column="event_date", day=process_date)
    return AggregateResult(process_date, silver.num_rows, gold.num_rows)
