"""A layered (Sugiyama-style) layout of a directed graph, computed on the server.

Four phases, each in its own module: break cycles and rank by longest path (``rank``), split long
edges with dummy nodes, reduce crossings by barycenter sweeps (``order``), and assign coordinates
across the layers (``place``). Layers run left to right (upstream → downstream), as lineage reads.
Pure and deterministic: the same nodes and edges, in any input order, give the same drawing.

Why not a library: the maintained ones with a layered layout (igraph, graphviz bindings) are GPL or
EPL, and the permissive ones (networkx, rustworkx) have none; grandalf is unmaintained. This file
and its three helpers stay small, and a 2,000-node graph lays out in a few tens of milliseconds.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from lily.web.graph import order, place, rank

NODE_W, NODE_H = 200.0, 40.0
RANK_GAP = 90.0  # between the widest nodes of two neighbouring layers
NODE_GAP = 14.0  # between two nodes of one layer
DUMMY_HALF = 5.0  # a long edge passing through a layer takes this much room on either side
DUMMY_WEIGHT = 4.0  # long edges are pulled straight harder than nodes are pulled to their neighbours


@dataclass(frozen=True, slots=True)
class Position:
    x: float  # centre
    y: float
    rank: int  # layer, 0 = leftmost


@dataclass(frozen=True, slots=True)
class Layout:
    positions: dict[str, Position]
    # Bend points of each input edge (by index) that crosses more than one layer, source to target.
    routes: dict[int, list[tuple[float, float]]]
    reversed: frozenset[int]  # input edges that close a cycle: drawn right to left
    crossings: int
    width: float
    height: float


def layered(nodes: Sequence[str], edges: Sequence[tuple[str, str]],
            size: Callable[[str], tuple[float, float]] | None = None) -> Layout:
    """Place ``nodes`` (ids) joined by directed ``edges`` (source id, target id); ``size`` gives a
    node's (width, height), ``NODE_W`` x ``NODE_H`` by default."""
    keys = sorted(set(nodes))
    index = {k: i for i, k in enumerate(keys)}
    n = len(keys)
    try:
        pairs = [(index[s], index[t]) for s, t in edges]
    except KeyError as exc:
        raise ValueError(f"edge end {exc.args[0]!r} is not a node") from None
    dims = [size(k) if size else (NODE_W, NODE_H) for k in keys]

    unique = sorted({p for p in pairs if p[0] != p[1]})
    dag = rank.acyclic(n, unique)
    flipped = {(s, t) for (s, t), d in zip(unique, dag, strict=True) if (s, t) != d}
    ranks = rank.longest_path(n, sorted(set(dag)))

    # Split long edges: a chain of dummy nodes, one per layer crossed.
    ranks_all = list(ranks)
    chains: dict[tuple[int, int], list[int]] = {}
    succ: list[list[int]] = [[] for _ in range(n)]
    for s, t in sorted(set(dag)):
        chain = [s]
        for r in range(ranks[s] + 1, ranks[t]):
            ranks_all.append(r)
            succ.append([])
            chain.append(len(ranks_all) - 1)
        chain.append(t)
        chains[(s, t)] = chain
        for a, b in itertools.pairwise(chain):
            succ[a].append(b)
    total = len(ranks_all)
    pred: list[list[int]] = [[] for _ in range(total)]
    for a in range(total):
        for b in succ[a]:
            pred[b].append(a)

    layers: list[list[int]] = [[] for _ in range(max(ranks_all, default=-1) + 1)]
    for v, r in enumerate(ranks_all):  # nodes by id, dummies by edge: a stable first order
        layers[r].append(v)
    layers, crossings = order.reduce_crossings(layers, succ, pred, total)

    half = [dims[v][1] / 2 + NODE_GAP / 2 if v < n else DUMMY_HALF for v in range(total)]
    weight = [1.0 if v < n else DUMMY_WEIGHT for v in range(total)]
    ys = place.assign(layers, succ, pred, half, weight)

    widths = [max((dims[v][0] for v in layer if v < n), default=0.0) for layer in layers]
    xs, left = [], 0.0
    for w in widths:
        xs.append(left + w / 2)
        left += w + RANK_GAP
    top = min((ys[v] - half[v] for v in range(total)), default=0.0)
    bottom = max((ys[v] + half[v] for v in range(total)), default=0.0)

    def point(v: int) -> tuple[float, float]:
        return (round(xs[ranks_all[v]], 1), round(ys[v] - top, 1))

    positions = {keys[v]: Position(*point(v), ranks[v]) for v in range(n)}
    routes: dict[int, list[tuple[float, float]]] = {}
    backwards: set[int] = set()
    for i, (s, t) in enumerate(pairs):
        if s == t:
            continue
        if (s, t) in flipped:
            backwards.add(i)
            chain = list(reversed(chains[(t, s)]))
        else:
            chain = chains[(s, t)]
        if len(chain) > 2:
            routes[i] = [point(v) for v in chain[1:-1]]
    return Layout(positions, routes, frozenset(backwards), crossings,
                  width=max(left - RANK_GAP, 0.0), height=bottom - top)
