"""The Spark engine (``LILY_ENGINE=spark``, ``LILY_SPARK_MASTER``, default ``local[*]``).

The same Ibis transforms as DuckDB: compiled to DuckDB SQL, then transpiled to Spark SQL by sqlglot,
with the few engine functions the transforms call by name rewritten to Spark's equivalents
(``_SPARK_FUNCTIONS``). Spark writes the silver partition's Parquet files; Lily puts them under the
table (a local directory or S3) and commits them to the Delta table in one transaction with
delta-rs, exactly as the DuckDB path commits its own files — no JVM Delta package is involved.

Spark reads plain NDJSON files itself, as lines (its text reader, split on ``\n`` only), once a
streaming check has found them valid UTF-8; the other files (gzip, XML, JSON arrays, invalid UTF-8)
reach Spark as lines prepared by the same Python reader the DuckDB path falls back to
(``bronze.read_lines``). Either way the lines go through the same expression, so both engines see
the same records; the JSON-reader fast path is a DuckDB optimisation whose output is the same by
construction (``tests/pipelines/test_fast_path.py``).
"""

from __future__ import annotations

import codecs
import os
import tempfile
import threading
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.parquet as pq
import sqlglot
from pyarrow import fs as pafs
from sqlglot import exp

from lily.pipelines import normalize as duck
from lily.pipelines.aggregate import AggregateResult
from lily.pipelines.bronze import BronzeFile, UnreadableFile, bronze_files, read_lines, staged
from lily.pipelines.delta import DataFile, read_partition, replace_partition, replace_partition_files
from lily.pipelines.formats import LogFormat, strip_leading
from lily.pipelines.lake import Lake
from lily.pipelines.records import ALL_INPUT_NAMES
from lily.pipelines.schema import (
    GOLD_PARTITIONS,
    GOLD_SCHEMA,
    REJECT_PARTITIONS,
    REJECT_SCHEMA,
    SILVER_PARTITIONS,
    SILVER_SCHEMA,
)
from lily.pipelines.transform import (
    LINES_TABLE,
    RECORDS_TABLE,
    SILVER_DAY_TABLE,
    canonicalize,
    daily_activity,
    lines_table,
    records_table,
    silver_day_table,
)

_FIELDS_DDL = ", ".join(f"`{n}` STRING" for n in ALL_INPUT_NAMES)


def _rewrite(node: exp.Expression) -> exp.Expression:
    """DuckDB functions the transforms use by name -> their Spark equivalents (also inside a
    replacement: a transform does not revisit what it put in place)."""
    new = _rewrite_one(node)
    return node if new is node else new.transform(_rewrite)


def _rewrite_one(node: exp.Expression) -> exp.Expression:
    name = node.name.lower() if isinstance(node, exp.Anonymous | exp.Func) else ""
    args = list(node.args.get("expressions") or []) if isinstance(node, exp.Anonymous) else []
    if isinstance(node, exp.Anonymous) and name == "json_transform":
        # from_json gives a row of nulls for malformed text where DuckDB gives null: test validity
        # first, so that "not a JSON object" stays the reason on both engines.
        text = args[0]
        parsed = exp.func("from_json", text.copy(), exp.Literal.string(_FIELDS_DDL))
        valid = exp.func("get_json_object", text.copy(), exp.Literal.string("$")).is_(exp.null()).not_()
        return exp.If(this=valid, true=parsed, false=exp.null())
    if isinstance(node, exp.Try):
        return node.this  # the parse above already yields null instead of failing
    if isinstance(node, exp.RegexpFullMatch):
        pattern = node.expression.name
        return exp.RegexpLike(this=node.this, expression=exp.Literal.string(f"^(?:{pattern})\\z"))
    if isinstance(node, exp.Anonymous) and name == "isfinite":
        return exp.Not(this=exp.Is(this=exp.Paren(this=args[0]), expression=exp.null()))
    if isinstance(node, exp.Anonymous) and name == "suffix":
        return exp.func("endswith", *args)
    if isinstance(node, exp.Anonymous) and name == "epoch_us":
        return exp.func("unix_micros", args[0])
    if isinstance(node, exp.PercentileCont):
        # DuckDB's exact, interpolated quantile is Spark's percentile (not percentile_approx)
        return exp.func("percentile", node.this, node.expression)
    return node


