"""Which part of the lineage graph a propagation round needs (the reads are the store's, no writes).

The incremental path never loads the whole tenant: it loads the *families* (dataset + its columns)
touched by the changes, maps them to origins with ``affected_origins``, then loads the downstream
closure of those origins. The closure is family-closed (every reached asset brings its dataset and
that dataset's columns, and every edge out of them), so ``next_hops`` of every asset propagation
can reach is the same as on the full graph and the result is exact, not an approximation.

Snapshot contract (see ``lily.governance.propagation``): live assets and edges between live assets
only; non-propagated classifications of live assets only (they are the origins). Stored
``propagated`` rows are passed whatever their asset's state, so rows on a deleted asset are retracted.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Connection

from lily.governance.propagation import Edge, PropagationGraph
from lily.model.classification import Classification
from lily.model.lineage import LineageLevel
from lily.store import governance_snapshot as graph_repo
from lily.store.governance_snapshot import AssetRow, EdgeRow

_PROPAGATED = "propagated"


@dataclass(slots=True)
class Snapshot:
    """What ``propagate`` needs: live edges, the column -> dataset map, the classifications."""

    edges: list[Edge] = field(default_factory=list)
    column_dataset: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)
    classifications: list[Classification] = field(default_factory=list)

    def graph(self) -> PropagationGraph:
        return PropagationGraph(self.edges, self.column_dataset)


def _edge(r: EdgeRow) -> Edge:
    return Edge(r.source_id, r.target_id, LineageLevel(r.level), bool(r.masking), tuple(r.block_list or ()))


class SnapshotLoader:
    """Reads assets/edges/classifications of one tenant on one connection, caching asset rows.

    It decides what to load; the statements are the store's (``lily.store.governance_snapshot``).
    """

    def __init__(self, conn: Connection, tenant_id: str) -> None:
        self.conn = conn
        self.tenant = tenant_id
        self._rows: dict[uuid.UUID, AssetRow | None] = {}
        self._columns: dict[uuid.UUID, list[uuid.UUID]] = {}
        self._expanded: set[uuid.UUID] = set()

    # -- assets --------------------------------------------------------------------------------
    def rows(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, AssetRow]:
        missing = [i for i in set(ids) if i not in self._rows]
        if missing:
            found = graph_repo.asset_rows(self.conn, self.tenant, missing)
            for i in missing:
                self._rows[i] = found.get(i)
        return {i: r for i in ids if (r := self._rows.get(i)) is not None}

    def columns(self, datasets: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
        """Live columns of each dataset."""
        missing = [d for d in set(datasets) if d not in self._columns]
        if missing:
            for d in missing:
                self._columns[d] = []
            for r in graph_repo.live_columns(self.conn, self.tenant, missing):
                assert r.parent_id is not None
                self._columns[r.parent_id].append(r.id)
                self._rows.setdefault(r.id, r)
        return {d: self._columns[d] for d in datasets}

    def expand(self, ids: Iterable[uuid.UUID]) -> None:
        """Load in one query per chunk the assets, their datasets and those datasets' columns.

        Fills the caches ``families`` reads from, so a closure level costs one asset query.
        """
        todo = [i for i in set(ids) if i not in self._expanded]
        if not todo:
            return
        found = graph_repo.family_rows(self.conn, self.tenant, todo)
        for i in todo:
            self._rows[i] = found.get(i)
        self._rows.update(found)
        # Children are complete for the loaded assets and the datasets of their columns.
        complete = set(todo) | {r.parent_id for i in todo if (r := found.get(i)) is not None and r.dataset}
        children: dict[uuid.UUID, list[uuid.UUID]] = {}
        for r in found.values():
            if r.type == "column" and r.live and r.parent_id in complete:
                children.setdefault(r.parent_id, []).append(r.id)
        for d in complete - set(self._columns):
            self._columns[d] = children.get(d, [])
        self._expanded.update(todo)

    def families(self, ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
        """Each asset with its dataset and the dataset's live columns."""
        ids = set(ids)
        self.expand(ids)
        rows = self.rows(ids)
        datasets = {r.dataset or r.id for r in rows.values() if r.live}
        out = ids | datasets
        for cols in self.columns(datasets).values():
            out.update(cols)
        return out

    def column_dataset(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
        return {i: r.dataset for i, r in self.rows(ids).items() if r.live and r.dataset is not None}

    # -- edges and classifications -------------------------------------------------------------
    def edges_from(self, sources: Iterable[uuid.UUID]) -> list[Edge]:
        out = [_edge(r) for r in graph_repo.edges_from(self.conn, self.tenant, sources)]
        self.expand({x.target_id for x in out})  # also what the next closure level needs
        live = self.rows({x.source_id for x in out} | {x.target_id for x in out})
        return [x for x in out if (s := live.get(x.source_id)) and s.live and (t := live.get(x.target_id)) and t.live]

    def classifications_on(self, ids: Iterable[uuid.UUID]) -> list[Classification]:
        return graph_repo.classifications_on(self.conn, self.tenant, ids)

    def classifications_by_id(self, ids: Iterable[uuid.UUID]) -> list[Classification]:
        return graph_repo.classifications_by_id(self.conn, self.tenant, ids)

    def propagated_from(self, origins: Iterable[uuid.UUID]) -> list[Classification]:
        return graph_repo.propagated_from(self.conn, self.tenant, origins)

    # -- snapshots -----------------------------------------------------------------------------
    def touched(self, seeds: Iterable[uuid.UUID]) -> tuple[PropagationGraph, list[Classification]]:
        """Graph and classifications ``affected_origins`` needs for changes on ``seeds``.

        The classifications include those of deleted assets and propagated rows: their ids or
        origins must be recomputed (to retract) even though they are not origins any more.
        """
        family = self.families(seeds)
        graph = PropagationGraph((), self.column_dataset(family))
        return graph, self.classifications_on(family)

    def for_origins(self, origin_ids: Iterable[uuid.UUID], extra_assets: Iterable[uuid.UUID] = (),
                    max_depth: int = 25) -> Snapshot:
        """Everything needed to recompute ``origin_ids`` exactly (their downstream closure)."""
        origin_ids = set(origin_ids)
        origins = [c for c in self.classifications_by_id(origin_ids) if c.source != _PROPAGATED]
        starts = {c.asset_id for c in origins} | set(extra_assets)
        live_starts = {i for i, r in self.rows(starts).items() if r.live}
        snap = Snapshot()
        seen: set[uuid.UUID] = set()
        frontier = live_starts
        level = 0
        while frontier and level <= max_depth:
            new = self.families(frontier) - seen
            new = {i for i, r in self.rows(new).items() if r.live}
            seen |= new
            edges = self.edges_from(new)
            snap.edges += edges
            frontier = {e.target_id for e in edges} - seen
            level += 1
        snap.column_dataset = self.column_dataset(seen | {e.target_id for e in snap.edges})
        # Every candidate origin on the origins' assets (the canonical choice needs them all) ...
        cands = [c for c in self.classifications_on(live_starts) if c.source != _PROPAGATED]
        # ... and every stored propagated row of the recomputed origins, wherever it is.
        snap.classifications = cands + self.propagated_from(origin_ids)
        return snap

    def full(self) -> Snapshot:
        """The whole tenant (reconcile, first run of a large backfill, tests)."""
        live = graph_repo.live_assets(self.conn, self.tenant)
        self._rows.update(live)
        edges = [_edge(r) for r in graph_repo.all_edges(self.conn, self.tenant)
                 if r.source_id in live and r.target_id in live]
        cls = [c for c in graph_repo.all_classifications(self.conn, self.tenant)
               if c.source == _PROPAGATED or c.asset_id in live]
        column_dataset = {i: r.dataset for i, r in live.items() if r.dataset is not None}
        return Snapshot(edges, column_dataset, cls)
