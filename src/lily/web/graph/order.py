"""Crossing reduction: the order of the nodes inside each layer, by barycenter sweeps.

The input is a *proper* layered graph (every edge joins two adjacent layers: long edges were split
by dummy nodes). Each sweep fixes one layer and sorts the next by the mean position of each node's
neighbours in the fixed layer, down then up; the order with the fewest crossings seen is kept, so the
result is never worse than the first order.
"""

from __future__ import annotations

from collections.abc import Sequence

SWEEPS = 12  # down-and-up passes at most
PATIENCE = 3  # passes without improvement before stopping early


def crossings_between(upper: Sequence[int], lower_pos: Sequence[int], upper_succ: Sequence[Sequence[int]]) -> int:
    """Crossings among the edges from the layer ``upper`` (in order) to the next one, whose nodes sit at
    ``lower_pos[node]``: the inversions of the lower ends read in upper order (Barth, Jünger and
    Mutzel's bilayer count, with a Fenwick tree: O(E log V))."""
    ends: list[int] = []
    for v in upper:
        ends += sorted(lower_pos[t] for t in upper_succ[v])
    if len(ends) < 2:
        return 0
    size = max(ends) + 1
    tree = [0] * (size + 1)
    count = 0
    for seen, p in enumerate(ends):
        i, below = p + 1, 0  # edges already read whose lower end is at p or left of it
        while i > 0:
            below += tree[i]
            i -= i & -i
        count += seen - below
        i = p + 1
        while i <= size:
            tree[i] += 1
            i += i & -i
    return count


def total_crossings(layers: Sequence[Sequence[int]], succ: Sequence[Sequence[int]], n: int) -> int:
    pos = [0] * n
    for layer in layers:
        for i, v in enumerate(layer):
            pos[v] = i
    return sum(crossings_between(layers[i], pos, succ) for i in range(len(layers) - 1))


def _sort_by(layer: list[int], pos: list[int], neighbours: Sequence[Sequence[int]]) -> list[int]:
    keyed: list[tuple[float, int, int]] = []
    for v in layer:
        ns = neighbours[v]
        # A node with no neighbour in the fixed layer keeps its place.
        bary = sum([pos[u] for u in ns]) / len(ns) if ns else float(pos[v])
        keyed.append((bary, pos[v], v))
    keyed.sort()
    ordered = [v for _, _, v in keyed]
    for i, v in enumerate(ordered):
        pos[v] = i
    return ordered


def reduce_crossings(layers: list[list[int]], succ: Sequence[Sequence[int]],
                     pred: Sequence[Sequence[int]], n: int) -> tuple[list[list[int]], int]:
    """A reordering of ``layers`` (each a list of node numbers) with few crossings, and its count."""
    current = [list(layer) for layer in layers]
    pos = [0] * n
    for layer in current:
        for i, v in enumerate(layer):
            pos[v] = i
    best = [list(layer) for layer in current]
    best_count = total_crossings(best, succ, n)
    stale = 0
    for _ in range(SWEEPS):
        if best_count == 0 or stale >= PATIENCE:
            break
        for i in range(1, len(current)):
            current[i] = _sort_by(current[i], pos, pred)
        for i in range(len(current) - 2, -1, -1):
            current[i] = _sort_by(current[i], pos, succ)
        count = total_crossings(current, succ, n)
        if count < best_count:
            best, best_count, stale = [list(layer) for layer in current], count, 0
        else:
            stale += 1
    return best, best_count
