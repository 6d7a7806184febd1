"""Propagation: examples for each rule, limits, incremental entry points, speed."""

from __future__ import annotations

import itertools
import uuid

from lily.governance.propagation import (
    AssetChanged,
    ClassificationChanged,
    EdgeChanged,
    PropagationGraph,
    PropagationLimits,
    affected_origins,
    preview,
    propagate,
)
from lily.model import ClassificationSource, classification_id
from tests.governance.helpers import T0, cls, col_edge, ds_edge, stored, uid


def keys(result) -> set[tuple[uuid.UUID, str]]:
    return {(t.asset_id, t.tag) for t in result.desired}


def test_chain_and_provenance_shortest_path() -> None:
    a, b, c, d = (uid(x) for x in "abcd")
    g = PropagationGraph([ds_edge(a, b), ds_edge(b, c), ds_edge(c, d), ds_edge(a, d)], {})
    origin = cls(a, "PII.email")
    r = propagate(g, [origin])
    by_asset = {t.asset_id: t for t in r.to_add}
    assert set(by_asset) == {b, c, d}
    assert by_asset[d].path == (a, d) and by_asset[d].depth == 1
    assert by_asset[c].path == (a, b, c)
    p = by_asset[c].to_classification("t", T0)
    assert p.source == ClassificationSource.PROPAGATED and p.provenance.origin_classification_id == origin.id
    assert p.id == classification_id("t", c, "PII.email", "propagated", str(origin.id))  # the store's id


def test_multi_path_retention_then_retraction() -> None:
    a, b, c, d = (uid(x) for x in "abcd")
    edges = [ds_edge(a, b), ds_edge(a, c), ds_edge(b, d), ds_edge(c, d)]
    origin = cls(a, "PII.email")
    first = propagate(PropagationGraph(edges, {}), [origin])
    have = stored(first.to_add)
    one_gone = propagate(PropagationGraph([e for e in edges if e.source_id != b or e.target_id != d], {}),
                         [origin, *have])
    assert one_gone.to_remove == []
    # d's shortest path now goes through c: provenance updated, not retracted.
    assert [(old.asset_id, new.path) for old, new in one_gone.to_update] in ([], [(d, (a, c, d))])
    both_gone = propagate(PropagationGraph(edges[:2], {}), [origin, *have])
    assert {c_.asset_id for c_ in both_gone.to_remove} == {d}


def test_masking_edge_and_block_list_stop() -> None:
    a, b, c, d = (uid(x) for x in "abcd")
    g = PropagationGraph([ds_edge(a, b, masking=True), ds_edge(a, c, block=("pii.*",)), ds_edge(a, d)], {})
    r = propagate(g, [cls(a, "PII.email"), cls(a, "GDPR.personal")])
    assert keys(r) == {(d, "PII.email"), (c, "GDPR.personal"), (d, "GDPR.personal")}


def test_column_edges_where_they_exist_dataset_level_otherwise() -> None:
    src, dst, other = uid("src"), uid("dst"), uid("other")
    email, name = uid("src.email"), uid("src.name")
    d_email, d_name = uid("dst.email"), uid("dst.name")
    cols = {email: src, name: src, d_email: dst, d_name: dst}
    edges = [ds_edge(src, dst), ds_edge(src, other), col_edge(email, d_email), col_edge(name, d_name)]
    r = propagate(PropagationGraph(edges, cols), [cls(email, "PII.email")])
    # dst has column lineage: only the fed column; other has none: the dataset gets the tag.
    assert keys(r) == {(d_email, "PII.email"), (other, "PII.email")}
    fallback = next(t for t in r.desired if t.asset_id == other)
    assert fallback.path == (email, other)


def test_dataset_tag_follows_lifted_column_links() -> None:
    src, dst = uid("src"), uid("dst")
    c1, c2 = uid("src.c"), uid("dst.c")
    g = PropagationGraph([col_edge(c1, c2)], {c1: src, c2: dst})
    assert keys(propagate(g, [cls(src, "GDPR.personal")])) == {(dst, "GDPR.personal")}
    blocked = PropagationGraph([col_edge(c1, c2, masking=True)], {c1: src, c2: dst})
    assert keys(propagate(blocked, [cls(src, "GDPR.personal")])) == set()


def test_direct_tag_downstream_kept_and_copy_recorded() -> None:
    a, b, c = (uid(x) for x in "abc")
    direct_b = cls(b, "PII.email")
    g = PropagationGraph([ds_edge(a, b), ds_edge(b, c)], {})
    origin = cls(a, "PII.email")
    r = propagate(g, [origin, direct_b])
    from_a = {t.asset_id for t in r.desired if t.origin_classification_id == origin.id}
    assert from_a == {b, c}  # copy recorded on b and propagation continues through b
    # removing the origin retracts only propagated rows, never the direct one on b
    again = propagate(g, [direct_b, *stored(r.to_add)], origins={origin.id})
    assert all(x.source == ClassificationSource.PROPAGATED for x in again.to_remove)
    assert direct_b not in again.to_remove
    assert {x.asset_id for x in again.to_remove} == {b, c}


def test_canonical_origin_direct_propagate_false_wins() -> None:
    a, b = uid("a"), uid("b")
    g = PropagationGraph([ds_edge(a, b)], {})
    r = propagate(g, [cls(a, "PII.email", propagate=False), cls(a, "PII.email", ClassificationSource.DETECTED)])
    assert r.desired == []


