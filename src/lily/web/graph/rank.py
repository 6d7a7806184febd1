"""Layer assignment: break cycles, then rank by longest path (the first phase of a layered layout).

Nodes are the integers ``0..n-1`` (the caller numbers them in a stable order), so every step here
is deterministic: the same graph always gets the same ranks.
"""

from __future__ import annotations

from collections.abc import Sequence


def acyclic(n: int, edges: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The edges with those that close a cycle reversed (and self-loops dropped).

    A depth-first search from the sources first (then from any node left, in number order) reverses
    each edge that points back to a node still on its stack: the result has no directed cycle. Lineage
    cycles are rare (a table that feeds itself through a job), so this simple rule reverses few edges.
    """
    out: list[list[int]] = [[] for _ in range(n)]
    has_in = [False] * n
    for s, t in edges:
        if s != t:
            out[s].append(t)
            has_in[t] = True
    for targets in out:
        targets.sort()
    state = [0] * n  # 0 unseen, 1 on the stack, 2 done
    back: set[tuple[int, int]] = set()
    starts = [v for v in range(n) if not has_in[v]] + list(range(n))
    for start in starts:
        if state[start]:
            continue
        state[start] = 1
        stack = [(start, iter(out[start]))]
        while stack:
            v, it = stack[-1]
            for t in it:
                if state[t] == 0:
                    state[t] = 1
                    stack.append((t, iter(out[t])))
                    break
                if state[t] == 1:
                    back.add((v, t))
            else:
                state[v] = 2
                stack.pop()
    return [(t, s) if (s, t) in back else (s, t) for s, t in edges if s != t]


def longest_path(n: int, dag: Sequence[tuple[int, int]]) -> list[int]:
    """Ranks with every edge pointing to a higher rank: each node one past its furthest predecessor,
    then each source pulled right to just before its nearest successor (so a source that feeds only a
    far-right node does not leave a long edge across the whole drawing)."""
    succ: list[list[int]] = [[] for _ in range(n)]
    pred: list[list[int]] = [[] for _ in range(n)]
    for s, t in dag:
        succ[s].append(t)
        pred[t].append(s)
    indeg = [len(p) for p in pred]
    order = [v for v in range(n) if indeg[v] == 0]
    for v in order:  # Kahn's topological order; ``order`` grows while it is walked
        for t in succ[v]:
            indeg[t] -= 1
            if indeg[t] == 0:
                order.append(t)
    if len(order) != n:
        raise ValueError("longest_path needs an acyclic graph (run acyclic first)")
    rank = [0] * n
    for v in order:
        for t in succ[v]:
            rank[t] = max(rank[t], rank[v] + 1)
    for v in reversed(order):
        if not pred[v] and succ[v]:
            rank[v] = min(rank[t] for t in succ[v]) - 1
    low = min(rank, default=0)
    return [r - low for r in rank]
