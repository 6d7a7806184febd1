"""Lineage explorer benchmark: the server-side layout, and the page in headless Chromium.

Part 1 (in process): ``lily.web.graph.layout.layered`` on lineage-like graphs of 200, 1,000 and 2,000
nodes (layers of tables, each fed by 1-3 tables of the previous layer or two, mostly nearby), and the
whole drawing step (``select`` + ``draw``: caps, classes, layout, cytoscape elements). Best and median
of ``--repeat`` runs.

Part 2 (a real ``lily serve`` on a SQLite file, Debian's chromium through Playwright): two synthetic
neighbourhoods loaded through the store's apply path, one of 200 nodes (10 layers of 20 around the
root: 5 upstream, 5 downstream) and one of 2,000 (10 layers of 200). For each, the browser opens
``/lineage/{root}?up=5&down=5`` (the 2,000-node one with ``cap=500`` so nothing is capped) and the
script reads, from the page itself:

* ``ready``: ``performance.now()`` when the explorer reports the graph drawn and clickable (the
  first cytoscape render after the elements were added), i.e. from navigation start: page load,
  the JSON fetch in the Web Worker, cytoscape start-up and first frame;
* ``longest task``: the longest main-thread task in that time, from a ``PerformanceObserver`` on
  ``longtask`` entries (registered before any page script runs); ``> 200 ms`` means the page was
  unresponsive that long;
* beside it, the plain JSON lineage API call for the same neighbourhood
  (``GET /api/v1/assets/{id}/lineage?direction=both&depth=5``) timed with httpx, and the explorer's
  own ``graph.json`` (traversal + selection + layout + elements) likewise.

Targets (issue 17): 200 nodes interactive in <= 1 s; 2,000 nodes in <= 3 s with no task > 200 ms.

    .venv/bin/python benchmarks/web_graph.py            # both parts
    .venv/bin/python benchmarks/web_graph.py --no-browser
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lily.model import AddLineage, AssetRef, AssetType, ChangeSet, UpsertAsset, asset_id
from lily.web.graph.explorer import EdgeInfo, NodeInfo, draw
from lily.web.graph.layout import layered
from lily.web.graph.neighbourhood import Candidate, select

CHROMIUM = "/usr/bin/chromium"
TARGETS = {200: 1000.0, 2000: 3000.0}  # ms until interactive
LONG_TASK_MS = 200.0


def lineage_graph(n: int, layers: int = 10, seed: int = 7) -> tuple[list[str], list[tuple[str, str]]]:
    rnd = random.Random(seed)
    per = max(1, n // layers)
    nodes = [f"t{layer:02d}_{i:05d}" for layer in range(layers) for i in range(per)]
    edges: set[tuple[str, str]] = set()
    for layer in range(1, layers):
        for i in range(per):
            for _ in range(rnd.choice((1, 1, 2, 3))):
                src = layer - 1 if layer < 2 or rnd.random() < 0.85 else layer - 2
                j = min(per - 1, max(0, round(i + rnd.gauss(0, per / 20))))
                edges.add((f"t{src:02d}_{j:05d}", f"t{layer:02d}_{i:05d}"))
    return nodes, sorted(edges)


def timed(fn, repeat: int) -> tuple[float, float]:
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t) * 1000)
    return min(runs), statistics.median(runs)


def server_layout(repeat: int, show: bool = True) -> list[dict]:
    rows = []
    if show:
        print("server-side layout (ms; best / median)")
        print(f"{'nodes':>6} {'edges':>6} {'layered':>16} {'select+draw':>16} {'crossings':>10}")
    for n in (200, 1000, 2000):
        nodes, edges = lineage_graph(n)
        best, med = timed(lambda nodes=nodes, edges=edges: layered(nodes, edges), repeat)
        # The explorer's drawing step on the same graph, rooted at a node of the middle layer.
        depth = {nd: int(nd[1:3]) - 5 for nd in nodes}
        root = next(nd for nd in nodes if depth[nd] == 0)
        cands = [Candidate(nd, nd, depth[nd]) for nd in nodes]
        info = {nd: NodeInfo(nd, nd, "ns", "table", depth[nd], "/") for nd in nodes}
        einfo = [EdgeInfo(f"{s}>{t}", s, t) for s, t in edges]

        def whole(cands=cands, edges=edges, info=info, einfo=einfo, root=root) -> None:
            draw(root, select(root, cands, edges, cap=500, pinned=[c.id for c in cands]), info, einfo)

        dbest, dmed = timed(whole, repeat)
        crossings = layered(nodes, edges).crossings
        rows.append({"nodes": n, "edges": len(edges), "layered_best": best, "layered_median": med,
                     "draw_best": dbest, "draw_median": dmed, "crossings": crossings, "load": loadavg()})
        if show:
            print(f"{n:>6} {len(edges):>6} {best:>7.1f} / {med:>6.1f} {dbest:>7.1f} / {dmed:>6.1f} "
                  f"{crossings:>10}")
    return rows


def loadavg() -> str:
    return " / ".join(f"{v:.1f}" for v in os.getloadavg())


def neighbourhood_ops(prefix: str, width: int, seed: int) -> tuple[AssetRef, list]:
    """A root with 5 layers of ``width`` tables upstream and 5 downstream, locally wired."""
    rnd = random.Random(seed)
    ns = "postgres://bench:5432"

    def ref(layer: int, i: int) -> AssetRef:
        return AssetRef(namespace=ns, name=f"{prefix}.l{layer:+d}.t{i:04d}")

    root = AssetRef(namespace=ns, name=f"{prefix}.root")
    ops: list = [UpsertAsset(ref=root, type=AssetType.TABLE)]
    for layer in [*range(-5, 0), *range(1, 6)]:
        for i in range(width):
            ops.append(UpsertAsset(ref=ref(layer, i), type=AssetType.TABLE))
    for i in range(width):
        ops.append(AddLineage(source=root, target=ref(1, i)))
        ops.append(AddLineage(source=ref(-1, i), target=root))
    for layer in range(1, 5):
        for i in range(width):
            for _ in range(rnd.choice((1, 1, 2))):
                j = min(width - 1, max(0, round(i + rnd.gauss(0, width / 20))))
                ops.append(AddLineage(source=ref(layer, j), target=ref(layer + 1, i)))
                ops.append(AddLineage(source=ref(-layer - 1, i), target=ref(-layer, j)))
    return root, ops


OBSERVER = """
window.__longTasks = [];
new PerformanceObserver(function (list) {
  list.getEntries().forEach(function (e) { window.__longTasks.push([e.startTime, e.duration]); });
}).observe({ type: "longtask", buffered: true });
"""


# How the explorer draws a large graph (lineage.js reads window.lilyGraphOptions); "shipped" is the
# default, the others are what --compare measures beside it on the 2,000-node graph.
VARIANTS = {
    "shipped": {},
    "one batch": {"add": "batch"},
    "root zoom": {"start": "root"},
    "full style": {"light": False, "add": "batch"},
}


def browser(runs: int, show: bool = True, compare: bool = False, profile: bool = False) -> list[dict]:
    rows: list[dict] = []
    from playwright.sync_api import sync_playwright
    from tests.support.live import LiveLily

    from lily.settings import Settings
    from lily.store import Store
    from lily.store.db import make_engine
    from lily.store.migrate import upgrade

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        url = f"sqlite:///{data / 'lily.db'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        store = Store.from_url(url)
        from lily.bootstrap import ensure_admin

        ensure_admin(store, Settings(data_dir=data, database_url=url))
        roots = {}
        for size, width in ((200, 20), (2000, 200)):
            root, ops = neighbourhood_ops(f"n{size}", width, seed=size)
            store.apply(ChangeSet(tenant_id="default", actor="bench", operations=ops))
            roots[size] = asset_id("default", root)
        store.dispose()
        env = {"LILY_RATE_LIMIT_PER_MINUTE": "100000", "LILY_RATE_LIMIT_BURST": "100000"}
        with LiveLily(data, database_url=url, env=env) as lily, sync_playwright() as p:
            key = {"Authorization": f"Bearer {lily.api_key}"}
            b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = b.new_page(viewport={"width": 1400, "height": 900})
            page.add_init_script(OBSERVER)
            page.add_init_script("window.lilyGraphOptions = JSON.parse(sessionStorage.lilyGraphOptions || '{}');")
            page.goto(f"{lily.url}/login")
            page.fill("input[name=username]", lily.credentials["username"])
            page.fill("input[name=password]", lily.credentials["password"])
            page.click("button[type=submit]")
            page.wait_for_url(f"{lily.url}/")
            cookies = {c["name"]: c["value"] for c in page.context.cookies()}
            if show:
                print("\nbrowser (headless Chromium; ms)")
                print(f"{'nodes':>6} {'drawn':>6} {'ready':>8} {'target':>7} {'longest task':>13} "
                      f"{'graph.json':>11} {'JSON API':>9}  variant     load avg")
            plan = [(size, "shipped") for size in roots]
            if compare:
                plan += [(2000, name) for name in VARIANTS if name != "shipped"]
            for size, variant in plan:
                root = roots[size]
                page.evaluate(f"sessionStorage.lilyGraphOptions = {json.dumps(json.dumps(VARIANTS[variant]))}")
                query = "up=5&down=5" + ("&cap=500" if size > 500 else "")
                for _ in range(runs):
                    page.goto(f"{lily.url}/lineage/{root}?{query}")
                    page.wait_for_function("() => window.lilyGraph && window.lilyGraph.ready", timeout=60_000)
                    page.wait_for_timeout(1000)  # tasks after the first frame (labels, late renders) count too
                    got = page.evaluate("""() => ({ g: window.lilyGraph, tasks: window.__longTasks,
                        marks: Object.fromEntries(performance.getEntriesByType("mark").map(m => [m.name, m.startTime])
                          .concat([["dom", performance.timing.domContentLoadedEventEnd - performance.timing.navigationStart]])) })""")
                    ready = got["g"]["at"]
                    longest = max((d for _, d in got["tasks"]), default=0.0)
                    if profile and show:  # where the long tasks fall against the page's own marks
                        print(f"        marks {({k: round(v) for k, v in got['marks'].items()})} "
                              f"tasks {[(round(t), round(d)) for t, d in got['tasks']]}")
                    t = time.perf_counter()
                    httpx.get(f"{lily.url}/lineage/{root}/graph.json?{query}", cookies=cookies, timeout=60)
                    explorer_ms = (time.perf_counter() - t) * 1000
                    t = time.perf_counter()
                    r = httpx.get(f"{lily.url}/api/v1/assets/{root}/lineage?direction=both&depth=5",
                                  headers=key, timeout=60)
                    api_ms = (time.perf_counter() - t) * 1000
                    assert r.status_code == 200, r.text
                    ok = "ok" if ready <= TARGETS[size] and longest <= LONG_TASK_MS else "MISSED"
                    rows.append({"nodes": size, "drawn": got["g"]["nodes"], "ready": ready, "target": TARGETS[size],
                                 "longest_task": longest, "graph_json": explorer_ms, "json_api": api_ms,
                                 "variant": variant, "load": loadavg(), "ok": ok == "ok"})
                    if show:
                        print(f"{size:>6} {got['g']['nodes']:>6} {ready:>8.0f} {TARGETS[size]:>7.0f} "
                              f"{longest:>13.0f} {explorer_ms:>11.0f} {api_ms:>9.0f}  {variant:<11} "
                              f"{loadavg()}  {ok}")
            b.close()
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=7, help="layout runs per size")
    ap.add_argument("--runs", type=int, default=2, help="page loads per neighbourhood")
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--compare", action="store_true", help="also the other ways to draw 2,000 nodes")
    ap.add_argument("--profile", action="store_true", help="print the long tasks beside the page's marks")
    args = ap.parse_args()
    server_layout(args.repeat)
    if not args.no_browser:
        browser(args.runs, compare=args.compare, profile=args.profile)


if __name__ == "__main__":
    main()