def test_depth_and_fanout_limits() -> None:
    chain = [uid(f"n{i}") for i in range(6)]
    g = PropagationGraph([ds_edge(x, y) for x, y in itertools.pairwise(chain)], {})
    r = propagate(g, [cls(chain[0], "T")], PropagationLimits(max_depth=3))
    assert {t.asset_id for t in r.desired} == set(chain[1:4])
    hub, leaves = uid("hub"), [uid(f"leaf{i}") for i in range(5)]
    g2 = PropagationGraph([ds_edge(chain[0], hub), *[ds_edge(hub, x) for x in leaves]], {})
    r2 = propagate(g2, [cls(chain[0], "T")], PropagationLimits(max_fanout=4))
    assert {t.asset_id for t in r2.desired} == {hub}
    assert [(h.asset_id, h.limit, h.value) for h in r2.limits_hit] == [(hub, "max_fanout", 5)]


def test_time_budget_defers_and_never_retracts_deferred() -> None:
    a, b = uid("a"), uid("b")
    g = PropagationGraph([ds_edge(a, b)], {})
    o1, o2 = cls(a, "X"), cls(a, "Y")
    have = stored(propagate(g, [o1, o2]).to_add)
    ticks = iter([0.0, 0.0, 5.0, 5.0, 5.0, 5.0])
    r = propagate(PropagationGraph([], {}), [o1, o2, *have], PropagationLimits(time_budget_s=1.0),
                  clock=lambda: next(ticks))
    assert not r.complete and len(r.deferred_origins) == 1
    removed_origins = {x.provenance.origin_classification_id for x in r.to_remove}
    assert removed_origins.isdisjoint(r.deferred_origins) and len(r.to_remove) == 1


def test_incremental_matches_full_recompute() -> None:
    a, b, c, d, e = (uid(x) for x in "abcde")
    edges = [ds_edge(a, b), ds_edge(b, c), ds_edge(d, e)]
    o_a, o_d = cls(a, "PII.email"), cls(d, "PII.email")
    have = stored(propagate(PropagationGraph(edges, {}), [o_a, o_d]).to_add)
    new_edges = [*edges, ds_edge(c, e)]
    g = PropagationGraph(new_edges, {})
    scope = affected_origins([EdgeChanged(c, e)], g, [o_a, o_d, *have])
    assert scope == {o_a.id}  # d's origin cannot be affected by an edge out of c
    inc = propagate(g, [o_a, o_d, *have], origins=scope)
    full = propagate(g, [o_a, o_d, *have])
    assert {t.key for t in inc.to_add} == {t.key for t in full.to_add} == {(e, "PII.email", o_a.id)}
    # removing the origin classification: scope includes the removed id
    scope2 = affected_origins([ClassificationChanged(a, "PII.email", o_a.id)], g, [o_d, *have])
    assert o_a.id in scope2
    gone = propagate(g, [o_d, *have], origins=scope2)
    assert {x.asset_id for x in gone.to_remove} == {b, c}
    assert affected_origins([AssetChanged(b)], g, [o_a, o_d, *have]) == {o_a.id}


def test_preview_add_and_remove() -> None:
    a, b = uid("a"), uid("b")
    g = PropagationGraph([ds_edge(a, b)], {})
    new = cls(a, "PII.email")
    assert [(t.asset_id, t.tag) for t in preview(g, [], add=[new]).to_add] == [(b, "PII.email")]
    have = stored(propagate(g, [new]).to_add)
    assert [x.asset_id for x in preview(g, [new, *have], remove=[new.id]).to_remove] == [b]


def test_cycles_terminate_and_origin_not_copied() -> None:
    a, b = uid("a"), uid("b")
    r = propagate(PropagationGraph([ds_edge(a, b), ds_edge(b, a)], {}), [cls(a, "T")])
    assert {t.asset_id for t in r.desired} == {b}


def test_fanout_to_1000_columns_and_a_5_hop_chain() -> None:
    # How fast: benchmarks/propagation.py (timings are measured there, not asserted here).
    src_ds, src = uid("src"), uid("src.email")
    cols = {src: src_ds}
    edges = []
    for i in range(1000):
        ds, col = uid(f"ds{i}"), uid(f"ds{i}.email")
        cols[col] = ds
        edges.append(col_edge(src, col))
    chain = [src] + [uid(f"hop{i}.c") for i in range(5)]
    for i, c in enumerate(chain[1:]):
        cols[c] = uid(f"hop{i}")
    edges += [col_edge(x, y) for x, y in itertools.pairwise(chain)]
    g = PropagationGraph(edges, cols)
    origin = cls(src, "PII.email")
    r = propagate(g, [origin])
    assert len(r.to_add) == 1005
    assert max(t.depth for t in r.to_add) == 5


def test_full_recompute_over_100k_edges() -> None:
    # 20k datasets in 2k chains of 10, five columns each, column lineage along the chain:
    # 80k column edges + 18k dataset edges; 2k PII origins at the chain heads.
    edges, cols, origins = [], {}, []
    for chain in range(2000):
        prev = None
        for hop in range(10):
            ds = uuid.UUID(int=(chain * 10 + hop) * 8 + 1)
            colids = [uuid.UUID(int=(chain * 10 + hop) * 8 + 2 + k) for k in range(5)]
            for c in colids:
                cols[c] = ds
            if prev is not None:
                edges.append(ds_edge(prev[0], ds))
                edges += [col_edge(p, c) for p, c in zip(prev[1], colids, strict=True)]
            prev = (ds, colids)
            if hop == 0:
                origins.append(cls(colids[0], "PII.email"))
    assert len(edges) > 95_000
    g = PropagationGraph(edges, cols)
    r = propagate(g, origins)
    assert len(r.to_add) == 2000 * 9
