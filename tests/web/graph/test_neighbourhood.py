"""Neighbourhood selection: a cap per layer with "+N more", search inside a layer, pinned nodes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from lily.web.graph.neighbourhood import Candidate, select


def fan(n: int, layer: int = 1, prefix: str = "d") -> tuple[list[Candidate], list[tuple[str, str]]]:
    """The root feeding ``n`` nodes (downstream) or fed by them (upstream)."""
    cands = [Candidate(f"{prefix}{i:02d}", f"table_{prefix}{i:02d}", layer) for i in range(n)]
    edges = [("root", c.id) if layer > 0 else (c.id, "root") for c in cands]
    return [Candidate("root", "root", 0), *cands], edges


def test_a_layer_over_the_cap_shows_the_cap_and_counts_the_rest() -> None:
    cands, edges = fan(30)
    sel = select("root", cands, edges, cap=10)
    assert sel.shown == ["root"] + [f"d{i:02d}" for i in range(10)]
    assert [(m.layer, m.hidden) for m in sel.more] == [(1, 20)]
    assert ("root", "more:1") in sel.links


def test_upstream_placeholders_point_towards_the_root() -> None:
    cands, edges = fan(5, layer=-1, prefix="u")
    sel = select("root", cands, edges, cap=2)
    assert [(m.layer, m.hidden) for m in sel.more] == [(-1, 3)]
    assert ("more:-1", "root") in sel.links


def test_each_click_on_more_shows_another_cap_worth() -> None:
    cands, edges = fan(30)
    assert len(select("root", cands, edges, cap=10, pages={1: 1}).shown) == 21
    sel = select("root", cands, edges, cap=10, pages={1: 2})
    assert len(sel.shown) == 31 and sel.more == []


def test_search_narrows_a_layer_and_the_hidden_count_includes_non_matches() -> None:
    cands, edges = fan(30)
    sel = select("root", cands, edges, cap=10, search={1: "D1"})
    assert sel.shown == ["root"] + [f"d1{i}" for i in range(10)]
    assert [(m.hidden, m.query) for m in sel.more] == [(20, "D1")]


def test_nodes_behind_hidden_nodes_stay_hidden_and_children_of_shown_ones_come_first() -> None:
    # root -> a0..a4 (cap 2 shows a0, a1); a_i -> b_i: only b0 and b1 hang off shown nodes.
    cands = [Candidate("root", "root", 0)]
    cands += [Candidate(f"a{i}", f"a{i}", 1) for i in range(5)]
    cands += [Candidate(f"b{i}", f"z{i}", 2) for i in range(5)]
    edges = [("root", f"a{i}") for i in range(5)] + [(f"a{i}", f"b{i}") for i in range(5)]
    sel = select("root", cands, edges, cap=4)
    assert sel.shown == ["root", "a0", "a1", "a2", "a3", "b0", "b1", "b2", "b3"]
    assert [(m.layer, m.hidden) for m in sel.more] == [(1, 1), (2, 1)]
    # b4 is hidden behind a4: its placeholder hangs off layer 1's placeholder.
    assert ("more:1", "more:2") in sel.links


def test_pinned_nodes_are_shown_beyond_the_cap() -> None:
    cands, edges = fan(30)
    sel = select("root", cands, edges, cap=3, pinned={"d29", "d28"})
    assert sel.shown[:3] == ["root", "d28", "d29"]
    assert len(sel.shown) == 4  # the cap counts pinned nodes first, then fills up
    assert sel.more[0].hidden == 27


def test_a_searched_node_with_no_shown_parent_is_attached_to_the_placeholder_nearer_the_root() -> None:
    cands = [Candidate("root", "root", 0), *(Candidate(f"a{i}", f"a{i}", 1) for i in range(3)),
             Candidate("deep", "needle", 2)]
    edges = [("root", "a0"), ("root", "a1"), ("root", "a2"), ("a2", "deep")]
    sel = select("root", cands, edges, cap=1, search={2: "need"})
    assert "deep" in sel.shown
    assert ("more:1", "deep") in sel.links


layered_graphs = st.integers(1, 25).flatmap(lambda n: st.tuples(
    st.lists(st.integers(-3, 3).filter(bool), min_size=n, max_size=n),
    st.lists(st.tuples(st.integers(0, n), st.integers(0, n)), max_size=3 * n),
    st.integers(1, 6)))


@settings(max_examples=200, deadline=None)
@given(layered_graphs)
def test_counts_add_up_and_no_layer_shows_more_than_its_cap(g) -> None:
    layers, pairs, cap = g
    cands = [Candidate("root", "root", 0)] + [Candidate(f"n{i}", f"n{i}", layer) for i, layer in enumerate(layers)]
    ids = [c.id for c in cands]
    edges = [(ids[a], ids[b]) for a, b in pairs if a != b]
    sel = select("root", cands, edges, cap=cap)
    assert "root" in sel.shown and len(set(sel.shown)) == len(sel.shown)
    per_layer: dict[int, int] = {}
    for c in cands[1:]:
        per_layer[c.layer] = per_layer.get(c.layer, 0) + 1
    shown_per_layer = {layer: sum(1 for c in cands[1:] if c.id in sel.shown and c.layer == layer)
                       for layer in per_layer}
    hidden = {m.layer: m.hidden for m in sel.more}
    for layer, total in per_layer.items():
        assert shown_per_layer[layer] <= cap
        assert shown_per_layer[layer] + hidden.get(layer, 0) == total
    # Every link joins things that are drawn.
    drawn = set(sel.shown) | {m.id for m in sel.more}
    assert all(s in drawn and t in drawn for s, t in sel.links)
