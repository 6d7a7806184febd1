"""Lineage traversal against an independent oracle (networkx shortest paths) on random DAGs."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import networkx as nx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lily.model import AddLineage, AssetRef, ChangeSet, Direction, asset_id
from lily.store import Store
from lily.store.lineage import traverse

N = 12
_tenants = itertools.count()


@st.composite
def dags(draw: st.DrawFn) -> tuple[int, list[tuple[int, int]]]:
    n = draw(st.integers(min_value=2, max_value=N))
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    edges = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=min(len(pairs), 30)))
    return n, edges


def ref(i: int) -> AssetRef:
    return AssetRef(namespace="oracle", name=f"t{i}")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(graph=dags(), start=st.integers(0, N - 1), depth=st.integers(1, 6),
       direction=st.sampled_from([Direction.DOWNSTREAM, Direction.UPSTREAM]))
def test_traversal_matches_networkx(store: Store, graph: tuple[int, list[tuple[int, int]]], start: int,
                                    depth: int, direction: Direction) -> None:
    n, edges = graph
    start %= n
    tenant = f"t{next(_tenants)}"
    with store.write() as conn:
        from lily.store.accounts import create_tenant

        create_tenant(conn, tenant, tenant, datetime.now(UTC))
    store.apply(ChangeSet(tenant_id=tenant, actor="test",
                          operations=[AddLineage(source=ref(a), target=ref(b)) for a, b in edges]))
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    g.add_edges_from(edges)
    if direction is Direction.UPSTREAM:
        g = g.reverse()
    expected = {asset_id(tenant, ref(k)): d
                for k, d in nx.single_source_shortest_path_length(g, start, cutoff=depth).items() if k != start}
    with store.read() as conn:
        got = {node.asset_id: node.depth for node in traverse(conn, tenant, asset_id(tenant, ref(start)),
                                                              direction, depth)}
    assert got == expected
