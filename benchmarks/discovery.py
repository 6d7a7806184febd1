"""Discovery: the S3 connector beside a bare boto3 listing, the PostgreSQL crawl beside one raw
``information_schema.columns`` query, and view lineage accuracy on a fixture set of views.

    python benchmarks/discovery.py [--objects 100000] [--partitions 1000] [--tables 10000] [--columns 20]

S3 (a moto server started here, in its own process): a bucket of ``--objects`` small Parquet files in
``--partitions`` partitions of three datasets, plus one large Parquet file (``--large-mb``). In the
same run: a bare ``list_objects_v2`` paginator over the bucket (objects/s), then the connector's first
scan (registers every object in the catalog, reads one schema per partition), a full re-scan with
nothing changed, a partition re-scan (``rescan: partitions``) after 1 % of the objects arrived in
new partitions, and a listing re-scan (``rescan: listing``; the default is ``partitions``) after 1 % of the objects,
spread over every partition, were rewritten.
Bytes read per Parquet schema are the connector's own count (the largest one, over the large file
too). The catalog is a SQLite file in a temporary directory.

PostgreSQL (a throwaway server, tests/support/pgserver.py): ``--tables`` tables of ``--columns``
columns in one schema; the crawl (classification off) beside ``SELECT ... FROM information_schema.columns``
for that schema, fetched whole (median of three); the crawl's time in all, and its phases: reading
PostgreSQL's catalog (the connector's queries, fetched into relations) and writing the catalog. View lineage: each view of ``VIEWS`` is crawled and its column
edges compared with the expected sources; the share of columns exactly right is the accuracy.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
from tests.support.motoserver import MotoServer
from tests.support.pgserver import ThrowawayPostgres

from lily.bootstrap import ensure_tenant
from lily.connectors import runner
from lily.connectors.postgres import PostgresConfig
from lily.connectors.s3 import S3Config
from lily.store import Store

BUCKET = "atlan-tech-challenge"


def parquet(rows: int) -> bytes:
    buf = io.BytesIO()
    pq.write_table(pa.table({"id": list(range(rows)), "email": [f"u{i}@example.com" for i in range(rows)],
                             "amount": [i * 1.5 for i in range(rows)]}), buf)
    return buf.getvalue()


def fill(s3, keys: list[str], body: bytes) -> None:
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda k: s3.put_object(Bucket=BUCKET, Key=k, Body=body), keys))


def s3_bench(objects: int, partitions: int, large_mb: int) -> dict[str, float]:
    out: dict[str, float] = {}
    with MotoServer() as moto, tempfile.TemporaryDirectory() as tmp:
        s3 = moto.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        per = max(1, objects // partitions)
        tables = ("users", "accounts", "transactions")
        keys = [f"exports/{tables[p % 3]}/export_date=d{p:05d}/part-{i:04d}.parquet"
                for p in range(partitions) for i in range(per)]
        started = time.perf_counter()
        fill(s3, keys, parquet(20))
        big = parquet(large_mb * 25_000)
        s3.put_object(Bucket=BUCKET, Key="exports/users/export_date=d99999/big.parquet", Body=big)
        print(f"  filled {len(keys) + 1} objects in {time.perf_counter() - started:.0f}s "
              f"(large one {len(big) / 1e6:.1f} MB)", flush=True)

        started = time.perf_counter()
        listed = sum(len(page.get("Contents", ())) for page in
                     s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET))
        bare = time.perf_counter() - started
        out["bare_objects_per_s"] = listed / bare

        store = Store.from_url(f"sqlite:///{tmp}/lily.db", migrate=True)
        ensure_tenant(store, "default")
        config = S3Config(name="lake", endpoint_url=moto.url, access_key_id="testing", secret_access_key="testing",
                          path_specs=[f"s3://{BUCKET}/exports/{{table}}/export_date={{partition}}/*.parquet"],
                          classify=False)
        first = runner.run(store, config)
        full = runner.run(store, config, full=True)
        new = [f"exports/users/export_date=n{p:05d}/part-{i:04d}.parquet"
               for p in range(max(1, partitions // 100)) for i in range(per)]
        fill(s3, new, parquet(20))
        inc = runner.run(store, config.model_copy(update={"rescan": "partitions"}))
        changed = keys[::100]  # 1 %, in every partition
        fill(s3, changed, parquet(21))
        listed_rescan = runner.run(store, config.model_copy(update={"rescan": "listing"}))
        assert listed_rescan.report.counts["objects_written"] == len(changed), listed_rescan.to_json()
        for name, run in (("first_scan", first), ("full_rescan", full), ("incremental_1pct", inc),
                          ("listing_rescan_1pct", listed_rescan)):
            assert run.state == "succeeded", run.to_json()
            out[f"{name}_s"] = run.seconds
            out[f"{name}_objects_per_s"] = run.report.counts["objects"] / run.seconds
        out["listed"] = listed
        out["bare_s"] = bare
        out["schema_bytes_max"] = first.report.counts["schema_bytes_max"]
        out["schemas_read"] = first.report.counts["schemas_read"]
        out["incremental_written"] = inc.report.counts["objects_written"]
        out["listing_rescan_schemas"] = listed_rescan.report.counts["schemas_read"]
    return out


VIEWS: dict[str, tuple[str, dict[str, set[str]]]] = {
    "v_join": ("SELECT u.id, u.email, a.iban FROM users u JOIN accounts a ON a.user_id = u.id",
               {"id": {"users.id"}, "email": {"users.email"}, "iban": {"accounts.iban"}}),
    "v_cte": ("WITH t AS (SELECT user_id, sum(balance) AS total FROM accounts GROUP BY user_id) "
              "SELECT u.email, t.total FROM users u JOIN t ON t.user_id = u.id",
              {"email": {"users.email"}, "total": {"accounts.balance"}}),
    "v_union": ("SELECT id, email AS contact FROM users UNION ALL SELECT id, iban FROM accounts",
                {"id": {"users.id", "accounts.id"}, "contact": {"users.email", "accounts.iban"}}),
    "v_window": ("SELECT id, balance, sum(balance) OVER (PARTITION BY user_id ORDER BY id) AS running "
                 "FROM accounts",
                 {"id": {"accounts.id"}, "balance": {"accounts.balance"},
                  "running": {"accounts.balance", "accounts.user_id", "accounts.id"}}),
    "v_star": ("SELECT * FROM users", {c: {f"users.{c}"} for c in ("id", "email", "phone", "name")}),
    "v_star_join": ("SELECT a.*, u.email FROM accounts a JOIN users u ON u.id = a.user_id",
                    {"id": {"accounts.id"}, "user_id": {"accounts.user_id"}, "iban": {"accounts.iban"},
                     "balance": {"accounts.balance"}, "email": {"users.email"}}),
    "v_expr": ("SELECT id, upper(name) || ' <' || email || '>' AS display, CASE WHEN phone IS NULL THEN 'none' "
               "ELSE phone END AS phone FROM users",
               {"id": {"users.id"}, "display": {"users.name", "users.email"}, "phone": {"users.phone"}}),
    "v_subquery": ("SELECT s.user_id, s.n FROM (SELECT user_id, count(*) AS n FROM transactions GROUP BY user_id) s",
                   {"user_id": {"transactions.user_id"}, "n": set()}),
    "v_nested_cte": ("WITH a AS (SELECT id, email FROM users), b AS (SELECT id, lower(email) AS e FROM a) "
                     "SELECT b.id, b.e FROM b", {"id": {"users.id"}, "e": {"users.email"}}),
    "v_agg_join": ("SELECT u.id, count(t.id) AS txns, max(t.amount) AS biggest FROM users u "
                   "LEFT JOIN transactions t ON t.user_id = u.id GROUP BY u.id",
                   {"id": {"users.id"}, "txns": {"transactions.id"}, "biggest": {"transactions.amount"}}),
    "v_rank": ("SELECT user_id, amount, rank() OVER (PARTITION BY user_id ORDER BY amount DESC) AS r "
               "FROM transactions",
               {"user_id": {"transactions.user_id"}, "amount": {"transactions.amount"},
                "r": {"transactions.user_id", "transactions.amount"}}),
    "v_union_cte": ("WITH x AS (SELECT email AS v FROM users UNION SELECT iban FROM accounts) SELECT v FROM x",
                    {"v": {"users.email", "accounts.iban"}}),
    "v_lateral": ("SELECT u.id, l.amount FROM users u, LATERAL (SELECT t.amount FROM transactions t "
                  "WHERE t.user_id = u.id ORDER BY t.amount DESC LIMIT 1) l",
                  {"id": {"users.id"}, "amount": {"transactions.amount"}}),
    "v_quoted": ('SELECT i."invoiceId", i."totalAmount" AS total FROM "Invoices" i',
                 {"invoiceId": {"Invoices.invoiceId"}, "total": {"Invoices.totalAmount"}}),
}
BASE = """
CREATE TABLE users (id int PRIMARY KEY, email text, phone text, name text);
CREATE TABLE accounts (id int PRIMARY KEY, user_id int, iban text, balance numeric);
CREATE TABLE transactions (id int PRIMARY KEY, user_id int, amount numeric);
CREATE TABLE "Invoices" ("invoiceId" int PRIMARY KEY, "userId" int, "totalAmount" numeric);
"""


def pg_bench(tables: int, columns: int) -> dict[str, float]:
    out: dict[str, float] = {}
    server = ThrowawayPostgres().start()
    try:
        admin = server.admin_url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("CREATE DATABASE bench")
        url = server.url_for("bench").replace("postgresql+psycopg://", "postgresql://")
        cols = ", ".join(f"c{i} {'int' if i % 2 else 'text'}" for i in range(columns))
        started = time.perf_counter()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE SCHEMA wide")
            for start in range(1, tables + 1, 1000):  # a transaction each: one holds a lock per table
                conn.execute(f"DO $$ BEGIN FOR i IN {start}..{min(tables, start + 999)} LOOP EXECUTE format("
                             f"'CREATE TABLE wide.t%s (id int PRIMARY KEY, {cols})', i); END LOOP; END $$")
            conn.execute(BASE + "".join(f"CREATE VIEW {name} AS {sql};\n" for name, (sql, _) in VIEWS.items()))
        print(f"  created {tables} tables in {time.perf_counter() - started:.0f}s", flush=True)
        raw: list[float] = []
        with psycopg.connect(url) as conn:
            for _ in range(3):  # the median of three, the server's caches warm after the first
                started = time.perf_counter()
                rows = conn.execute("SELECT table_name, column_name, data_type, is_nullable, column_default "
                                    "FROM information_schema.columns WHERE table_schema = 'wide'").fetchall()
                raw.append(time.perf_counter() - started)
        out["raw_query_s"] = sorted(raw)[1]
        out["raw_rows"] = len(rows)
        with tempfile.TemporaryDirectory() as tmp:
            store = Store.from_url(f"sqlite:///{tmp}/lily.db", migrate=True)
            ensure_tenant(store, "default")
            base = {"host": "127.0.0.1", "port": int(url.rsplit(":", 1)[1].split("/")[0]), "database": "bench",
                    "user": "postgres", "classify": False}
            crawl = runner.run(store, PostgresConfig(name="wide", schemas=["wide"], **base))
            assert crawl.state == "succeeded", crawl.to_json()
            out["crawl_s"] = crawl.seconds
            out["crawl_read_s"] = crawl.report.phases["catalog_read"]
            out["crawl_write_s"] = crawl.report.phases["catalog_write"]
            out["crawl_columns"] = crawl.report.counts["columns"]
            recrawl = runner.run(store, PostgresConfig(name="wide", schemas=["wide"], **base))
            out["recrawl_s"] = recrawl.seconds
            out["recrawl_read_s"] = recrawl.report.phases["catalog_read"]
            views = runner.run(store, PostgresConfig(name="views", schemas=["public"], namespace="postgres://v",
                                                     **base))
            out["view_accuracy"] = view_accuracy(store)
            out["views_unparsed"] = views.report.counts.get("views_unparsed", 0)
    finally:
        server.stop()
    return out


def view_accuracy(store: Store) -> float:
    from sqlalchemy import select

    from lily.store.tables import assets, lineage_edges

    with store.read() as conn:
        names = {r.id: (r.name.rsplit(".", 1)[-1], r.field) for r in conn.execute(
            select(assets.c.id, assets.c.name, assets.c.field).where(assets.c.namespace == "postgres://v"))}
        rows = conn.execute(select(lineage_edges.c.source_id, lineage_edges.c.target_id)).all()
    found: dict[tuple[str, str], set[str]] = {}
    for s, t in rows:
        if s in names and t in names and names[t][1]:
            found.setdefault(names[t], set()).add(f"{names[s][0]}.{names[s][1]}")
    right = total = 0
    for view, (_, expected) in VIEWS.items():
        for column, sources in expected.items():
            total += 1
            right += found.get((view, column), set()) == sources
            if found.get((view, column), set()) != sources:
                print(f"  lineage differs: {view}.{column}: {sorted(found.get((view, column), set()))} "
                      f"expected {sorted(sources)}")
    return right / total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objects", type=int, default=100_000)
    parser.add_argument("--partitions", type=int, default=1000)
    parser.add_argument("--large-mb", type=int, default=20)
    parser.add_argument("--tables", type=int, default=10_000)
    parser.add_argument("--columns", type=int, default=20)
    parser.add_argument("--skip-s3", action="store_true")
    parser.add_argument("--skip-pg", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("LILY_LOG_LEVEL", "warning")
    if not args.skip_s3:
        print(f"S3: {args.objects} objects in {args.partitions} partitions", flush=True)
        r = s3_bench(args.objects, args.partitions, args.large_mb)
        print(f"  bare list_objects_v2 paginator: {r['listed']:.0f} objects in {r['bare_s']:.2f}s = "
              f"{r['bare_objects_per_s']:.0f} objects/s")
        for name in ("first_scan", "full_rescan", "incremental_1pct", "listing_rescan_1pct"):
            print(f"  {name}: {r[f'{name}_s']:.2f}s = {r[f'{name}_objects_per_s']:.0f} objects/s "
                  f"({r[f'{name}_objects_per_s'] / r['bare_objects_per_s']:.0%} of the bare listing)")
        print(f"  partition re-scan, 1 % new: {r['incremental_1pct_s'] / r['first_scan_s']:.1%} of the first scan's "
              f"time, {r['incremental_1pct_s'] / r['full_rescan_s']:.1%} of the full re-scan's "
              f"({r['incremental_written']:.0f} objects written)")
        print(f"  listing re-scan, 1 % rewritten in every partition: {r['listing_rescan_1pct_s'] / r['first_scan_s']:.1%}"
              f" of the first scan's time ({r['listing_rescan_schemas']:.0f} schemas read)")
        print(f"  first scan read {r['schemas_read']:.0f} schemas, at most {r['schema_bytes_max']:.0f} bytes each")
    if not args.skip_pg:
        print(f"PostgreSQL: {args.tables} tables x {args.columns} columns", flush=True)
        r = pg_bench(args.tables, args.columns)
        print(f"  raw information_schema.columns: {r['raw_rows']:.0f} rows in {r['raw_query_s']:.2f}s (median of 3)")
        print(f"  crawl: {r['crawl_columns']:.0f} columns in {r['crawl_s']:.2f}s in all "
              f"({r['crawl_s'] / r['raw_query_s']:.1f}x the raw query); unchanged re-crawl {r['recrawl_s']:.2f}s")
        print(f"  crawl's catalog read: {r['crawl_read_s']:.2f}s ({r['crawl_read_s'] / r['raw_query_s']:.1f}x the raw "
              f"query), re-crawl's {r['recrawl_read_s']:.2f}s ({r['recrawl_read_s'] / r['raw_query_s']:.1f}x); "
              f"catalog writes {r['crawl_write_s']:.2f}s")
        print(f"  view lineage: {r['view_accuracy']:.1%} of {sum(len(e) for _, e in VIEWS.values())} columns "
              f"right ({r['views_unparsed']:.0f} views fell back to pg_depend)")


if __name__ == "__main__":
    main()
