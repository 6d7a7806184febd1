"""Web UI benchmark (issue 17): server render time of the asset and search pages, and the lineage
explorer in headless Chromium, each beside the JSON API call for the same data in the same run.

Part 1, pages: ``lily serve`` in a subprocess (benchmarks/inbound.py's ``Server``), signed in through
the login form (CSRF token, cookie session, as a browser does). For the demo catalog and for a
100,000-asset one (25,000 tables of 3 columns, each table fed by one or two others, 20 owners, built
before the timing by bulk apply through the store in change sets of 2,500 tables), ``--requests``
GETs of each, round-robin over 20 assets / 8 queries:

* ``asset page``: ``GET /assets/{id}``, beside ``GET /api/v1/assets/{id}`` (bearer API key);
* ``search page``: ``GET /search?q=...`` (the whole page with facets), beside ``GET /api/v1/assets?q=``.

What is timed is the request latency on localhost (httpx, one keep-alive connection): Lily sends no
``Server-Timing`` header, so this is the server's time plus a loopback round trip (~0.2 ms). p50/p95
per kind; the target is p95 <= 50 ms for the pages.

Part 2, explorer: benchmarks/web_graph.py (the server-side layout, then the 200- and 2,000-node
neighbourhoods in Debian's chromium with the long-task observer) — see its docstring.

    .venv/bin/python benchmarks/web.py                 # everything
    .venv/bin/python benchmarks/web.py --json          # one JSON document instead of tables
    .venv/bin/python benchmarks/web.py --no-browser    # pages only
    .venv/bin/python benchmarks/web.py --no-pages      # explorer only
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.exc import OperationalError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from inbound import Server, _children, _cpu_of, pct  # benchmarks/ is not a package: found through sys.path
from lily.model import AddLineage, AssetRef, AssetType, ChangeSet, ColumnSpec, Owner, UpsertAsset

PAGE_TARGET_MS = 50.0
TABLES = 25_000  # x (1 table + 3 columns) = 100,000 assets
BATCH = 2_500
WORDS = ["orders", "customers", "payments", "events", "sessions", "invoices", "products", "refunds",
         "shipments", "accounts", "ledger", "campaigns", "clicks", "devices", "users", "subscriptions"]
QUERIES_BIG = ["orders", "customer payments", "sales.events", "invoices 2024", "ref", "shipments_0001",
               "ledger", "clicks devices"]
QUERIES_DEMO = ["users", "orders", "email", "customer", "transactions", "pay", "raw", "snowflake"]


def load() -> str:
    try:
        return " / ".join(f"{v:.1f}" for v in os.getloadavg())
    except OSError:
        return "n/a"


def big_catalog(db_url: str, tenant: str) -> tuple[float, int]:
    """25,000 tables with 3 columns each, wired into lineage, applied in large change sets."""
    from lily.store import Store

    store = Store.from_url(db_url)
    ns = "postgres://warehouse:5432"
    started = time.perf_counter()

    def ref(i: int) -> AssetRef:
        return AssetRef(namespace=ns, name=f"{WORDS[i % 7]}_{i // 7 % 50}.{WORDS[i % len(WORDS)]}_{i:05d}")

    for start in range(0, TABLES, BATCH):
        ops: list = []
        for i in range(start, min(TABLES, start + BATCH)):
            ops.append(UpsertAsset(
                ref=ref(i), type=AssetType.TABLE, description=f"{WORDS[(i * 3) % len(WORDS)]} of {2000 + i % 25}",
                owners=[Owner(name=f"team-{i % 20}", type="team")],
                columns=[ColumnSpec(name=n, data_type=t, ordinal=k) for k, (n, t) in
                         enumerate((("id", "bigint"), (f"{WORDS[i % 5]}_name", "text"), ("created_at", "timestamp")))]))
            if i >= 10:
                ops.append(AddLineage(source=ref(i - 10 + (i % 3)), target=ref(i)))
            if i >= 100 and i % 4 == 0:
                ops.append(AddLineage(source=ref(i // 2), target=ref(i)))
        cs = ChangeSet(tenant_id=tenant, actor="bench", operations=ops)
        for attempt in range(20):  # the server's own start-up writes can hold SQLite's lock a moment
            try:
                store.apply(cs)
                break
            except OperationalError:
                if attempt == 19:
                    raise
                time.sleep(0.5)
    store.dispose()
    return time.perf_counter() - started, TABLES * 4


def restart(server: Server) -> None:
    """``lily serve`` again on the same data directory and port."""
    server.proc = subprocess.Popen([sys.executable, "-m", "lily.cli", "serve"], env=server.env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{server.url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("lily serve did not come back")


def wait_idle(server: Server, timeout: float = 600) -> float:
    """Wait until ``lily serve`` is done with what the bulk load started (governance and the
    background monitors read the new assets): under 5 % of a core for 2 s. Returns the wait."""
    started = time.monotonic()
    pids = [server.proc.pid, *_children(server.proc.pid)]
    quiet = 0
    while time.monotonic() - started < timeout and quiet < 3:  # three quiet windows in a row
        before = sum(_cpu_of(p) for p in pids)
        time.sleep(2)
        quiet = quiet + 1 if sum(_cpu_of(p) for p in pids) - before < 0.1 else 0
    return time.monotonic() - started


def sign_in(url: str, creds: dict[str, str]) -> httpx.Client:
    """A browser's way in: the login page's CSRF token, the form posted, the session cookies kept."""
    client = httpx.Client(base_url=url, timeout=60)
    for _ in range(10):  # a sign-in writes (audit, session): it can meet SQLite's lock held by the server
        page = client.get("/login").text
        field = re.search(r'type="hidden" name="([^"]+)" value="([^"]*)"', page)
        assert field, "no CSRF field on the login page"
        r = client.post("/login", data={field.group(1): field.group(2), "tenant": creds["tenant"],
                                        "username": creds["username"], "password": creds["password"], "next": "/"})
        if r.status_code == 303:
            return client
        time.sleep(3)
    raise RuntimeError(f"sign-in failed: {r.status_code}")


def timed_gets(client: httpx.Client, paths: list[str], n: int, headers: dict[str, str] | None = None) -> list[float]:
    for p in paths[:3]:  # warm up (first template compile, caches)
        client.get(p, headers=headers)
    out = []
    for i in range(n):
        t = time.perf_counter()
        r = client.get(paths[i % len(paths)], headers=headers)
        out.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, (paths[i % len(paths)], r.status_code, r.text[:300])
    return out


def measure_pages(server: Server, catalog: str, queries: list[str], n: int) -> list[dict[str, Any]]:
    creds = json.loads((server.dir / "admin-credentials.json").read_text())
    key = {"Authorization": f"Bearer {server.key}"}
    api = httpx.Client(base_url=server.url, timeout=60)
    listed = api.get("/api/v1/assets", params={"limit": 200, "type": "table"}, headers=key).json()
    items = listed["items"] if isinstance(listed, dict) else listed
    ids = [a["id"] for a in items][:20]
    assert ids, "no tables in the catalog"
    web = sign_in(server.url, creds)
    rows = []
    at = load()
    for kind, page, api_paths in (
        ("asset page", [f"/assets/{i}" for i in ids], [f"/api/v1/assets/{i}" for i in ids]),
        ("search page", [f"/search?q={q}" for q in queries], [f"/api/v1/assets?q={q}" for q in queries]),
    ):
        html = timed_gets(web, page, n)
        js = timed_gets(api, api_paths, n, headers=key)
        rows.append({"catalog": catalog, "kind": kind, "n": n, "p50": pct(html, 0.5), "p95": pct(html, 0.95),
                     "api_p50": pct(js, 0.5), "api_p95": pct(js, 0.95), "load": at,
                     "ok": pct(html, 0.95) <= PAGE_TARGET_MS})
    web.close()
    api.close()
    return rows


def pages(n: int, quiet: bool) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    server = Server(workers=1, extra_env={"LILY_DEMO": "true"})
    try:
        time.sleep(3)  # let the demo's background pipeline runs settle
        rows += measure_pages(server, "demo", QUERIES_DEMO, n)
    finally:
        server.stop()
    server = Server(workers=1, extra_env={})  # creates the database, the admin and its key
    try:
        creds = json.loads((server.dir / "admin-credentials.json").read_text())
        # Loaded with the server stopped: a running one reacts to every change set (governance),
        # holding SQLite's write lock long enough to time the loader out.
        server.proc.terminate()
        server.proc.wait(30)
        took, assets = big_catalog(f"sqlite:///{server.dir / 'lily.db'}", creds["tenant"])
        restart(server)
        if not quiet:
            print(f"built a {assets:,}-asset catalog in {took:.0f} s (not timed below)")
        settled = wait_idle(server)
        if not quiet:
            print(f"the server was busy with it {settled:.0f} s more")
        rows += measure_pages(server, f"{assets // 1000}k", QUERIES_BIG, n)
    finally:
        server.stop()
    return rows


def print_pages(rows: list[dict[str, Any]]) -> None:
    print("\nserver render (request latency on localhost, ms; no Server-Timing header)")
    print(f"{'catalog':>8} {'what':>12} {'n':>5} {'p50':>7} {'p95':>7} {'target':>7} "
          f"{'JSON p50':>9} {'JSON p95':>9}  load avg")
    for r in rows:
        print(f"{r['catalog']:>8} {r['kind']:>12} {r['n']:>5} {r['p50']:>7.1f} {r['p95']:>7.1f} "
              f"{PAGE_TARGET_MS:>7.0f} {r['api_p50']:>9.1f} {r['api_p95']:>9.1f}  {r['load']}"
              f"  {'ok' if r['ok'] else 'MISSED'}")


def main() -> None:
    import web_graph

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=200, help="GETs per page kind and catalog")
    ap.add_argument("--repeat", type=int, default=5, help="server layout runs per size")
    ap.add_argument("--runs", type=int, default=2, help="browser page loads per neighbourhood")
    ap.add_argument("--compare", action="store_true", help="also the other ways to draw 2,000 nodes")
    ap.add_argument("--no-pages", action="store_true")
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--json", action="store_true", help="print one JSON document")
    args = ap.parse_args()
    out: dict[str, Any] = {"load_start": load()}
    if not args.no_pages:
        out["pages"] = pages(args.requests, args.json)
        if not args.json:
            print_pages(out["pages"])
    if not args.no_browser:
        out["layout"] = web_graph.server_layout(args.repeat, show=not args.json)
        out["browser"] = web_graph.browser(args.runs, show=not args.json, compare=args.compare)
    out["load_end"] = load()
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(f"\nload average (1/5/15 min): {out['load_start']} at start, {out['load_end']} at end")


if __name__ == "__main__":
    main()
