"""Quality checks: Lily's 20-check suite over one partition vs one plain DuckDB scan and Soda Core.

    python benchmarks/quality.py --rows 10000000 --repeat 3        # the figures in docs/quality.md
    python benchmarks/quality.py --rows 200000 --no-peer           # a quick look while developing

Generates one day of an ``orders`` partition (``--rows`` rows, deterministic: pseudo-random columns
are Lehmer-generator steps of the row number, so every run and every DuckDB version gets the same
data, with defects injected at fixed strides) plus a ``customers`` table, in a DuckDB file under a
temporary directory (not timed). Then, alternating ``--repeat`` times, it times:

- ``SELECT count(*)``, as asked; DuckDB answers it from table metadata without reading a column;
- one plain scan that reads every column the suite reads (``min``/``max`` of each), the honest
  floor for any single pass over the data;
- Lily's ``run_checks`` (schema lookup, the one aggregate statement, the reference join, failing
  samples for the checks that fail), and the same suite without its four regular expressions;
- the same 20 checks as a Soda Core 4 data contract (``soda-duckdb``, the ``bench`` extra), on the
  same database file and the same DuckDB;
- the same 20 checks as a Great Expectations 1.x suite over pandas DataFrames (``great_expectations``,
  the ``bench`` extra; benchmarks/quality_gx.py says how each check maps and which data it is given);
- with ``--soda3-python PATH``, the same checks in SodaCL through Soda Core 3 (``soda-core-duckdb``,
  the package the issue names). It pins ``duckdb<1.1`` and cannot share Lily's environment, so it
  runs in its own virtualenv (``python3 -m venv .venv-soda3 && .venv-soda3/bin/pip install
  soda-core-duckdb``), in a subprocess, on a DuckDB 1.0 file loaded from a Parquet export of the same
  tables (loading is not timed; the subprocess reports the time of its scan alone).

Each engine opens its own read-only connection to its file. The best time of each counts, and the
spread (min-max) is printed: the development machine has 2 cores shared with other work. CPU time
(``time.process_time``: every thread of the process, DuckDB's included; Soda Core 3 measures its
own) is printed beside it and in the ratios, because other jobs on the machine move it less.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # benchmarks.quality_gx

from lily.quality import QualityReport, parse_checks, run_checks

DAY = date(2024, 6, 1)
CUSTOMERS = 1_000_000
CHECKED_COLUMNS = ["order_id", "order_uuid", "customer_id", "email", "phone", "status", "currency", "country",
                   "amount", "quantity", "created_at"]


def generate(path: Path, rows: int) -> None:
    """The partition and its reference table; r1..r4 are independent Lehmer (MINSTD) draws."""
    con = duckdb.connect(str(path))
    con.execute("SET preserve_insertion_order = false")
    con.execute(f"""
        CREATE TABLE orders AS
        WITH g AS (
            SELECT i,
                   (i * 48271) % 2147483647 AS r1, (i * 69621) % 2147483647 AS r2,
                   (i * 16807) % 2147483647 AS r3, (i * 39373) % 2147483647 AS r4
            FROM range(1, {rows} + 1) t(i)
        )
        SELECT
            CASE WHEN i % 100003 = 0 THEN i - 1 ELSE i END::BIGINT AS order_id,          -- duplicates
            lower(substr(md5(i::VARCHAR), 1, 8) || '-' || substr(md5(i::VARCHAR), 9, 4) || '-4'
                  || substr(md5(i::VARCHAR), 14, 3) || '-a' || substr(md5(i::VARCHAR), 18, 3) || '-'
                  || substr(md5(i::VARCHAR), 21, 12)) AS order_uuid,
            CASE WHEN i % 50021 = 0 THEN {CUSTOMERS} + i                                    -- unknown
                 WHEN i % 20011 = 0 THEN NULL ELSE r1 % {CUSTOMERS} END::BIGINT AS customer_id,
            CASE WHEN i % 97 = 0 THEN NULL                                                  -- missing
                 WHEN i % 1009 = 0 THEN 'user' || (r1 % {CUSTOMERS}) || 'example.com'      -- malformed
                 ELSE 'user' || (r1 % {CUSTOMERS}) || '@example.com' END AS email,
            '+33' || (600000000 + r2 % 100000000)::VARCHAR AS phone,
            (['paid', 'paid', 'paid', 'pending', 'refunded', 'cancelled'])[1 + r3 % 6] AS status,
            (['EUR', 'EUR', 'USD', 'GBP'])[1 + r4 % 4] AS currency,
            (['FR', 'DE', 'ES', 'IT', 'NL', 'BE', 'fr'])[1 + (r2 // 7) % 7] AS country,      -- 'fr' invalid
            CASE WHEN i % 10007 = 0 THEN -1.0 ELSE (r4 % 50000) / 100.0 END AS amount,
            (1 + r3 % 9)::INTEGER AS quantity,
            TIMESTAMP '{DAY.isoformat()}' + to_seconds(r2 % 86400) AS created_at
        FROM g
    """)
    con.execute(f"CREATE TABLE customers AS SELECT range::BIGINT AS customer_id FROM range({CUSTOMERS})")
    con.execute("CHECKPOINT")
    con.close()


SUITE = parse_checks([
    {"type": "row_count", "fail": {"lt": 1}},
    {"type": "missing_count", "column": "order_id", "blocking": True},
    {"type": "missing_percent", "column": "email", "warn": {"gt": 1}, "fail": {"gt": 5}},
    {"type": "missing_count", "column": "customer_id", "warn": {"gt": 0}},
    {"type": "invalid_count", "name": "email_format", "column": "email", "format": "email",
     "warn": {"gt": 0}, "fail": {"gt": 1000000}},
    {"type": "invalid_count", "name": "status_values", "column": "status",
     "valid_values": ["paid", "pending", "refunded", "cancelled"]},
    {"type": "invalid_count", "name": "amount_range", "column": "amount", "valid_min": 0, "valid_max": 100000},
    {"type": "invalid_count", "name": "currency_values", "column": "currency", "valid_values": ["EUR", "USD", "GBP"]},
    {"type": "invalid_count", "name": "country_code", "column": "country", "regex": "[A-Z]{2}"},
    {"type": "invalid_count", "name": "order_uuid_format", "column": "order_uuid", "format": "uuid"},
    {"type": "invalid_count", "name": "phone_format", "column": "phone", "format": "phone_e164"},
    {"type": "invalid_count", "name": "quantity_range", "column": "quantity", "valid_min": 1, "valid_max": 100},
    {"type": "duplicate_count", "columns": ["order_id"], "blocking": True},
    {"type": "freshness", "column": "created_at", "max_age": "1d"},
    {"type": "distribution", "column": "amount", "metric": "avg", "fail": {"not_between": [0, 1000]}},
    {"type": "distribution", "column": "amount", "metric": "stddev", "warn": {"gt": 500}},
    {"type": "distribution", "column": "quantity", "metric": "max", "fail": {"gt": 100}},
    {"type": "reference", "column": "customer_id", "dataset": "customers", "dataset_column": "customer_id"},
    {"type": "schema", "columns": {"order_id": "BIGINT", "email": "VARCHAR", "amount": "DOUBLE",
                                   "created_at": "TIMESTAMP"}},
    {"type": "sql_metric", "name": "refunded_share",
     "expression": "avg(CASE WHEN status = 'refunded' THEN 1.0 ELSE 0.0 END)", "warn": {"gt": 0.2}},
])

EMAIL = r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
UUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


def soda_contract() -> str:
    """The same 20 checks in Soda's data contract language."""
    return textwrap.dedent(f"""\
        dataset: lake/main/orders
        checks:
          - row_count:
              threshold: {{must_be_greater_than: 0}}
          - schema:
          - freshness:
              column: created_at
              threshold: {{unit: hour, must_be_less_than: 24}}
          - metric:
              qualifier: refunded
              name: refunded_share
              expression: "avg(CASE WHEN status = 'refunded' THEN 1.0 ELSE 0.0 END)"
              threshold: {{must_be_less_than_or_equal: 0.2}}
          - metric:  # Soda's aggregate check has no stddev on DuckDB: a custom metric instead
              qualifier: stddev
              name: amount_stddev
              expression: "stddev_samp(amount)"
              threshold: {{must_be_less_than_or_equal: 500}}
        columns:
          - name: order_id
            data_type: BIGINT
            checks:
              - missing:
              - duplicate:
          - name: order_uuid
            checks:
              - invalid:
                  valid_format: {{name: uuid, regex: '{UUID}'}}
          - name: customer_id
            checks:
              - missing:
              - invalid:
                  valid_reference_data: {{dataset: lake/main/customers, column: customer_id}}
          - name: email
            data_type: VARCHAR
            checks:
              - missing:
                  threshold: {{metric: percent, must_be_less_than_or_equal: 5}}
              - invalid:
                  valid_format: {{name: email, regex: '{EMAIL.replace("'", "''")}'}}
          - name: phone
            checks:
              - invalid:
                  valid_format: {{name: phone, regex: '^\\+[1-9][0-9]{{6,14}}$'}}
          - name: status
            checks:
              - invalid:
                  valid_values: [paid, pending, refunded, cancelled]
          - name: currency
            checks:
              - invalid:
                  valid_values: [EUR, USD, GBP]
          - name: country
            checks:
              - invalid:
                  valid_format: {{name: country, regex: '^[A-Z]{{2}}$'}}
          - name: amount
            data_type: DOUBLE
            checks:
              - invalid:
                  valid_min: 0
                  valid_max: 100000
              - aggregate:
                  function: avg
                  threshold:
                    must_be_between: {{greater_than_or_equal: 0, less_than_or_equal: 1000}}
          - name: quantity
            checks:
              - invalid:
                  valid_min: 1
                  valid_max: 100
              - aggregate:
                  function: max
                  threshold: {{must_be_less_than_or_equal: 100}}
          - name: created_at
            data_type: TIMESTAMP
        """)


SODACL = r"""
checks for orders:
  - row_count > 0
  - missing_count(order_id) = 0
  - missing_percent(email):
      warn: when > 1
      fail: when > 5
  - missing_count(customer_id):
      warn: when > 0
  - invalid_count(email):
      valid regex: EMAIL_REGEX
      warn: when > 0
      fail: when > 1000000
  - invalid_count(status) = 0:
      valid values: [paid, pending, refunded, cancelled]
  - invalid_count(amount) = 0:
      valid min: 0
      valid max: 100000
  - invalid_count(currency) = 0:
      valid values: [EUR, USD, GBP]
  - invalid_count(country) = 0:
      valid regex: ^[A-Z]{2}$
  - invalid_count(order_uuid) = 0:
      valid regex: UUID_REGEX
  - invalid_count(phone) = 0:
      valid regex: ^\+[1-9][0-9]{6,14}$
  - invalid_count(quantity) = 0:
      valid min: 1
      valid max: 100
  - duplicate_count(order_id) = 0
  - freshness(created_at, NOW) < 1d
  - avg(amount) between 0 and 1000
  - stddev(amount):
      warn: when > 500
  - max(quantity) <= 100
  - values in (customer_id) must exist in customers (customer_id)
  - schema:
      fail:
        when required column missing: [order_id, email, amount, created_at]
        when wrong column type:
          order_id: BIGINT
          email: VARCHAR
          amount: DOUBLE
          created_at: TIMESTAMP
  - refunded_share:
      refunded_share expression: avg(CASE WHEN status = 'refunded' THEN 1.0 ELSE 0.0 END)
      warn: when > 0.2
""".replace("EMAIL_REGEX", EMAIL.replace("'", "")).replace("UUID_REGEX", UUID)  # Soda 3 does not escape quotes

SODA3_SCRIPT = """
import json, os, sys, time
import duckdb
from soda.scan import Scan
parquet_dir, db, checks = sys.argv[1], sys.argv[2], sys.stdin.read()
if not os.path.exists(db):
    con = duckdb.connect(db)
    for name in ("orders", "customers"):
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_parquet('{parquet_dir}/{name}.parquet')")
    con.close()
started, cpu = time.perf_counter(), time.process_time()
con = duckdb.connect(db, read_only=True)
scan = Scan()
scan.set_data_source_name("lake")
scan.add_duckdb_connection(con, data_source_name="lake")
scan.add_variables({"NOW": sys.argv[3]})
scan.add_sodacl_yaml_str(checks)
scan.execute()
con.close()
seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
results = scan.get_scan_results()["checks"]
print("LILY_BENCH_RESULT " + json.dumps({"seconds": seconds, "cpu": cpu, "checks": len(results),
                  "failed": sum(r["outcome"] == "fail" for r in results), "errors": scan.has_error_logs()}), flush=True)
"""


def soda3_runner(db: Path, work: Path, python: str) -> Callable[[], tuple[float, float]]:
    """Soda Core 3 in its own virtualenv; returns the wall and CPU time it measured around its own scan."""
    parquet = work / "parquet"
    parquet.mkdir()
    con = duckdb.connect(str(db), read_only=True)
    for name in ("orders", "customers"):
        con.execute(f"COPY {name} TO '{parquet / name}.parquet' (FORMAT parquet)")
    con.close()
    target = work / "soda3.duckdb"

    def run() -> tuple[float, float]:
        out = subprocess.run(
            [python, "-c", SODA3_SCRIPT, str(parquet), str(target), f"{DAY.isoformat()}T23:59:59"],
            input=SODACL, capture_output=True, text=True, check=True,
        )
        # Soda draws progress bars on stdout: the result is the marked JSON, wherever it landed.
        marked = re.findall(r"LILY_BENCH_RESULT (\{.*?\})\n", out.stdout)
        if not marked:
            raise RuntimeError(f"Soda Core 3 printed no result:\n{out.stdout[-1500:]}\n{out.stderr[-1500:]}")
        result = json.loads(marked[-1])
        if result["errors"] or result["checks"] != 20:
            raise RuntimeError(f"Soda Core 3 did not run the 20 checks cleanly: {result}\n{out.stderr[-2000:]}")
        run.last = result  # type: ignore[attr-defined]
        return float(result["seconds"]), float(result["cpu"])

    run()  # loads its DuckDB file from Parquet once, untimed
    return run


# The suite without its four regular expressions over columns of distinct strings (email, uuid,
# phone formats and the country pattern): what the one-statement design costs when checks are
# cheap predicates, as opposed to what RE2 costs per value.
NO_REGEX = [c for c in SUITE if not (c.type == "invalid_count" and (c.format or c.regex))]


def run_lily(db: Path, suite: list[Any] = SUITE) -> QualityReport:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return run_checks(con, "orders", suite, process_date=DAY, pii_columns={"email", "phone"})
    finally:
        con.close()


def run_plain(db: Path, query: str) -> Any:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def soda_runner(db: Path, work: Path) -> Callable[[], Any]:
    os.environ.setdefault("SODA_CORE_TELEMETRY_ENABLED", "false")
    from soda_core.contracts.api import verify_contract_locally  # the bench extra

    (work / "datasource.yml").write_text(
        f'type: duckdb\nname: lake\nconnection:\n  database: "{db}"\n  schema: main\n  read_only: true\n'
    )
    (work / "contract.yml").write_text(soda_contract())

    def run() -> Any:
        result = verify_contract_locally(
            data_source_file_path=str(work / "datasource.yml"), contract_file_path=str(work / "contract.yml"),
            data_timestamp=f"{DAY.isoformat()}T23:59:59+00:00", publish=False,
        )
        if result.has_errors:
            raise RuntimeError(f"Soda reported errors:\n{result.get_errors_str()}")
        return result

    return run


def timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """Wall time, and CPU time of this process (every DuckDB thread included), around ``fn``."""
    start, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - start, time.process_time() - cpu, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="partition rows (10000000 for the record)")
    parser.add_argument("--repeat", type=int, default=1, help="alternating rounds; the best of each counts")
    parser.add_argument("--no-peer", action="store_true", help="skip Soda Core 4 and Great Expectations")
    parser.add_argument("--soda3-python", help="python of a virtualenv with soda-core-duckdb (Soda Core 3)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="lily-quality-bench-") as tmp:
        work = Path(tmp)
        db = work / "lake.duckdb"
        started = time.perf_counter()
        generate(db, args.rows)
        print(f"generated {args.rows:,} rows in {time.perf_counter() - started:.1f}s "
              f"({os.path.getsize(db) / 2**20:.0f} MiB); {platform.processor() or platform.machine()}, "
              f"{os.cpu_count()} cores, DuckDB {duckdb.__version__}")
        scan_all = "SELECT " + ", ".join(f"min({c}), max({c})" for c in CHECKED_COLUMNS) + " FROM orders"
        contenders: dict[str, Callable[[], Any]] = {
            "count(*)": lambda: run_plain(db, "SELECT count(*) FROM orders"),
            "one plain scan": lambda: run_plain(db, scan_all),
            "lily (20 checks)": lambda: run_lily(db),
            f"lily ({len(NO_REGEX)}, no regex)": lambda: run_lily(db, NO_REGEX),
        }
        if not args.no_peer:
            contenders["soda core 4 (20 checks)"] = soda_runner(db, work)
            from benchmarks.quality_gx import gx_runner

            contenders["great expectations (20)"] = gx_runner(db, EMAIL, UUID, DAY)
        soda3 = soda3_runner(db, work, args.soda3_python) if args.soda3_python else None
        names = [*contenders, *(["soda core 3 (20 checks)"] if soda3 else [])]
        times: dict[str, list[float]] = {name: [] for name in names}
        cpu: dict[str, list[float]] = {name: [] for name in names}
        outputs: dict[str, Any] = {}
        for _ in range(args.repeat):
            for name, fn in contenders.items():
                seconds, cpu_seconds, outputs[name] = timed(fn)
                times[name].append(seconds)
                cpu[name].append(cpu_seconds)
            if soda3:
                seconds, cpu_seconds = soda3()
                times["soda core 3 (20 checks)"].append(seconds)
                cpu["soda core 3 (20 checks)"].append(cpu_seconds)

        report: QualityReport = outputs["lily (20 checks)"]
        print(f"lily: {report.queries} statements, {sum(r.status == 'fail' for r in report.results)} failed, "
              f"{sum(r.status == 'warn' for r in report.results)} warned, passed={report.passed}; scores {report.scores}")
        if "soda core 4 (20 checks)" in outputs:
            soda = outputs["soda core 4 (20 checks)"]
            print(f"soda core 4: {soda.number_of_checks} checks, {soda.number_of_checks_failed} failed")
        if "great expectations (20)" in outputs:
            gx_result = outputs["great expectations (20)"]
            print(f"great expectations: {len(gx_result.results)} checks, "
                  f"{sum(not r.success for r in gx_result.results)} failed")
        if soda3:
            print(f"soda core 3: {soda3.last['checks']} checks, {soda3.last['failed']} failed")  # type: ignore[attr-defined]
        print(f"\n{'':26}{'best s':>9}{'spread s':>16}{'best cpu s':>12}{'rows/s':>14}")
        for name, ts in times.items():
            print(f"{name:26}{min(ts):9.3f}{min(ts):8.3f}-{max(ts):<7.3f}{min(cpu[name]):12.3f}"
                  f"{args.rows / min(ts):14,.0f}")

        def ratio(a: str, b: str) -> str:  # wall, then CPU time, which the neighbours' load moves less
            return f"{min(times[a]) / min(times[b]):.2f}x (cpu {min(cpu[a]) / min(cpu[b]):.2f}x)"

        no_regex = f"lily ({len(NO_REGEX)}, no regex)"
        print(f"\nlily / one plain scan: {ratio('lily (20 checks)', 'one plain scan')} (target <= 2); without "
              f"the regex checks {ratio(no_regex, 'one plain scan')}")
        print(f"lily / count(*):       {ratio('lily (20 checks)', 'count(*)')} (count(*) reads metadata only)")
        for peer in ("soda core 4 (20 checks)", "soda core 3 (20 checks)", "great expectations (20)"):
            if peer in times:
                print(f"{peer[:18]} / lily: {ratio(peer, 'lily (20 checks)')} (target >= 5)")
        if args.repeat > 1:
            print(f"lily median {statistics.median(times['lily (20 checks)']):.3f}s over {args.repeat} rounds")


if __name__ == "__main__":
    main()
