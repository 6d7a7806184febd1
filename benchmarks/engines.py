"""Spark vs DuckDB on the log pipeline, over the same inputs, in the same run.

    python benchmarks/engines.py --size-gb 1 [--repeat 2] [--spark-master 'local[*]']

Generates ``--size-gb`` GB of NDJSON access logs for one day once (the generator of
``benchmarks/pipeline.py``), ingests them into a temporary lake (not timed), then times the
record-level steps — normalize (parse, validate, canonicalise, write and commit the silver
partition and the rejects) and aggregate (gold) — on each engine over the same bronze files. Each
run replaces the same day, so the engines alternate ``--repeat`` times and the best wall time of
each counts (a shared, noisy machine). The Spark session is started once before the first timed
run and its start-up is reported apart.

Reported per engine: wall seconds, input rows/s, and CPU seconds of the whole process tree — this
process and every child still running (Spark's JVM is one) plus children that ended — read from
``/proc`` (Linux). Both engines must give the same silver and gold row counts.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline import DAY, generate  # benchmarks/pipeline.py: the same log generator

from lily.pipelines.delta import row_count
from lily.pipelines.engines import Engine, engine_named
from lily.pipelines.ingest import ingest
from lily.pipelines.lake import Lake

TICKS = os.sysconf("SC_CLK_TCK")


def _descendants_cpu(root: int) -> float:
    """utime + stime (s) of every live descendant of ``root`` (the JVM Spark runs in, its helpers)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) "
        parents[int(entry)] = int(fields[1])
        times[int(entry)] = (int(fields[11]) + int(fields[12])) / TICKS
    total, frontier = 0.0, [root]
    while frontier:
        pid = frontier.pop()
        children = [p for p, parent in parents.items() if parent == pid]
        total += sum(times[c] for c in children)
        frontier.extend(children)
    return total


def tree_cpu_seconds() -> float:
    """CPU seconds of this process, its live descendants and its ended children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    ended = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + ended.ru_utime + ended.ru_stime + _descendants_cpu(os.getpid())


@dataclass
class Best:
    wall: float = float("inf")
    cpu: float = float("inf")
    rows_in: int = 0
    silver: int = 0
    gold: int = 0


def timed_run(engine: Engine, lake: Lake, best: Best) -> tuple[float, float]:
    t0, c0 = time.perf_counter(), tree_cpu_seconds()
    normalized = engine.normalize(lake, DAY, span=1, threads=None)
    engine.aggregate(lake, DAY, threads=None)
    wall, cpu = time.perf_counter() - t0, tree_cpu_seconds() - c0
    best.wall, best.cpu = min(best.wall, wall), min(best.cpu, cpu)
    best.rows_in = normalized.records_in
    best.silver, best.gold = row_count(lake.silver) or 0, row_count(lake.gold) or 0
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-gb", type=float, default=1.0, help="GB of NDJSON to generate (default 1)")
    parser.add_argument("--repeat", type=int, default=1, help="alternate the engines N times, keep the best of each")
    parser.add_argument("--spark-master", default="local[*]")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the temporary lake")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="lily-engines-"))
    try:
        lake = Lake(workdir / "lake")
        lake.ensure()
        mb = max(1, round(args.size_gb * 1024))
        size = generate(lake.raw, mb, args.seed)
        ingest(lake, ingest_ts=datetime(2024, 6, 2, tzinfo=UTC), run_id="bench")
        print(f"input: {size / 1024 ** 3:.2f} GB NDJSON, one day")
        print(f"machine: {platform.machine()} {os.cpu_count()} CPUs, {platform.system()} {platform.release()}, "
              f"python {platform.python_version()}, duckdb {duckdb.__version__}")

        engines = {"duckdb": engine_named("duckdb"), "spark": engine_named("spark", spark_master=args.spark_master)}
        from lily.pipelines.spark_engine import session

        t0 = time.perf_counter()
        spark = session(args.spark_master)
        print(f"spark {spark.version} session ({args.spark_master}) started in {time.perf_counter() - t0:.1f} s "
              "(not counted)")
        best = {name: Best() for name in engines}
        for attempt in range(1, max(1, args.repeat) + 1):
            for name, engine in engines.items():
                wall, cpu = timed_run(engine, lake, best[name])
                print(f"  run {attempt} {name:6s}: {wall:7.2f} s wall, {cpu:7.2f} s CPU")
        counts = {name: (b.rows_in, b.silver, b.gold) for name, b in best.items()}
        if len(set(counts.values())) != 1:
            raise SystemExit(f"the engines disagree (rows in, silver rows, gold rows): {counts}")
        print(f"{'engine':8s} {'wall s':>8s} {'rows/s':>12s} {'CPU s':>8s} {'CPU us/row':>11s}")
        for name, b in best.items():
            print(f"{name:8s} {b.wall:8.2f} {b.rows_in / b.wall:12,.0f} {b.cpu:8.2f} {1e6 * b.cpu / b.rows_in:11.2f}")
        duck, spark_best = best["duckdb"], best["spark"]
        print(f"spark / duckdb: {spark_best.wall / duck.wall:.2f}x wall, {spark_best.cpu / duck.cpu:.2f}x CPU "
              f"({duck.rows_in:,} rows in, {duck.silver:,} silver, {duck.gold:,} gold)")
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
