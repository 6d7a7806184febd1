"""Which engine runs the record-level steps (normalize, aggregate): one small interface, one
module per engine, chosen by name (``LILY_ENGINE``: ``duckdb``, the default, or ``spark``).

Both run the same transforms (``lily.pipelines.transform``) and write the same Delta tables; an
engine only decides where the rows are computed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from lily.pipelines.aggregate import AggregateResult, aggregate
from lily.pipelines.lake import Lake
from lily.pipelines.normalize import NormalizeResult, normalize


class Engine(Protocol):
    name: str

    def normalize(self, lake: Lake, process_date: date, *, span: int, threads: int | None) -> NormalizeResult: ...

    def aggregate(self, lake: Lake, process_date: date, *, threads: int | None) -> AggregateResult: ...


@dataclass(frozen=True)
class DuckDBEngine:
    """In process: the default, and the fastest on one machine."""

    name: str = "duckdb"

    def normalize(self, lake: Lake, process_date: date, *, span: int, threads: int | None) -> NormalizeResult:
        return normalize(lake, process_date, span=span, threads=threads)

    def aggregate(self, lake: Lake, process_date: date, *, threads: int | None) -> AggregateResult:
        return aggregate(lake, process_date, threads=threads)


def _spark(master: str) -> Engine:
    from lily.pipelines.spark_engine import SparkEngine  # pyspark is an optional extra

    return SparkEngine(master)


_ENGINES: dict[str, Callable[[str], Engine]] = {"duckdb": lambda _master: DuckDBEngine(), "spark": _spark}
DEFAULT_SPARK_MASTER = "local[*]"


def engine_named(name: str, *, spark_master: str = DEFAULT_SPARK_MASTER) -> Engine:
    try:
        make = _ENGINES[name.lower()]
    except KeyError:
        raise ValueError(f"unknown engine {name!r}: one of {', '.join(sorted(_ENGINES))}") from None
    return make(spark_master)