def rewrite_for_spark(tree: exp.Expression) -> exp.Expression:
    """A query parsed from DuckDB SQL, with the DuckDB functions above rewritten to Spark's."""
    return tree.transform(_rewrite)


def spark_sql(expr: ir.Table) -> str:
    """``expr`` as Spark SQL."""
    tree = sqlglot.parse_one(str(ibis.to_sql(expr, dialect="duckdb")), read="duckdb")
    return rewrite_for_spark(tree).sql(dialect="spark")


_sessions: dict[str, Any] = {}
_sessions_guard = threading.Lock()


def session(master: str) -> Any:
    """One Spark session per master for the process (starting one takes seconds). Small on
    purpose: no UI, one shuffle partition, UTC, timestamps written as Parquet's int64 micros."""
    from pyspark.sql import SparkSession

    with _sessions_guard:
        if master not in _sessions:
            _sessions[master] = (
                SparkSession.builder.master(master).appName("lily-pipelines")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "1")
                # The day's silver reaches Spark through the driver as Arrow: 512m ran out of heap
                # at 0.5 GB of logs (benchmarks/engines.py); the JVM takes only what it uses.
                .config("spark.driver.memory", os.environ.get("LILY_SPARK_DRIVER_MEMORY", "4g"))
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
                .config("spark.sql.ansi.enabled", "false")
                .getOrCreate()
            )
            _sessions[master].sparkContext.setLogLevel("ERROR")
        return _sessions[master]


def _frame(spark: Any, table: pa.Table) -> Any:
    return spark.createDataFrame(table)


