"""The layered layout: every node placed, edges left to right on DAGs, cycles handled, no overlaps,
deterministic, and crossing reduction never makes the first order worse."""

from __future__ import annotations

import itertools
import random

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lily.web.graph import order, place, rank
from lily.web.graph.layout import NODE_GAP, NODE_H, NODE_W, layered


@st.composite
def graphs(draw: st.DrawFn, acyclic: bool = False) -> tuple[list[str], list[tuple[str, str]]]:
    n = draw(st.integers(1, 40))
    nodes = [f"n{i}" for i in range(n)]
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=80))
    if acyclic:  # edges from a lower to a higher number (in a shuffled naming) cannot close a cycle
        perm = draw(st.permutations(range(n)))
        pairs = [(perm[min(a, b)], perm[max(a, b)]) for a, b in pairs if a != b]
    return nodes, [(nodes[a], nodes[b]) for a, b in pairs]


def _overlaps(layout, size=lambda _: (NODE_W, NODE_H)) -> list[tuple[str, str]]:
    boxes = {k: (p.x - size(k)[0] / 2, p.y - size(k)[1] / 2, p.x + size(k)[0] / 2, p.y + size(k)[1] / 2)
             for k, p in layout.positions.items()}
    keys = sorted(boxes)
    return [(a, b) for i, a in enumerate(keys) for b in keys[i + 1:]
            if boxes[a][0] < boxes[b][2] and boxes[b][0] < boxes[a][2]
            and boxes[a][1] < boxes[b][3] and boxes[b][1] < boxes[a][3]]


@settings(max_examples=150, deadline=None)
@given(graphs())
def test_every_node_placed_without_overlap_and_edges_point_right_except_cycle_breakers(g) -> None:
    nodes, edges = g
    layout = layered(nodes, edges)
    assert set(layout.positions) == set(nodes)
    assert not _overlaps(layout)
    for i, (s, t) in enumerate(edges):
        if s == t:
            continue
        forward = layout.positions[t].rank > layout.positions[s].rank
        assert forward == (i not in layout.reversed), (s, t)
    # The edges drawn right to left are exactly a set whose reversal leaves no cycle.
    kept = nx.DiGraph([e for i, e in enumerate(edges) if i not in layout.reversed and e[0] != e[1]])
    kept.add_edges_from((t, s) for i, (s, t) in enumerate(edges) if i in layout.reversed)
    assert nx.is_directed_acyclic_graph(kept)


@settings(max_examples=150, deadline=None)
@given(graphs(acyclic=True))
def test_on_a_dag_every_edge_goes_to_a_later_layer_and_none_is_reversed(g) -> None:
    nodes, edges = g
    layout = layered(nodes, edges)
    assert not layout.reversed
    for s, t in edges:
        assert layout.positions[s].rank < layout.positions[t].rank
        assert layout.positions[s].x < layout.positions[t].x


@settings(max_examples=60, deadline=None)
@given(graphs(), st.randoms(use_true_random=False))
def test_the_same_graph_in_any_input_order_gets_the_same_drawing(g, rnd: random.Random) -> None:
    nodes, edges = g
    first = layered(nodes, edges)
    shuffled_nodes, order_ = list(nodes), list(range(len(edges)))
    rnd.shuffle(shuffled_nodes)
    rnd.shuffle(order_)
    second = layered(shuffled_nodes, [edges[i] for i in order_])
    assert second.positions == first.positions
    assert {order_[i] for i in second.reversed} == set(first.reversed)
    assert {order_[i]: r for i, r in second.routes.items()} == first.routes


def test_a_cycle_is_drawn_with_one_edge_going_back() -> None:
    layout = layered(["a", "b", "c"], [("a", "b"), ("b", "c"), ("c", "a")])
    assert len(layout.reversed) == 1
    ranks = sorted(p.rank for p in layout.positions.values())
    assert ranks == [0, 1, 2]


def test_long_edges_are_routed_through_every_layer_they_cross() -> None:
    # a -> b -> c -> d and a -> d: the long edge bends once per layer in between.
    edges = [("a", "b"), ("b", "c"), ("c", "d"), ("a", "d")]
    layout = layered(["a", "b", "c", "d"], edges)
    route = layout.routes[3]
    assert [x for x, _ in route] == [layout.positions["b"].x, layout.positions["c"].x]
    assert set(layout.routes) == {3}


