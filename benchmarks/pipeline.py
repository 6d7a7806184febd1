"""Normalize throughput vs raw DuckDB NDJSON -> Parquet on the same files.

    python benchmarks/pipeline.py --mb 1024 [--repeat 3] [--invalid-every N]

Generates ``--mb`` MB of NDJSON access logs for one day into a temporary lake, ingests them (not
timed), then times (1) Lily's normalize for that day — parse, validate, canonicalise, write the
silver Delta partition and the rejects — and (2) DuckDB ``COPY (SELECT * FROM read_json(files)) TO
parquet`` over the same bronze files. With ``--repeat N`` the two alternate N times and the best
time of each counts (a re-run of normalize replaces the same day), which keeps the ratio honest on
a shared, noisy machine. Prints both throughputs and their ratio (target >= 0.70).

``--invalid-every N`` makes every N-th record well-formed JSON that normalize rejects (a status
that is not a number): every file then has rejected rows, whose raw text normalize reads back.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import deltalake
import duckdb

from lily.pipelines.delta import read_partition
from lily.pipelines.ingest import ingest
from lily.pipelines.lake import Lake
from lily.pipelines.normalize import normalize

DAY = date(2024, 6, 1)
FILE_MB = 64


def _block(rng: random.Random, target_bytes: int, invalid_every: int = 0) -> bytes:
    start = datetime(DAY.year, DAY.month, DAY.day, tzinfo=UTC)
    lines: list[str] = []
    size = 0
    while size < target_bytes:
        moment = start + timedelta(milliseconds=rng.randrange(86_400_000))
        invalid = invalid_every and len(lines) % invalid_every == invalid_every - 1
        line = json.dumps({
            "ts": moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            "service": rng.choice(("checkout", "catalog", "search", "auth")),
            "host": f"web-{rng.randrange(12)}", "method": rng.choice(("GET", "POST")),
            "path": f"/api/v1/{rng.choice(('items', 'cart', 'search', 'pay'))}",
            "status": "n/a" if invalid else rng.choice((200, 200, 200, 404, 500)),
            "latency_ms": round(rng.random() * 400, 3),
            "user_id": f"u{rng.randrange(10_000)}", "client_ip": f"10.0.{rng.randrange(256)}.{rng.randrange(256)}",
        })
        lines.append(line)
        size += len(line) + 1
    return ("\n".join(lines) + "\n").encode()


def generate(raw: Path, total_mb: int, seed: int, invalid_every: int = 0) -> int:
    rng = random.Random(seed)
    block = _block(rng, min(FILE_MB, total_mb) * 1024 * 1024, invalid_every)
    written, index = 0, 0
    while written < total_mb * 1024 * 1024:
        path = raw / "ndjson" / f"access-{index:04d}.ndjson"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(block)
        written += len(block)
        index += 1
    return written


def cpu_seconds() -> float:
    """CPU time of this process, all threads: the work done, whatever else the machine runs."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=1024, help="MB of NDJSON to generate (default 1024)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=1, help="alternate both N times, keep the best of each")
    parser.add_argument("--invalid-every", type=int, default=0,
                        help="make every N-th record one that normalize rejects (default: none)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary lake")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="lily-bench-"))
    try:
        lake = Lake(workdir / "lake")
        lake.ensure()
        size = generate(lake.raw, args.mb, args.seed, args.invalid_every)
        ingest(lake, ingest_ts=datetime(2024, 6, 2, tzinfo=UTC), run_id="bench")
        files = sorted(str(p) for p in lake.local(lake.bronze_partition("ndjson", DAY)).glob("*.ndjson"))
        mb = size / (1024 * 1024)
        print(f"input: {len(files)} files, {mb:.0f} MB NDJSON")

        print(f"machine: {platform.machine()} {os.cpu_count()} CPUs, {platform.system()} {platform.release()}, "
              f"python {platform.python_version()}, duckdb {duckdb.__version__}, deltalake {deltalake.__version__}")
        baseline_s = lily_s = baseline_cpu = lily_cpu = float("inf")
        rows: tuple[int, ...] | None = None
        for attempt in range(1, max(1, args.repeat) + 1):
            con = duckdb.connect()
            t0, c0 = time.perf_counter(), cpu_seconds()
            con.execute(f"COPY (SELECT * FROM read_json({files!r})) TO '{workdir / 'baseline.parquet'}' "
                        "(FORMAT parquet)")
            run_baseline, cpu_baseline = time.perf_counter() - t0, cpu_seconds() - c0
            rows = con.execute(f"SELECT count(*) FROM '{workdir / 'baseline.parquet'}'").fetchone()
            con.close()

            t0, c0 = time.perf_counter(), cpu_seconds()
            result = normalize(lake, DAY)
            run_lily, cpu_lily = time.perf_counter() - t0, cpu_seconds() - c0
            baseline_s, lily_s = min(baseline_s, run_baseline), min(lily_s, run_lily)
            baseline_cpu, lily_cpu = min(baseline_cpu, cpu_baseline), min(lily_cpu, cpu_lily)
            print(f"  run {attempt}: duckdb {run_baseline:6.2f} s ({cpu_baseline:6.2f} s CPU), "
                  f"lily {run_lily:6.2f} s ({cpu_lily:6.2f} s CPU)")
        silver = read_partition(lake.silver_uri, "event_date", DAY)
        assert silver is not None and silver.num_rows == result.records_out
        assert result.records_in == result.records_out + result.records_rejected == (rows[0] if rows else -1)

        base_tp, lily_tp = mb / baseline_s, mb / lily_s
        print(f"duckdb read_json -> parquet : {baseline_s:7.2f} s  {base_tp:8.1f} MB/s  ({rows[0] if rows else 0} rows)")
        print(f"lily normalize -> delta     : {lily_s:7.2f} s  {lily_tp:8.1f} MB/s  "
              f"({result.records_out} silver, {result.records_rejected} rejected)")
        print(f"ratio lily/duckdb           : {lily_tp / base_tp:.2f}  (target >= 0.70)")
        print(f"CPU-time ratio              : {baseline_cpu / lily_cpu:.2f}  (duckdb CPU s / lily CPU s, best runs)")
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