@dataclass(frozen=True)
class SparkEngine:
    master: str = "local[*]"
    name: str = "spark"

    def normalize(self, lake: Lake, process_date: date, *, span: int, threads: int | None) -> duck.NormalizeResult:
        with staged(lake, bronze_files(lake, process_date, span)) as files:
            return self._normalize(lake, process_date, files, span)

    def _normalize(self, lake: Lake, day: date, files: list[Any], span: int) -> duck.NormalizeResult:
        spark = session(self.master)
        result = duck.NormalizeResult(day, inputs=sorted({f.format.value for f in files}))
        parts = [duck.engine.empty_lines()]
        by_spark: list[tuple[int, BronzeFile]] = []
        for file_no, file in enumerate(files):
            try:
                if _spark_reads(file):
                    by_spark.append((file_no, file))
                else:
                    parts.append(duck._python_rows(file_no, file, read_lines(file)))
            except (UnreadableFile, OSError, EOFError) as exc:
                error = exc if isinstance(exc, UnreadableFile) else UnreadableFile("unreadable", str(exc))
                result.files_rejected.append(duck._reject_file(lake, day, file, error))
                continue
            result.files_read += 1
        lines = _frame(spark, pa.concat_tables(parts))
        if by_spark:
            lines = lines.unionByName(_spark_lines(spark, by_spark))
        lines.createOrReplaceTempView(LINES_TABLE)
        spark.createDataFrame([], _records_ddl()).createOrReplaceTempView(RECORDS_TABLE)
        names = duck._FileNames(files)
        rows = spark.sql(spark_sql(canonicalize(lines_table(), records_table(), day, span))).filter("owned")
        rows.cache()
        try:
            rejected = rows.filter("reason IS NOT NULL").drop("owned").toArrow()
            silver = rows.filter("reason IS NULL").drop("owned", "reason", "record")
            result.records_in = rows.count()
            result.records_out = result.records_in - rejected.num_rows
            written = self._write_silver(lake, silver, names, day)
        finally:
            rows.unpersist()
        replace_partition_files(lake.silver, written, schema=SILVER_SCHEMA, partition_by=SILVER_PARTITIONS,
                                column="event_date", day=day)
        if rejected.num_rows:
            result.records_rejected = rejected.num_rows
            result.reject_reasons = dict(sorted(Counter(rejected.column("reason").to_pylist()).items()))
        table = duck._reject_table(rejected if rejected.num_rows else None, names, day)
        replace_partition(lake.rejected_dq, table, schema=REJECT_SCHEMA, partition_by=REJECT_PARTITIONS,
                          column="process_date", day=day)
        return result

    def _write_silver(self, lake: Lake, silver: Any, names: duck._FileNames, day: date) -> list[DataFile]:
        """Spark writes the day's Parquet files (one directory per log_type); each goes under the
        table as ``log_type=X/event_date=D/part-<uuid>.parquet``, not yet committed."""
        spark = session(self.master)
        files = pa.table({"file_no": pa.array(range(len(names.source_files)), pa.int32()),
                          "source_file": names.source_files, "ingest_run_id": names.run_ids})
        joined = silver.join(_frame(spark, files), "file_no", "left")
        columns = [c for c in SILVER_SCHEMA.names if c != "event_date"]
        filesystem, root = lake.silver.fs
        out: list[DataFile] = []
        with tempfile.TemporaryDirectory(prefix="lily-spark-") as scratch:
            target = Path(scratch) / "out"
            joined.select(*columns).write.partitionBy("log_type").parquet(str(target))
            for local in sorted(target.glob("log_type=*/*.parquet")):
                # Spark's file as it is (its columns are silver's data columns, timestamps as
                # int64 micros): only moved under the table, where Delta expects it.
                log_type = local.parent.name.split("=", 1)[1]
                rel = f"log_type={log_type}/event_date={day.isoformat()}/part-{uuid.uuid4()}.snappy.parquet"
                path = f"{root}/{rel}"
                if lake.is_local:
                    Path(path).parent.mkdir(parents=True, exist_ok=True)
                pafs.copy_files(str(local), path, source_filesystem=pafs.LocalFileSystem(),
                                destination_filesystem=filesystem)
                info = filesystem.get_file_info(path)
                out.append(DataFile(rel, int(info.size), pq.read_metadata(local).num_rows,
                                    {"log_type": log_type, "event_date": day.isoformat()},
                                    int(info.mtime_ns // 1_000_000)))
        return out

    def aggregate(self, lake: Lake, process_date: date, *, threads: int | None) -> AggregateResult:
        spark = session(self.master)
        silver = read_partition(lake.silver, "event_date", process_date)
        if silver is None:
            silver = SILVER_SCHEMA.empty_table()
        spark.createDataFrame(silver.cast(SILVER_SCHEMA)).createOrReplaceTempView(SILVER_DAY_TABLE)
        gold = spark.sql(spark_sql(daily_activity(silver_day_table(), process_date))).toArrow()
        gold = gold.select(GOLD_SCHEMA.names).cast(GOLD_SCHEMA)
        replace_partition(lake.gold, gold, schema=GOLD_SCHEMA, partition_by=GOLD_PARTITIONS,
                          column="event_date", day=process_date)
        return AggregateResult(process_date, silver.num_rows, gold.num_rows)


def _spark_reads(file: BronzeFile) -> bool:
    """Whether Spark reads ``file`` itself: plain NDJSON (not a JSON array) that is valid UTF-8
    (Spark's text reader would replace bad bytes where the Python reader gives the line a reason)."""
    if file.format is not LogFormat.NDJSON:
        return False
    decoder = codecs.getincrementaldecoder("utf-8")()
    with file.path.open("rb") as fh:
        head = fh.read(4096)
        if strip_leading(head).startswith(b"["):
            return False
        try:
            decoder.decode(head)
            while chunk := fh.read(1024 * 1024):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def _spark_lines(spark: Any, files: list[tuple[int, BronzeFile]]) -> Any:
    """The lines of ``files`` read by Spark, in the lines schema. One read per file, each with its
    constants: a day has tens of files, and matching rows back to files by the path Spark reports
    would depend on how it escapes paths."""
    from functools import reduce

    from pyspark.sql import functions as F

    frames = [
        spark.read.option("lineSep", "\n").text(str(file.path)).select(
            F.lit(file_no).cast("int").alias("file_no"), F.lit(file.file_date).alias("file_date"),
            F.lit(file.default_log_type).alias("default_log_type"), F.lit(None).cast("string").alias("pre_reason"),
            F.col("value").alias("line"))
        for file_no, file in files
    ]
    return reduce(lambda a, b: a.unionByName(b), frames)


def _records_ddl() -> str:
    fields = ", ".join(f"`{n}`: STRING" for n in ALL_INPUT_NAMES)
    return f"file_no INT, file_date DATE, default_log_type STRING, fields STRUCT<{fields}>"
