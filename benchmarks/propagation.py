"""Governance propagation benchmark: tag applied -> last warehouse statement applied.

Two lineage shapes, each on the embedded default (SQLite file, WAL) and on PostgreSQL (a
throwaway server):

* **chain**: ``s3://bench/d0.c -> d1.c -> d2.c -> d3.c -> d4.c -> snowflake://bench/T5.C`` — the
  governed table is 5 lineage hops from the tagged column (column-level edges, plus dataset edges).
* **fanout**: one source column ``s3://bench/src.c`` feeding 1,000 downstream columns, spread over
  50 Snowflake tables of 20 columns (50 deliveries, 1,000 masking statements per tag).

A rule masks ``PII.*`` columns (hash) on Snowflake; the Snowflake target uses the recording
connection, so the figures are Lily's own work (feed, propagation, planning, rendering, delivery
bookkeeping, audit) without a warehouse round trip. Everything runs as ``lily serve`` runs it:
the tag goes through ``Store.apply`` (the one apply path), the in-process propagation and outbound
threads are woken by the commit, and the clock stops when the last expected ``SET MASKING POLICY``
statement has been committed to the target connection (polled every millisecond). Each measured tag is
followed by removing it again (also waited for: every ``UNSET MASKING POLICY``), so each iteration
starts from the same state.

Baseline, measured in the same run on the same database: a bare ``Store.apply`` of one
``AddClassification`` (what the API call itself costs), p50/p99 over the same number of tags.

Usage::

    python benchmarks/propagation.py                  # both shapes, both databases
    python benchmarks/propagation.py --db sqlite --iterations 50
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import structlog

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lily.bus.commits import apply_and_notify
from lily.model import (
    AddClassification,
    AddLineage,
    AssetRef,
    AssetType,
    ChangeSet,
    ColumnSpec,
    RemoveClassification,
    UpsertAsset,
)
from lily.observability import Metrics
from lily.outbound.connections import recorded, recorded_count
from lily.outbound.runtime import GovernanceRuntime
from lily.settings import Settings
from lily.store import Store
from lily.store import governance as repo
from lily.store.accounts import create_tenant

TENANT = "bench"
LAKE, SF = "s3://bench", "snowflake://bench"
RULE = {"rule_id": "pii", "rule_type": "masking", "enabled": True, "asset_id": None, "description": None,
        "conditions": [{"field": "classification", "operator": "matches", "value": "PII.*"}],
        "actions": [{"type": "mask", "parameters": {"strategy": "hash", "exempt_roles": ["PII_READER"],
                                                    "targets": ["snowflake"]}}]}


def chain_ops() -> tuple[list, AssetRef, int]:
    refs = [AssetRef(namespace=LAKE, name=f"d{i}") for i in range(5)] + [AssetRef(namespace=SF, name="DB.S.T5")]
    ops: list = [UpsertAsset(ref=r, type=AssetType.TABLE, columns=[ColumnSpec(name="c" if i < 5 else "C"),
                                                                     ColumnSpec(name="k" if i < 5 else "K")])
                 for i, r in enumerate(refs)]
    for i in range(5):
        a, b = refs[i], refs[i + 1]
        ops += [AddLineage(source=a, target=b),
                AddLineage(source=a.column("c"), target=b.column("c" if i < 4 else "C"))]
    return ops, refs[0].column("c"), 1


def fanout_ops(columns: int = 1000, per_table: int = 20) -> tuple[list, AssetRef, int]:
    src = AssetRef(namespace=LAKE, name="src")
    ops: list = [UpsertAsset(ref=src, type=AssetType.TABLE, columns=[ColumnSpec(name="c")])]
    for t in range(columns // per_table):
        table = AssetRef(namespace=SF, name=f"DB.S.T{t}")
        cols = [f"C{j}" for j in range(per_table)]
        ops.append(UpsertAsset(ref=table, type=AssetType.TABLE, columns=[ColumnSpec(name=c) for c in cols]))
        ops.append(AddLineage(source=src, target=table))
        ops += [AddLineage(source=src.column("c"), target=table.column(c)) for c in cols]
    return ops, src.column("c"), columns


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(p / 100 * len(values) + 0.5) - 1))]


def wait_until(check: Callable[[], bool], timeout_s: float = 60.0) -> None:
    end = time.perf_counter() + timeout_s
    while not check():
        if time.perf_counter() > end:
            raise TimeoutError("statements did not arrive")
        time.sleep(0.001)


def run_shape(url: str, data_dir: Path, shape: str, iterations: int, warmup: int) -> dict[str, object]:
    store = Store.from_url(url, migrate=True)
    settings = Settings(data_dir=data_dir, database_url=url)
    now = datetime.now(UTC)
    ops, source, expected = chain_ops() if shape == "chain" else fanout_ops()
    target_id = uuid.uuid4()
    with store.write() as conn:
        create_tenant(conn, TENANT, TENANT, now)
        repo.insert_rule(conn, TENANT, "pii", RULE, True, "bench", now)
        repo.insert_target(conn, {"id": target_id, "tenant_id": TENANT, "name": "sf", "kind": "snowflake",
                                  "config": {"namespaces": [SF], "connection": "recording"}, "secrets": None,
                                  "secret_keys": [], "enabled": True, "created_at": now, "updated_at": now})
    store.apply(ChangeSet(tenant_id=TENANT, actor="bench", operations=ops))
    metrics = Metrics()
    runtime = GovernanceRuntime(store, settings, metrics).start()

    def sent() -> int:  # cheap enough to poll without starving the worker threads
        return recorded_count(target_id)

    tag_ms: list[float] = []
    untag_ms: list[float] = []
    try:
        for i in range(warmup + iterations):
            # per masked column: CREATE MASKING POLICY IF NOT EXISTS + SET; on removal: UNSET
            before = sent()
            t0 = time.perf_counter()
            # As the API routes write: the commit wakes the in-process propagation and outbound threads.
            apply_and_notify(store, ChangeSet(tenant_id=TENANT, actor="bench", operations=[
                AddClassification(ref=source, tag="PII.email")]))
            wait_until(lambda b=before: sent() >= b + 2 * expected)
            t1 = time.perf_counter()
            apply_and_notify(store, ChangeSet(tenant_id=TENANT, actor="bench", operations=[
                RemoveClassification(ref=source, tag="PII.email")]))
            wait_until(lambda b=before: sent() >= b + 3 * expected)
            t2 = time.perf_counter()
            if i >= warmup:
                tag_ms.append((t1 - t0) * 1000)
                untag_ms.append((t2 - t1) * 1000)
    finally:
        runtime.stop()
    statements = recorded(target_id)
    sets = sum(" SET MASKING POLICY " in s for s in statements)
    unsets = sum(s.endswith("UNSET MASKING POLICY") for s in statements)
    assert sets == unsets == expected * (warmup + iterations), (sets, unsets)  # exactly what was waited for
    # Baseline: the same tag written by a bare Store.apply, with no worker running.
    base_ms: list[float] = []
    for _ in range(warmup + iterations):
        t0 = time.perf_counter()
        store.apply(ChangeSet(tenant_id=TENANT, actor="bench", operations=[AddClassification(ref=source, tag="PII.x")]))
        base_ms.append((time.perf_counter() - t0) * 1000)
        store.apply(ChangeSet(tenant_id=TENANT, actor="bench", operations=[
            RemoveClassification(ref=source, tag="PII.x")]))
    base_ms = base_ms[warmup:]
    store.dispose()
    result = {
        "shape": shape, "iterations": iterations, "statements_per_tag": expected,
        "tag_p50_ms": statistics.median(tag_ms), "tag_p99_ms": pct(tag_ms, 99),
        "untag_p50_ms": statistics.median(untag_ms), "untag_p99_ms": pct(untag_ms, 99),
        "baseline_p50_ms": statistics.median(base_ms), "baseline_p99_ms": pct(base_ms, 99),
    }
    result["ratio_p50"] = result["tag_p50_ms"] / result["baseline_p50_ms"]
    result["ratio_p99"] = result["tag_p99_ms"] / result["baseline_p99_ms"]
    return result


def sqlite_run(shape: str, iterations: int, warmup: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="lily-bench-") as tmp:
        return run_shape(f"sqlite:///{tmp}/lily.db", Path(tmp), shape, iterations, warmup)


def postgres_run(shapes: list[str], iterations: dict[str, int], warmup: int) -> list[dict[str, object]]:
    import psycopg
    from tests.support.pgserver import ThrowawayPostgres

    out = []
    with ThrowawayPostgres() as server, tempfile.TemporaryDirectory(prefix="lily-bench-") as tmp:
        for shape in shapes:
            name = f"bench_{shape}_{uuid.uuid4().hex[:6]}"
            with psycopg.connect(server.admin_url.replace("+psycopg", ""), autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            out.append(run_shape(server.url_for(name), Path(tmp), shape, iterations[shape], warmup))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    ap.add_argument("--shape", choices=["chain", "fanout", "both"], default="both")
    ap.add_argument("--iterations", type=int, default=200, help="measured tags per chain run")
    ap.add_argument("--fanout-iterations", type=int, default=30, help="measured tags per fan-out run")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args()
    # Per-delivery info logs would be most of the output (and of the printing time).
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    shapes = ["chain", "fanout"] if args.shape == "both" else [args.shape]
    iterations = {"chain": args.iterations, "fanout": args.fanout_iterations}
    results: list[dict[str, object]] = []
    if args.db in ("sqlite", "both"):
        results += [{"db": "sqlite", **sqlite_run(s, iterations[s], args.warmup)} for s in shapes]
    if args.db in ("postgres", "both"):
        results += [{"db": "postgresql", **r} for r in postgres_run(shapes, iterations, args.warmup)]
    print(f"{'db':<11} {'shape':<7} {'n':>4} {'stmts':>6} {'tag p50':>9} {'tag p99':>9} {'untag p50':>10} "
          f"{'untag p99':>10} {'base p50':>9} {'base p99':>9} {'p50 x':>7} {'p99 x':>7}")
    for r in results:
        print(f"{r['db']:<11} {r['shape']:<7} {r['iterations']:>4} {r['statements_per_tag']:>6} "
              f"{r['tag_p50_ms']:>7.1f}ms {r['tag_p99_ms']:>7.1f}ms {r['untag_p50_ms']:>8.1f}ms "
              f"{r['untag_p99_ms']:>8.1f}ms {r['baseline_p50_ms']:>7.2f}ms {r['baseline_p99_ms']:>7.2f}ms "
              f"{r['ratio_p50']:>6.1f}x {r['ratio_p99']:>6.1f}x")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
