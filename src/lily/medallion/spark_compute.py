"""Declared pipelines' SQL on Spark (``LILY_ENGINE=spark``): the same query, transpiled by sqlglot.

A query is written in DuckDB's dialect (gold SQL as the pipeline file says it, silver's
de-duplication as ``lily.medallion.silver`` builds it). Its relations are handed to Spark as
DataFrames from the run's DuckDB session (Arrow, no copy through files), named ``<schema>__<name>``
because Spark temporary views cannot live in a schema; the query's table references are renamed the
same way, the few DuckDB functions the log pipeline's transforms need rewritten
(``lily.pipelines.spark_engine``), and the result comes back as Arrow, cast to the types DuckDB
gives the same query (a ``LIMIT 0`` of it in the session), so both engines write the same tables.
The Spark session is the log pipeline's: one per process and master.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import pyarrow as pa
import sqlglot
from sqlglot import exp

from lily.pipelines.spark_engine import rewrite_for_spark, session

READ_DIALECT = "duckdb"
# Spark temporary views are per session, and the session is shared by the process: one query at a
# time keeps two runs from seeing each other's views.
_lock = threading.Lock()


def view_name(relation: str) -> str:
    """``silver.orders`` -> ``silver__orders`` (a plain name stays as it is)."""
    return relation.replace(".", "__")


def _rename_tables(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Table) and node.args.get("db") is not None and not node.args.get("catalog"):
        renamed = exp.to_table(view_name(f"{node.db}.{node.name}"))
        if node.alias:
            renamed.set("alias", node.args["alias"].copy())
        return renamed
    return node


def spark_query(sql: str) -> str:
    """``sql`` (DuckDB) as Spark SQL over the renamed relations."""
    tree = sqlglot.parse_one(sql, read=READ_DIALECT).transform(_rename_tables)
    return rewrite_for_spark(tree).sql(dialect="spark")


@dataclass(frozen=True)
class SparkCompute:
    master: str = "local[*]"
    name: str = "spark"

    def select(self, con: duckdb.DuckDBPyConnection, sql: str, relations: Sequence[str]) -> pa.Table:
        spark = session(self.master)
        target = con.sql(f"SELECT * FROM ({sql}) AS q LIMIT 0").to_arrow_table().schema
        query = spark_query(sql)
        with _lock:
            views = []
            try:
                for relation in relations:
                    table = con.sql(f"SELECT * FROM {relation}").to_arrow_table()
                    # an empty Arrow table still carries its schema to Spark
                    spark.createDataFrame(table).createOrReplaceTempView(view_name(relation))
                    views.append(view_name(relation))
                result = spark.sql(query).toArrow()
            finally:
                for view in views:
                    spark.catalog.dropTempView(view)
        return result.rename_columns(target.names).cast(target)


__all__ = ["SparkCompute", "spark_query", "view_name"]
