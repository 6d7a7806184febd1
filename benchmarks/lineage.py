"""Lineage impact-query benchmark: depth-10 downstream traversal on 1M assets / 2M edges.

Measures ``lily.store.lineage.traverse(conn, tenant, start, Direction.DOWNSTREAM, depth=10)``
exactly as the API runs it (a ``Store.read()`` connection per query), on SQLite (file database in
WAL mode) and on PostgreSQL (a throwaway server), both created by Lily's own migration. The
baseline, measured in the same run on the same database and the same start nodes, is a single
indexed hop (``SELECT target_id FROM lineage_edges WHERE source_id = ?``); the script prints the
figures and p95(impact) / p95(single hop).

Graph shape (deterministic for a given ``--seed``)
--------------------------------------------------
A catalog is not a random graph: it is many mostly independent pipelines. The generator builds:

* **Pipelines** of 20 to 5,000 datasets (Pareto-distributed sizes: many small dbt projects, a
  few large warehouses), each with 4 to 14 layers: sources -> staging -> intermediate -> marts,
  the last layer being dashboards. Layer widths vary randomly around size / layers.
* **Local inputs.** Every non-source dataset reads 1 + Geometric inputs (mostly 1-3, a long tail
  of wide joins), chosen near its own relative position in the previous layer (Gaussian window
  of a few positions), so impact spreads as a cone rather than exploding; 15 % of inputs skip
  layers (a mart reading a staging table directly).
* **Shared dimensions.** About 0.2 % (at least one per pipeline) of the datasets in the first two
  layers of a pipeline are hubs (calendar, customer, ...) that 5 % of inputs read: the fan-out
  of tens to hundreds every real catalog has.
* **Cross-pipeline fan-in.** 0.5 % of edges feed a dashboard or last-layer mart of a pipeline
  from another pipeline, so lineage does cross domains but does not chain through them.

The number of inputs is tuned so the catalog has exactly ``--edges`` edges (2 per asset by
default: joins are common in warehouses). 90 % of the impact queries start at random non-sink
datasets of the first three layers (sources and staging, where "what breaks if I change this?"
is asked), 10 % at shared dimensions; a depth-10 query then returns from a handful to a few
thousand nodes (the node counts are printed). Every query result is checked against an
in-memory BFS of the same graph.

Loading
-------
The benchmark measures queries, not ingest: rows are written straight into ``tenants``,
``assets`` and ``lineage_edges`` (same columns and encodings as the store writes), not through
the apply path (no change log, history or audit rows). SQLite: one transaction of large
``executemany`` batches with ``PRAGMA synchronous=OFF`` and a large page cache during the load
only. PostgreSQL: ``COPY``. Both run ``ANALYZE`` afterwards (PostgreSQL ``VACUUM ANALYZE``, which
autovacuum would do shortly after such a load anyway; it sets the visibility map that
index-only scans rely on). Queries run on a warm cache after a few unmeasured warm-up queries.

Usage::

    python benchmarks/lineage.py                       # 1M assets / 2M edges, both databases
    python benchmarks/lineage.py --assets 20000 --edges 40000 --queries 100 --db sqlite
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from array import array
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
# The throwaway PostgreSQL server lives with the test support code; lily itself may run from a
# checkout without being installed.
for _p in (REPO, REPO / "src"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

import psycopg  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn  # noqa: E402
from rich.table import Table  # noqa: E402
from sqlalchemy import (  # noqa: E402
    Connection,
    Engine,
    Integer,
    String,
    Uuid,
    and_,
    event,
    func,
    insert,
    literal,
    select,
    text,
)
from sqlalchemy.exc import OperationalError  # noqa: E402

from lily.model import AssetRef, Direction, LineageNode, asset_id, stable_id  # noqa: E402
from lily.store import Store  # noqa: E402
from lily.store.catalog import get_asset  # noqa: E402
from lily.store.lineage import edges_of, traverse  # noqa: E402
from lily.store.migrate import upgrade  # noqa: E402
from lily.store.tables import lineage_edges, tenants  # noqa: E402

TENANT = "bench"
DEPTH = 10
TARGET_P95_MS = 50.0
BATCH = 50_000
console = Console()

# Shape parameters (see the module docstring).
MIN_PIPELINE, MAX_PIPELINE, PARETO_ALPHA, PARETO_SCALE = 20, 5_000, 1.1, 40
MIN_LAYERS, MAX_LAYERS = 4, 14
LOCAL_SIGMA = 1.5  # positions; the width of the "nearby inputs" window
SKIP_LAYER_P = 0.15
HUB_FRACTION, HUB_P = 0.002, 0.05
CROSS_P = 0.005
START_LAYERS = 3
HUB_STARTS = 0.1  # share of impact queries that start at a shared dimension


# --------------------------------------------------------------------------- graph

@dataclass
class Pipeline:
    index: int
    layers: list[tuple[int, int]]  # (first asset index, width) per layer
    hubs: list[int]


@dataclass
class Graph:
    n: int
    layer: bytearray  # layer of each asset
    last_layer: bytearray  # 1 where the asset is in its pipeline's last layer
    pipeline_of: array  # type: ignore[type-arg]
    pipelines: list[Pipeline]
    src: array = field(default_factory=lambda: array("i"))  # type: ignore[type-arg]
    dst: array = field(default_factory=lambda: array("i"))  # type: ignore[type-arg]
    offsets: array = field(default_factory=lambda: array("i"))  # type: ignore[type-arg]
    adj: array = field(default_factory=lambda: array("i"))  # type: ignore[type-arg]

    def build_csr(self) -> None:
        """Downstream adjacency (CSR) for the BFS oracle and degree statistics."""
        counts = array("i", bytes(4 * (self.n + 1)))
        for s in self.src:
            counts[s + 1] += 1
        for i in range(self.n):
            counts[i + 1] += counts[i]
        self.offsets = array("i", counts)
        fill = array("i", counts)
        self.adj = array("i", bytes(4 * len(self.src)))
        for s, d in zip(self.src, self.dst, strict=True):
            self.adj[fill[s]] = d
            fill[s] += 1

    def out_degree(self, node: int) -> int:
        return self.offsets[node + 1] - self.offsets[node]

    def reach(self, start: int, depth: int) -> int:
        """Number of nodes within ``depth`` downstream hops (the oracle for traverse)."""
        seen = {start}
        frontier = [start]
        for _ in range(depth):
            nxt = []
            for u in frontier:
                for j in range(self.offsets[u], self.offsets[u + 1]):
                    v = self.adj[j]
                    if v not in seen:
                        seen.add(v)
                        nxt.append(v)
            if not nxt:
                break
            frontier = nxt
        return len(seen) - 1


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    weights = [rng.uniform(0.5, 1.5) for _ in range(parts)]
    scale = total / sum(weights)
    widths = [max(1, int(w * scale)) for w in weights]
    widths[-1] = max(1, total - sum(widths[:-1]))
    while sum(widths) > total:  # rounding pushed the earlier layers over; shave the widest
        widths[widths.index(max(widths))] -= 1
    return widths


def build_graph(n_assets: int, n_edges: int, seed: int) -> Graph:
    rng = random.Random(seed)
    pipelines: list[Pipeline] = []
    layer = bytearray(n_assets)
    last = bytearray(n_assets)
    pipeline_of = array("i", bytes(4 * n_assets))
    nxt = 0
    while nxt < n_assets:
        size = int(PARETO_SCALE * rng.paretovariate(PARETO_ALPHA))
        size = min(max(size, MIN_PIPELINE), MAX_PIPELINE, n_assets - nxt)
        n_layers = min(rng.randint(MIN_LAYERS, MAX_LAYERS), size)
        layers = []
        for li, width in enumerate(_split(size, n_layers, rng)):
            layers.append((nxt, width))
            for a in range(nxt, nxt + width):
                layer[a] = li
                last[a] = li == n_layers - 1
                pipeline_of[a] = len(pipelines)
            nxt += width
        early = [a for first, width in layers[:2] for a in range(first, first + width)]
        hubs = rng.sample(early, max(1, int(len(early) * HUB_FRACTION))) if n_layers > 2 else []
        pipelines.append(Pipeline(len(pipelines), layers, hubs))

    g = Graph(n_assets, layer, last, pipeline_of, pipelines)
    non_roots = sum(w for p in pipelines for _, w in p.layers[1:])
    if non_roots == 0:
        raise SystemExit("catalog too small: no dataset has an input")
    n_cross = int(n_edges * CROSS_P) if len(pipelines) > 1 else 0
    # Aim a little low with the random in-degrees, then top up to the exact edge count.
    extra_mean = max(0.0, 0.97 * (n_edges - n_cross) / non_roots - 1)
    p_stop = 1 / (1 + extra_mean)
    edges: set[tuple[int, int]] = set()

    def pick_input(p: Pipeline, li: int, rel: float) -> int:
        if p.hubs and rng.random() < HUB_P:
            hub = rng.choice(p.hubs)
            if layer[hub] < li:
                return hub
        src_layer = rng.randrange(0, li - 1) if li >= 2 and rng.random() < SKIP_LAYER_P else li - 1
        first, width = p.layers[src_layer]
        pos = int(rel * width + rng.gauss(0, LOCAL_SIGMA))
        return first + min(max(pos, 0), width - 1)

    def targets() -> Iterator[tuple[Pipeline, int, int, float]]:
        for p in pipelines:
            for li, (first, width) in enumerate(p.layers[1:], start=1):
                for i in range(width):
                    yield p, li, first + i, (i + 0.5) / width

    for p, li, node, rel in targets():
        k = 1
        while rng.random() > p_stop:
            k += 1
        for _ in range(k):
            edges.add((pick_input(p, li, rel), node))
    candidates = [(p, li, node, rel) for p, li, node, rel in targets()]
    budget = n_edges - n_cross
    attempts = 0
    while len(edges) < budget:
        attempts += 1
        if attempts > 50 * n_edges:
            raise SystemExit(f"cannot place {n_edges} edges on {n_assets} assets with this shape")
        p, li, node, rel = rng.choice(candidates)
        edges.add((pick_input(p, li, rel), node))
    while len(edges) > budget:  # only when the random draw overshot: drop surplus edges at random
        edges.pop()
    by_pipeline_sinks: list[list[int]] = [
        [a for first, width in p.layers[-2:] for a in range(first, first + width)] for p in pipelines
    ]
    while len(edges) < n_edges:
        tp = rng.randrange(len(pipelines))
        sp = rng.randrange(len(pipelines))
        if tp == sp:
            continue
        sfirst, swidth = rng.choice(pipelines[sp].layers[:-1] or pipelines[sp].layers)
        edges.add((sfirst + rng.randrange(swidth), rng.choice(by_pipeline_sinks[tp])))
    ordered = sorted(edges)
    rng.shuffle(ordered)  # insertion order unrelated to structure, like a real catalog's history
    g.src = array("i", (s for s, _ in ordered))
    g.dst = array("i", (d for _, d in ordered))
    g.build_csr()
    return g


# --------------------------------------------------------------------------- rows

def asset_refs(g: Graph) -> Iterator[tuple[AssetRef, str]]:
    """(identity, type) per asset: sources live in operational databases, the rest in a warehouse."""
    for a in range(g.n):
        p = g.pipeline_of[a]
        li = g.layer[a]
        if li == 0:
            yield AssetRef(namespace=f"postgres://oltp-{p % 97}.internal:5432",
                           name=f"app_{p}.public.src_{a}"), "table"
        elif g.last_layer[a]:
            yield AssetRef(namespace="superset://bi.internal", name=f"dashboard_{p}_{a}"), "dashboard"
        else:
            yield AssetRef(namespace="snowflake://acme-prod",
                           name=f"analytics.domain_{p}.l{li}_model_{a}"), "table"


def asset_ids(g: Graph) -> list[uuid.UUID]:
    return [asset_id(TENANT, ref) for ref, _ in asset_refs(g)]


def tenant_name(args: argparse.Namespace) -> str:
    return f"lineage benchmark {args.assets}/{args.edges} seed {args.seed}"


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console)


def _batches(it: Iterator[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    for row in it:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


ASSET_COLS = ("id", "tenant_id", "type", "namespace", "name", "field", "parent_id", "display_name",
              "description", "owners", "attributes", "facets", "status", "version", "created_at",
              "updated_at", "deleted_at")
EDGE_COLS = ("id", "tenant_id", "source_id", "target_id", "level", "transformation_type",
             "transformation_subtype", "masking", "block_list", "job_id", "run_id", "attributes",
             "created_at", "updated_at")


def asset_rows(g: Graph, ids: list[uuid.UUID], uid: Callable[[uuid.UUID], Any], ts: Any,
               empty_list: Any, empty_obj: Any) -> Iterator[tuple[Any, ...]]:
    for (ref, type_), aid in zip(asset_refs(g), ids, strict=True):
        yield (uid(aid), TENANT, type_, ref.namespace, ref.name, "", None, None, None, empty_list,
               empty_obj, empty_obj, "active", 1, ts, ts, None)


def edge_rows(g: Graph, ids: list[uuid.UUID], uid: Callable[[uuid.UUID], Any], ts: Any, false: Any,
              empty_list: Any, empty_obj: Any) -> Iterator[tuple[Any, ...]]:
    for s, d in zip(g.src, g.dst, strict=True):
        sid, did = ids[s], ids[d]
        # Same id the apply path gives an edge, so the rows are indistinguishable from real ones.
        eid = stable_id(TENANT, str(sid), str(did))
        yield (uid(eid), TENANT, uid(sid), uid(did), "dataset", "DIRECT", None, false, empty_list,
               None, None, empty_obj, ts, ts)


# --------------------------------------------------------------------------- loading

def load_sqlite(engine: Engine, g: Graph, ids: list[uuid.UUID], name: str) -> None:
    dialect = engine.dialect
    # Encode values with the column types' own bind processors: the stored text is then exactly
    # what the store writes (UUID hex, naive timestamp text, JSON text).
    uid = lineage_edges.c.id.type.bind_processor(dialect) or (lambda v: v)
    ts_proc = lineage_edges.c.created_at.type.bind_processor(dialect)
    json_proc = lineage_edges.c.attributes.type.bind_processor(dialect)
    now = datetime.now(UTC)
    ts = ts_proc(now) if ts_proc else now
    empty_list, empty_obj = (json_proc([]), json_proc({})) if json_proc else ("[]", "{}")
    with engine.begin() as conn:
        conn.execute(insert(tenants).values(id=TENANT, name=name, change_seq=0, settings={}, created_at=now))
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        # Load-only settings: no fsync per page and a page cache big enough for the random-UUID
        # index B-trees (misses on a 64 MB cache make the load I/O bound).
        cur.execute("PRAGMA synchronous=OFF")
        cur.execute("PRAGMA cache_size=-4000000")
        cur.execute("BEGIN")
        with _progress() as progress:
            t_a = progress.add_task("sqlite assets", total=g.n)
            t_e = progress.add_task("sqlite edges", total=len(g.src))
            sql_a = f"INSERT INTO assets ({', '.join(ASSET_COLS)}) VALUES ({', '.join('?' * len(ASSET_COLS))})"
            for batch in _batches(asset_rows(g, ids, uid, ts, empty_list, empty_obj), BATCH):
                cur.executemany(sql_a, batch)
                progress.advance(t_a, len(batch))
            sql_e = (f"INSERT INTO lineage_edges ({', '.join(EDGE_COLS)}) "
                     f"VALUES ({', '.join('?' * len(EDGE_COLS))})")
            for batch in _batches(edge_rows(g, ids, uid, ts, 0, empty_list, empty_obj), BATCH):
                cur.executemany(sql_e, batch)
                progress.advance(t_e, len(batch))
        cur.execute("COMMIT")
        with console.status("sqlite ANALYZE"):
            cur.execute("ANALYZE")
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()
    finally:
        raw.close()
    engine.dispose()  # drop the connection that carried the load-only pragmas


def load_postgres(url: str, g: Graph, ids: list[uuid.UUID], name: str) -> None:
    now = datetime.now(UTC)
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain) as conn:
        conn.execute("INSERT INTO tenants (id, name, change_seq, settings, created_at) "
                     "VALUES (%s, %s, 0, '{}', %s)", (TENANT, name, now))
        cur = conn.cursor()
        with _progress() as progress:
            t_a = progress.add_task("postgres assets", total=g.n)
            t_e = progress.add_task("postgres edges", total=len(g.src))
            with cur.copy(f"COPY assets ({', '.join(ASSET_COLS)}) FROM STDIN") as cp:
                for batch in _batches(asset_rows(g, ids, lambda u: u, now, "[]", "{}"), BATCH):
                    for row in batch:
                        cp.write_row(row)
                    progress.advance(t_a, len(batch))
            with cur.copy(f"COPY lineage_edges ({', '.join(EDGE_COLS)}) FROM STDIN") as cp:
                for batch in _batches(edge_rows(g, ids, lambda u: u, now, False, "[]", "{}"), BATCH):
                    for row in batch:
                        cp.write_row(row)
                    progress.advance(t_e, len(batch))
        conn.commit()
    with psycopg.connect(plain, autocommit=True) as conn, console.status("postgres VACUUM ANALYZE"):
        conn.execute("VACUUM ANALYZE assets")
        # Right after the load (asynchronous commit on the test server) VACUUM may not yet mark
        # the pages all-visible, and index-only scans would then fetch every heap page. Repeat
        # until the visibility map covers the table, as autovacuum eventually would.
        for _ in range(20):
            conn.execute("VACUUM ANALYZE lineage_edges")
            row = conn.execute("SELECT relpages, relallvisible FROM pg_class "
                               "WHERE relname = 'lineage_edges'").fetchone()
            if row is None or row[1] >= 0.99 * row[0]:
                break
            time.sleep(0.5)


def check_rows(store: Store, g: Graph, ids: list[uuid.UUID]) -> None:
    """The bulk-loaded rows must read back through the store like rows the apply path wrote."""
    node = max(range(min(g.n, 1000)), key=g.out_degree)
    with store.read() as conn:
        asset = get_asset(conn, TENANT, ids[node])
        edges = edges_of(conn, TENANT, ids[node])
    if asset is None or sum(e.source_id == ids[node] for e in edges) != g.out_degree(node):
        raise SystemExit("bulk-loaded rows do not read back through the store")


# --------------------------------------------------------------------------- proposed change

def proposed_traverse(conn: Connection, tenant_id: str, start: uuid.UUID, depth: int) -> list[LineageNode]:
    """Prototype of the proposed ``lily.store.lineage._walk`` (downstream only), for ``--proposed``.

    Identical except that the tenant travels in the CTE (``e.tenant_id = walk.tenant``) instead of
    being a constant term (``e.tenant_id = ?``). With ANALYZE statistics, SQLite (>= 3.38) plans
    the constant term as a "self-culling" lookup and, because it expects more lookups than the
    table has rows, builds a Bloom filter over the whole of ``lineage_edges`` for every query: a
    full scan, O(edges) whatever the answer size. As a join term it does not, and the lookup
    becomes a covering-index search. Tenant isolation is unchanged.
    """
    e = lineage_edges
    seed = select(literal(start, Uuid).label("node"), literal(0, Integer).label("depth"),
                  literal(tenant_id, String(64)).label("tenant"))
    walk = seed.cte("walk", recursive=True)
    step = select(e.c.target_id, walk.c.depth + 1, walk.c.tenant).select_from(walk.join(e, and_(
        e.c.source_id == walk.c.node, walk.c.depth < depth, e.c.tenant_id == walk.c.tenant)))
    walk = walk.union(step)
    rows = conn.execute(select(walk.c.node, func.min(walk.c.depth)).group_by(walk.c.node)).all()
    nodes = [LineageNode(asset_id=n, depth=d, direction=Direction.DOWNSTREAM) for n, d in rows if n != start]
    nodes.sort(key=lambda n: (n.depth, str(n.asset_id)))
    return nodes


# --------------------------------------------------------------------------- measuring

def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    s = sorted(values)
    pos = (len(s) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


@dataclass
class Result:
    db: str
    version: str
    load_s: float
    impact_ms: list[float]
    hop_ms: list[float]
    nodes: list[int]
    proposed_ms: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        def stats(v: list[float]) -> dict[str, float]:
            return {"p50": percentile(v, 0.5), "p95": percentile(v, 0.95), "p99": percentile(v, 0.99),
                    "mean": statistics.fmean(v)}
        imp, hop = stats(self.impact_ms), stats(self.hop_ms)
        extra: dict[str, Any] = {}
        if self.proposed_ms:
            prop = stats(self.proposed_ms)
            extra = {"proposed_impact_ms": prop, "proposed_p95_ratio": prop["p95"] / hop["p95"],
                     "proposed_target_met": prop["p95"] <= TARGET_P95_MS}
        return {"db": self.db, "version": self.version, "load_s": round(self.load_s, 1), "impact_ms": imp,
                "single_hop_ms": hop, "p95_ratio": imp["p95"] / hop["p95"],
                "nodes": {"min": min(self.nodes), "median": statistics.median(self.nodes),
                          "max": max(self.nodes)},
                "target_met": imp["p95"] <= TARGET_P95_MS, **extra}


def pick_starts(g: Graph, count: int, seed: int) -> list[int]:
    rng = random.Random(seed + 1)
    pool = [a for a in range(g.n) if g.layer[a] < START_LAYERS and g.out_degree(a) > 0]
    hubs = [h for p in g.pipelines for h in p.hubs if g.out_degree(h) > 0]
    return [rng.choice(hubs if hubs and rng.random() < HUB_STARTS else pool) for _ in range(count)]


@contextmanager
def captured_sql(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """Statements the engine sends, to EXPLAIN exactly what traverse() runs."""
    seen: list[tuple[str, Any]] = []

    def hook(_conn: Any, _cur: Any, statement: str, params: Any, _ctx: Any, _many: bool) -> None:
        seen.append((statement, params))

    event.listen(engine, "before_cursor_execute", hook)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", hook)


def explain(store: Store, start: uuid.UUID, proposed: bool = False) -> None:
    with captured_sql(store.engine) as seen, store.read() as conn:
        if proposed:
            proposed_traverse(conn, TENANT, start, DEPTH)
        else:
            traverse(conn, TENANT, start, Direction.DOWNSTREAM, depth=DEPTH)
    statement, params = seen[-1]
    raw = store.engine.raw_connection()
    try:
        cur = raw.cursor()
        if store.dialect == "sqlite":
            cur.execute("EXPLAIN QUERY PLAN " + statement, params)
            plan = "\n".join(f"{r[0]:>3} {r[1]:>3} {r[3]}" for r in cur.fetchall())
        else:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)
            plan = "\n".join(r[0] for r in cur.fetchall())
        cur.close()
    finally:
        raw.close()
    which = "proposed" if proposed else "current"
    console.print(f"[bold]{store.dialect} plan of the {which} impact query[/]\n{statement}\n{plan}")


def measure(store: Store, g: Graph, ids: list[uuid.UUID], starts: list[int], args: argparse.Namespace,
            db: str, version: str, load_s: float) -> Result:
    impact_ms: list[float] = []
    hop_ms: list[float] = []
    nodes: list[int] = []
    rng = random.Random(7)
    proposed_ms: list[float] = []
    for a in rng.sample(starts, min(args.warmup, len(starts))):
        with store.read() as conn:
            traverse(conn, TENANT, ids[a], Direction.DOWNSTREAM, depth=DEPTH)
            if args.proposed:
                proposed_traverse(conn, TENANT, ids[a], DEPTH)
    with _progress() as progress:
        task = progress.add_task(f"{db} queries", total=len(starts))
        for a in starts:
            start = ids[a]
            # Baseline and impact query alternate so drift (cache, background work) hits both alike.
            t0 = time.perf_counter()
            with store.read() as conn:
                hop = conn.execute(select(lineage_edges.c.target_id)
                                   .where(lineage_edges.c.source_id == start)).all()
            t1 = time.perf_counter()
            with store.read() as conn:
                result = traverse(conn, TENANT, start, Direction.DOWNSTREAM, depth=DEPTH)
            t2 = time.perf_counter()
            hop_ms.append((t1 - t0) * 1000)
            impact_ms.append((t2 - t1) * 1000)
            nodes.append(len(result))
            expected = g.reach(a, DEPTH)
            if args.proposed:
                t3 = time.perf_counter()
                with store.read() as conn:
                    alt = proposed_traverse(conn, TENANT, start, DEPTH)
                proposed_ms.append((time.perf_counter() - t3) * 1000)
                if alt != result:
                    raise SystemExit(f"{db}: proposed traversal differs from traverse() for {start}")
            if len(hop) != g.out_degree(a) or len(result) != expected:
                raise SystemExit(f"{db}: wrong result for start {start}: {len(result)} nodes, "
                                 f"expected {expected}")
            progress.advance(task)
    return Result(db, version, load_s, impact_ms, hop_ms, nodes, proposed_ms)


# --------------------------------------------------------------------------- runs

def run_sqlite(args: argparse.Namespace, g: Graph, ids: list[uuid.UUID], starts: list[int],
               workdir: Path) -> Result:
    path = workdir / f"lineage-{args.assets}-{args.edges}-{args.seed}.db"
    url = f"sqlite:///{path}"
    name = tenant_name(args)
    engine = Store.from_url(url).engine
    load_s = 0.0
    if _loaded(engine, name):
        console.print(f"sqlite: reusing {path}")
    else:
        # Anything else at that path is a stale or half-loaded database: start over.
        engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        engine = Store.from_url(url).engine
        upgrade(engine)
        t0 = time.perf_counter()
        load_sqlite(engine, g, ids, name)
        load_s = time.perf_counter() - t0
        console.print(f"sqlite: loaded in {load_s:.1f} s ({path.stat().st_size / 2**20:.0f} MiB)")
    engine.dispose()
    store = Store.from_url(url)
    try:
        check_rows(store, g, ids)
        if args.explain:
            explain(store, ids[starts[0]])
            if args.proposed:
                explain(store, ids[starts[0]], proposed=True)
        return measure(store, g, ids, starts, args, "SQLite", sqlite3.sqlite_version, load_s)
    finally:
        store.dispose()


def _loaded(engine: Engine, name: str) -> bool:
    with engine.connect() as conn:
        try:
            return conn.execute(select(tenants.c.name).where(tenants.c.id == TENANT)).scalar() == name
        except OperationalError:  # no tables yet: a new or half-created file
            return False


def run_postgres(args: argparse.Namespace, g: Graph, ids: list[uuid.UUID], starts: list[int]) -> Result:
    from tests.support.pgserver import ThrowawayPostgres

    with ThrowawayPostgres() as server:
        database = f"lily_lineage_bench_{os.getpid()}"
        admin = server.admin_url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{database}"')
        url = server.url_for(database)
        try:
            store = Store.from_url(url, migrate=True)
            with store.read() as conn:
                version = str(conn.execute(text("SHOW server_version")).scalar()).split()[0]
            t0 = time.perf_counter()
            load_postgres(url, g, ids, tenant_name(args))
            load_s = time.perf_counter() - t0
            console.print(f"postgres: loaded in {load_s:.1f} s")
            check_rows(store, g, ids)
            if args.explain:
                explain(store, ids[starts[0]])
                if args.proposed:
                    explain(store, ids[starts[0]], proposed=True)
            result = measure(store, g, ids, starts, args, "PostgreSQL", version, load_s)
            store.dispose()
            return result
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def report(results: list[Result], g: Graph) -> None:
    # One column per database keeps the table readable in an 80-column terminal or a CI log.
    table = Table(title=f"depth-{DEPTH} downstream impact, {g.n:,} assets / {len(g.src):,} edges (ms)")
    table.add_column("")
    for r in results:
        table.add_column(f"{r.db} {r.version}", justify="right")
    summaries = [r.summary() for r in results]
    rows: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
        ("load (s)", lambda s: f"{s['load_s']:.0f}" if s["load_s"] else "reused"),
        *[(f"impact {k}", lambda s, k=k: f"{s['impact_ms'][k]:.2f}") for k in ("p50", "p95", "p99", "mean")],
        *[(f"single hop {k}", lambda s, k=k: f"{s['single_hop_ms'][k]:.3f}") for k in ("p50", "p95", "p99")],
        ("p95 impact / p95 hop", lambda s: f"{s['p95_ratio']:.1f}x"),
        ("nodes min/median/max", lambda s: "{min}/{median:g}/{max}".format(**s["nodes"])),
        (f"p95 <= {TARGET_P95_MS:.0f} ms", lambda s: "yes" if s["target_met"] else "NO"),
    ]
    if any(r.proposed_ms for r in results):
        rows += [
            *[(f"proposed impact {k}", lambda s, k=k: f"{s['proposed_impact_ms'][k]:.2f}")
              for k in ("p50", "p95", "p99", "mean")],
            ("proposed p95 / p95 hop", lambda s: f"{s['proposed_p95_ratio']:.1f}x"),
            (f"proposed p95 <= {TARGET_P95_MS:.0f} ms", lambda s: "yes" if s["proposed_target_met"] else "NO"),
        ]
    for label, cell in rows:
        table.add_row(label, *[cell(s) for s in summaries])
    console.print(table)
    console.print("each query: Store.read() connection checkout + query + fetch, warm cache")


def graph_stats(g: Graph) -> dict[str, Any]:
    outs = sorted(g.out_degree(a) for a in range(g.n))
    sizes = sorted(sum(w for _, w in p.layers) for p in g.pipelines)
    return {"pipelines": len(g.pipelines), "pipeline_size_median": statistics.median(sizes),
            "pipeline_size_max": sizes[-1], "sinks": sum(1 for d in outs if d == 0),
            "out_degree_p50": percentile(outs, 0.5), "out_degree_p99": percentile(outs, 0.99),
            "out_degree_max": outs[-1]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--assets", type=int, default=1_000_000)
    ap.add_argument("--edges", type=int, default=2_000_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=20, help="unmeasured queries before measuring")
    ap.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--workdir", type=Path,
                    help="keep the SQLite database here and reuse it on the next run with the same "
                         "--assets/--edges/--seed (default: a temporary directory, removed)")
    ap.add_argument("--explain", action="store_true", help="print the query plan of the impact query")
    ap.add_argument("--proposed", action="store_true",
                    help="also measure the proposed traversal change (see proposed_traverse) on the same starts")
    ap.add_argument("--json", type=Path, help="also write the results to this file")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    with console.status("generating graph"):
        g = build_graph(args.assets, args.edges, args.seed)
        ids = asset_ids(g)
        starts = pick_starts(g, args.queries, args.seed)
    stats = graph_stats(g)
    console.print(f"graph: {g.n:,} assets, {len(g.src):,} edges in {time.perf_counter() - t0:.1f} s; {stats}")

    results: list[Result] = []
    if args.db in ("sqlite", "both"):
        workdir = args.workdir or Path(tempfile.mkdtemp(prefix="lily-lineage-bench-"))
        workdir.mkdir(parents=True, exist_ok=True)
        try:
            results.append(run_sqlite(args, g, ids, starts, workdir))
        finally:
            if args.workdir is None:
                shutil.rmtree(workdir, ignore_errors=True)
    if args.db in ("postgres", "both"):
        results.append(run_postgres(args, g, ids, starts))
    report(results, g)
    if args.json:
        args.json.write_text(json.dumps({
            "assets": g.n, "edges": len(g.src), "queries": args.queries, "depth": DEPTH, "seed": args.seed,
            "graph": stats, "python": platform.python_version(), "results": [r.summary() for r in results],
        }, indent=2))
    return 0 if all(r.summary()["target_met"] for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
