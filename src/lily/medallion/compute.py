"""Where a declared pipeline's set-based SQL runs (``LILY_ENGINE``: ``duckdb``, the default, or
``spark``): one small interface, one module per engine, chosen by name.

The run's DuckDB session (``lily.medallion.engine``) holds every relation a step reads — the staged
rows, ``silver.<dataset>``, ``gold.<name>`` — and stays the source of truth for them. An engine runs
one query written in DuckDB's dialect over some of those relations and hands back Arrow rows typed
exactly as DuckDB types that query, so the Delta tables (and their content-named files) do not
depend on the engine. Which steps go through here is in docs/medallion.md ("Engines").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import duckdb
import pyarrow as pa

DEFAULT_ENGINE = "duckdb"
DEFAULT_SPARK_MASTER = "local[*]"


class Compute(Protocol):
    name: str

    def select(self, con: duckdb.DuckDBPyConnection, sql: str, relations: Sequence[str]) -> pa.Table:
        """The rows of ``sql`` (DuckDB dialect, in the order it gives) over ``relations``
        (``schema.name`` or a plain name, all readable in ``con``), typed as DuckDB types them."""
        ...


@dataclass(frozen=True)
class DuckDBCompute:
    """In the run's own session: the default, and the fastest on one machine."""

    name: str = "duckdb"

    def select(self, con: duckdb.DuckDBPyConnection, sql: str, relations: Sequence[str]) -> pa.Table:
        del relations  # already in the session
        return con.sql(sql).to_arrow_table()


def _spark(master: str) -> Compute:
    from lily.medallion.spark_compute import SparkCompute  # pyspark is an optional extra

    return SparkCompute(master)


_ENGINES: dict[str, Callable[[str], Compute]] = {"duckdb": lambda _master: DuckDBCompute(), "spark": _spark}


def compute_named(name: str, *, spark_master: str = DEFAULT_SPARK_MASTER) -> Compute:
    try:
        make = _ENGINES[name.lower()]
    except KeyError:
        raise ValueError(f"unknown engine {name!r}: one of {', '.join(sorted(_ENGINES))}") from None
    return make(spark_master)