def test_sizes_are_respected_inside_a_layer() -> None:
    sizes = {"root": (100.0, 30.0), "big": (300.0, 120.0), "small": (80.0, 20.0)}
    layout = layered(list(sizes), [("root", "big"), ("root", "small")], size=sizes.__getitem__)
    big, small = layout.positions["big"], layout.positions["small"]
    assert big.x == small.x
    assert abs(big.y - small.y) >= (120 + 20) / 2 + NODE_GAP - 1e-6
    assert not _overlaps(layout, size=sizes.__getitem__)


def test_an_edge_to_an_unknown_node_is_refused() -> None:
    with pytest.raises(ValueError, match="ghost"):
        layered(["a"], [("a", "ghost")])


def test_an_empty_graph_has_an_empty_layout() -> None:
    layout = layered([], [])
    assert layout.positions == {} and layout.width == 0 and layout.height == 0


# ------------------------------------------------------------------------------------------ phases
@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 15), st.integers(0, 15)), max_size=60))
def test_longest_path_ranks_follow_edges_and_are_tight_on_some_path(pairs) -> None:
    dag = rank.acyclic(16, pairs)
    ranks = rank.longest_path(16, dag)
    assert all(ranks[s] < ranks[t] for s, t in dag)
    assert min(ranks) == 0
    # No rank is higher than needed: every node at rank r > 0 has a predecessor at r - 1, or is a
    # source pulled right next to a successor.
    for v in range(16):
        preds = [ranks[s] for s, t in dag if t == v]
        succs = [ranks[t] for s, t in dag if s == v]
        if ranks[v] > 0:
            assert ranks[v] - 1 in preds or (not preds and ranks[v] + 1 in succs)


def _brute_crossings(upper: list[int], lower: list[int], edges: list[tuple[int, int]]) -> int:
    pu = {v: i for i, v in enumerate(upper)}
    pl = {v: i for i, v in enumerate(lower)}
    return sum(1 for i, (a, b) in enumerate(edges) for c, d in edges[i + 1:]
               if (pu[a] - pu[c]) * (pl[b] - pl[d]) < 0)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 8), st.integers(1, 8), st.data())
def test_bilayer_crossing_count_matches_brute_force(nu: int, nl: int, data: st.DataObject) -> None:
    edges = sorted(set(data.draw(st.lists(st.tuples(st.integers(0, nu - 1), st.integers(nu, nu + nl - 1)),
                                          max_size=20))))
    upper = data.draw(st.permutations(range(nu)))
    lower = data.draw(st.permutations(range(nu, nu + nl)))
    succ: list[list[int]] = [[] for _ in range(nu + nl)]
    for a, b in edges:
        succ[a].append(b)
    pos = [0] * (nu + nl)
    for i, v in enumerate(lower):
        pos[v] = i
    assert order.crossings_between(upper, pos, succ) == _brute_crossings(list(upper), list(lower), edges)


def test_sweeps_untangle_a_crossed_ladder() -> None:
    # Two layers, edges i -> (n - 1 - i): every pair crosses in the first order, none after sorting.
    n = 6
    succ = [[2 * n - 1 - i] for i in range(n)] + [[] for _ in range(n)]
    pred: list[list[int]] = [[] for _ in range(2 * n)]
    for a, (b,) in enumerate(succ[:n]):
        pred[b].append(a)
    layers = [list(range(n)), list(range(n, 2 * n))]
    assert order.total_crossings(layers, succ, 2 * n) == n * (n - 1) // 2
    _, count = order.reduce_crossings(layers, succ, pred, 2 * n)
    assert count == 0


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=30), st.data())
def test_isotonic_fit_is_non_decreasing_and_no_worse_than_any_sorted_guess(targets, data) -> None:
    weights = data.draw(st.lists(st.floats(0.1, 10), min_size=len(targets), max_size=len(targets)))
    fit = place.isotonic(targets, weights)
    assert all(a <= b + 1e-9 for a, b in itertools.pairwise(fit))

    def cost(ys: list[float]) -> float:
        return sum(w * (y - t) ** 2 for y, t, w in zip(ys, targets, weights, strict=True))

    # Two feasible competitors: the running maximum and a constant at the weighted mean.
    running = [max(targets[: i + 1]) for i in range(len(targets))]
    mean = sum(t * w for t, w in zip(targets, weights, strict=True)) / sum(weights)
    assert cost(fit) <= min(cost(running), cost([mean] * len(targets))) + 1e-6
