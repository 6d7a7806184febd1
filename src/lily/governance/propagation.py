"""Lineage-aware classification propagation (pure).

Given a snapshot of the lineage graph and the tenant's classifications, compute the propagated
classifications that *should* exist and diff them against the ones stored.

Rules (also in docs/governance.md):

* **Origins.** Every non-propagated classification (``direct``, ``detected``, ``imported``) is a
  candidate origin. When an asset carries the same tag from several sources, one *canonical* origin
  is chosen (direct > detected > imported, then oldest, then id) and only it propagates — and only
  if its ``propagate`` flag is true. So a person's ``propagate=false`` on a direct tag overrides a
  detector's ``propagate=true`` for the same tag on the same asset.
* **Granularity.** A column origin follows *column-level* edges from that column. From any column
  holding the tag (the origin or one reached), a *dataset-level* edge ``D -> E`` (``D`` the column's
  dataset) carries the tag onto dataset ``E`` only when no column-level edge links any column of ``D``
  to any column of ``E``: column lineage is used where it exists, dataset lineage otherwise. Once on a
  dataset the tag stays dataset-granular: a dataset holding a tag passes it to every downstream
  dataset ``E``; if a dataset-level edge ``D -> E`` exists it decides (masking/block list), otherwise
  the column-level edges between the two datasets do (any passable one suffices).
* **Stops.** An edge marked ``masking`` never carries a tag; an edge whose ``block_list`` holds a glob
  matching the tag (case-insensitive fnmatch, e.g. ``PII.*``) does not carry that tag.
* **Limits.** Assets at ``max_depth`` hops are tagged but not expanded. A node with more than
  ``max_fanout`` passable next hops is tagged but not expanded, and the hit is reported in
  ``limits_hit`` (partially following a hub would tag an arbitrary subset; stopping is predictable and
  visible). When ``time_budget_s`` runs out, the remaining origins are listed in ``deferred_origins``
  and their stored records are left untouched (never retract what was not recomputed).
* **Records.** One propagated record per ``(asset, tag, origin classification)`` — the store's unique
  key. Its provenance is the *shortest* path (BFS, ties broken by asset id), ``depth == len(path) - 1``,
  path from origin to the asset inclusive, counting only assets that hold the tag (a dataset-fallback
  hop from column ``C`` to dataset ``E`` is ``[C, E]``). The origin's own asset never receives a copy.
* **Direct tags win, copies are still recorded.** If an asset already has the tag directly (or
  detected/imported), the propagated copy is still recorded as a separate row (different ``source``):
  it never replaces the direct one, it keeps the audit trail ("also inherited from X"), and removing
  the direct tag later leaves the asset correctly classified without recomputing upstream origins.
  Propagation also continues *through* such an asset. Direct, detected and imported classifications
  are never in ``to_remove``: only ``source=propagated`` rows are diffed.
* **Retraction** follows from recomputation: a propagated record disappears only when no path from its
  origin reaches the asset any more (multi-path support is retained for free).
* **Snapshot contract.** ``edges`` and ``column_dataset`` contain live assets only (deleted assets and
  their edges removed), classifications of deleted assets are not passed as origins.

Incremental use: :func:`affected_origins` maps a change (classification, edge or asset) to the origin
classification ids whose propagation may change; pass them as ``origins=`` to :func:`propagate` and
only those origins are recomputed and diffed. Origins are independent (each has its own records), so
this is exact, not an approximation.
"""

from __future__ import annotations

import time
import uuid
from collections import deque
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from lily.governance.globs import any_match
from lily.model.classification import Classification, ClassificationSource, Provenance
from lily.model.identity import classification_id
from lily.model.lineage import LineageEdge, LineageLevel

_SOURCE_RANK = {
    ClassificationSource.DIRECT: 0,
    ClassificationSource.DETECTED: 1,
    ClassificationSource.IMPORTED: 2,
}


@dataclass(frozen=True, slots=True)
class Edge:
    """The part of a lineage edge propagation needs."""

    source_id: uuid.UUID
    target_id: uuid.UUID
    level: LineageLevel = LineageLevel.DATASET
    masking: bool = False
    block_list: tuple[str, ...] = ()

    @classmethod
    def of(cls, edge: Edge | LineageEdge) -> Edge:
        if isinstance(edge, Edge):
            return edge
        return cls(edge.source_id, edge.target_id, LineageLevel(edge.level), edge.masking, tuple(edge.block_list))

    def carries(self, tag: str) -> bool:
        """Whether this edge lets ``tag`` through (not masking, not on the block list)."""
        return not self.masking and not (self.block_list and any_match(tag, self.block_list))


@dataclass(frozen=True, slots=True)
class PropagationLimits:
    max_depth: int = 25
    max_fanout: int = 5000
    time_budget_s: float | None = None  # None: no budget


@dataclass(frozen=True, slots=True)
class PropagatedTag:
    """A propagated classification that should exist."""

    asset_id: uuid.UUID
    tag: str
    origin_asset_id: uuid.UUID
    origin_classification_id: uuid.UUID
    path: tuple[uuid.UUID, ...]

    @property
    def depth(self) -> int:
        return len(self.path) - 1

    @property
    def key(self) -> tuple[uuid.UUID, str, uuid.UUID]:
        return (self.asset_id, self.tag, self.origin_classification_id)

    def provenance(self) -> Provenance:
        return Provenance(origin_asset_id=self.origin_asset_id,
                          origin_classification_id=self.origin_classification_id,
                          path=list(self.path), depth=self.depth)

    def classification_id(self, tenant_id: str) -> uuid.UUID:
        return classification_id(tenant_id, self.asset_id, self.tag, ClassificationSource.PROPAGATED.value,
                                 str(self.origin_classification_id))

    def to_classification(self, tenant_id: str, now: datetime) -> Classification:
        # propagate=False: a propagated row is never itself an origin.
        return Classification(id=self.classification_id(tenant_id), tenant_id=tenant_id, asset_id=self.asset_id,
                              tag=self.tag, source=ClassificationSource.PROPAGATED, propagate=False,
                              provenance=self.provenance(), created_by="propagation", created_at=now)


@dataclass(frozen=True, slots=True)
class LimitHit:
    origin_classification_id: uuid.UUID
    asset_id: uuid.UUID
    limit: str  # "max_fanout"
    value: int


@dataclass(slots=True)
class PropagationResult:
    desired: list[PropagatedTag] = field(default_factory=list)
    to_add: list[PropagatedTag] = field(default_factory=list)
    to_remove: list[Classification] = field(default_factory=list)
    to_update: list[tuple[Classification, PropagatedTag]] = field(default_factory=list)  # (stored, desired)
    limits_hit: list[LimitHit] = field(default_factory=list)
    deferred_origins: list[uuid.UUID] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.deferred_origins

    @property
    def is_empty(self) -> bool:
        return not (self.to_add or self.to_remove or self.to_update)


class PropagationGraph:
    """Adjacency index over one lineage snapshot; build once, reuse for many origins."""

    def __init__(self, edges: Iterable[Edge | LineageEdge], column_dataset: Mapping[uuid.UUID, uuid.UUID]):
        self.column_dataset: dict[uuid.UUID, uuid.UUID] = dict(column_dataset)
        self.columns_of: dict[uuid.UUID, list[uuid.UUID]] = {}
        for col, ds in self.column_dataset.items():
            self.columns_of.setdefault(ds, []).append(col)
        col_out: dict[uuid.UUID, list[Edge]] = {}
        ds_edge: dict[tuple[uuid.UUID, uuid.UUID], Edge] = {}
        pair_cols: dict[tuple[uuid.UUID, uuid.UUID], list[Edge]] = {}
        for raw in edges:
            e = Edge.of(raw)
            if e.source_id == e.target_id:
                continue
            if e.level == LineageLevel.COLUMN:
                col_out.setdefault(e.source_id, []).append(e)
                sd, td = self.column_dataset.get(e.source_id), self.column_dataset.get(e.target_id)
                if sd is not None and td is not None and sd != td:
                    pair_cols.setdefault((sd, td), []).append(e)
            else:
                ds_edge[(e.source_id, e.target_id)] = e
        # Sorted adjacency makes BFS (and thus the recorded shortest path) deterministic.
        self.col_out = {k: sorted(v, key=lambda e: e.target_id) for k, v in col_out.items()}
        self.ds_edge = ds_edge
        self.pair_cols = pair_cols
        links: dict[uuid.UUID, set[uuid.UUID]] = {}
        for s, t in (*ds_edge.keys(), *pair_cols.keys()):
            links.setdefault(s, set()).add(t)
        self.ds_links: dict[uuid.UUID, list[uuid.UUID]] = {k: sorted(v) for k, v in links.items()}
        # Dataset-level edges used for the column fallback: only pairs without column lineage.
        fallback: dict[uuid.UUID, list[Edge]] = {}
        for (s, t), e in ds_edge.items():
            if (s, t) not in pair_cols:
                fallback.setdefault(s, []).append(e)
        self.fallback = {k: sorted(v, key=lambda e: e.target_id) for k, v in fallback.items()}

    def dataset_of(self, asset: uuid.UUID) -> uuid.UUID:
        return self.column_dataset.get(asset, asset)

    def family(self, asset: uuid.UUID) -> set[uuid.UUID]:
        """The asset's dataset and all of that dataset's columns."""
        ds = self.dataset_of(asset)
        return {asset, ds, *self.columns_of.get(ds, ())}

    def next_hops(self, asset: uuid.UUID, tag: str) -> list[uuid.UUID]:
        """Assets that receive ``tag`` directly from ``asset`` (one hop), per the module rules."""
        ds = self.column_dataset.get(asset)
        if ds is not None:  # a column: column edges, then dataset fallback from its dataset
            out = [e.target_id for e in self.col_out.get(asset, ()) if e.carries(tag)]
            out += [e.target_id for e in self.fallback.get(ds, ()) if e.carries(tag)]
            return out
        out = []
        for target in self.ds_links.get(asset, ()):
            direct = self.ds_edge.get((asset, target))
            if direct is not None:
                if direct.carries(tag):
                    out.append(target)
            elif any(e.carries(tag) for e in self.pair_cols.get((asset, target), ())):
                out.append(target)
        return out


def canonical_origins(classifications: Iterable[Classification]) -> dict[uuid.UUID, Classification]:
    """Origin classification id -> classification, one per (asset, tag), only those that propagate."""
    best: dict[tuple[uuid.UUID, str], Classification] = {}
    for c in classifications:
        if c.source == ClassificationSource.PROPAGATED:
            continue
        k = (c.asset_id, c.tag)
        cur = best.get(k)
        if cur is None or _origin_rank(c) < _origin_rank(cur):
            best[k] = c
    return {c.id: c for c in best.values() if c.propagate}


def _origin_rank(c: Classification) -> tuple[int, datetime, str]:
    return (_SOURCE_RANK.get(c.source, 9), c.created_at, str(c.id))


def propagate_origin(graph: PropagationGraph, origin: Classification, limits: PropagationLimits,
                     deadline: float | None = None, clock: Callable[[], float] = time.perf_counter,
                     limits_hit: list[LimitHit] | None = None) -> list[PropagatedTag] | None:
    """Everything ``origin`` propagates to (BFS). ``None`` when the deadline passed mid-way."""
    start, tag = origin.asset_id, origin.tag
    parent: dict[uuid.UUID, uuid.UUID | None] = {start: None}
    depth: dict[uuid.UUID, int] = {start: 0}
    queue: deque[uuid.UUID] = deque([start])
    reached: list[uuid.UUID] = []
    pops = 0
    while queue:
        node = queue.popleft()
        pops += 1
        if deadline is not None and pops % 1024 == 0 and clock() > deadline:
            return None
        d = depth[node]
        if d >= limits.max_depth:
            continue
        hops = graph.next_hops(node, tag)
        if len(hops) > limits.max_fanout:
            if limits_hit is not None:
                limits_hit.append(LimitHit(origin.id, node, "max_fanout", len(hops)))
            continue
        for nxt in hops:
            if nxt not in parent:
                parent[nxt] = node
                depth[nxt] = d + 1
                reached.append(nxt)
                queue.append(nxt)
    out: list[PropagatedTag] = []
    for asset in reached:
        path = [asset]
        p = parent[asset]
        while p is not None:
            path.append(p)
            p = parent[p]
        path.reverse()
        out.append(PropagatedTag(asset, tag, start, origin.id, tuple(path)))
    return out


def propagate(graph: PropagationGraph, classifications: Iterable[Classification],
              limits: PropagationLimits | None = None, origins: Collection[uuid.UUID] | None = None,
              clock: Callable[[], float] = time.perf_counter) -> PropagationResult:
    """Desired propagated records and the diff against the stored ones.

    ``classifications`` holds the tenant's classifications of live assets, including the stored
    ``propagated`` rows. ``origins`` restricts the work to those origin classification ids (as
    returned by :func:`affected_origins`); ``None`` recomputes everything.
    """
    limits = limits or PropagationLimits()
    all_cls = list(classifications)
    canon = canonical_origins(all_cls)
    scope: set[uuid.UUID] | None = set(origins) if origins is not None else None
    todo = sorted((c for oid, c in canon.items() if scope is None or oid in scope), key=lambda c: str(c.id))
    deadline = clock() + limits.time_budget_s if limits.time_budget_s is not None else None
    result = PropagationResult()
    deferred: set[uuid.UUID] = set()
    for i, origin in enumerate(todo):
        if deadline is not None and clock() > deadline:
            deferred.update(c.id for c in todo[i:])
            break
        hits: list[LimitHit] = []
        tags = propagate_origin(graph, origin, limits, deadline, clock, hits)
        if tags is None:
            deferred.update(c.id for c in todo[i:])
            break
        result.desired.extend(tags)
        result.limits_hit.extend(hits)
    result.deferred_origins = sorted(deferred, key=str)

    stored: dict[tuple[uuid.UUID, str, uuid.UUID], Classification] = {}
    for c in all_cls:
        if c.source != ClassificationSource.PROPAGATED:
            continue
        if c.provenance is None:  # malformed row: only a full recompute may clean it up
            if scope is None:
                result.to_remove.append(c)
            continue
        oid = c.provenance.origin_classification_id
        if (scope is not None and oid not in scope) or oid in deferred:
            continue
        stored[(c.asset_id, c.tag, oid)] = c
    desired = {t.key: t for t in result.desired}
    for k, t in desired.items():
        old = stored.get(k)
        if old is None:
            result.to_add.append(t)
        elif old.provenance != t.provenance():
            result.to_update.append((old, t))
    result.to_remove.extend(c for k, c in stored.items() if k not in desired)
    return result


# --- incremental -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClassificationChanged:
    """A non-propagated classification was added, removed or had its ``propagate`` flag changed.

    ``classification_id`` is the id of the row that changed (needed for removals: the row is gone
    from the snapshot but its propagated records still point at it).
    """

    asset_id: uuid.UUID
    tag: str
    classification_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class EdgeChanged:
    """An edge was added, removed or updated (masking flag, block list, level)."""

    source_id: uuid.UUID
    target_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class AssetChanged:
    """An asset was deleted, restored or moved to another dataset.

    Contract: when deleting an asset also removes edges, pass an :class:`EdgeChanged` per removed edge
    too — the snapshot no longer shows them, so they cannot be inferred here.
    """

    asset_id: uuid.UUID


GraphChange = ClassificationChanged | EdgeChanged | AssetChanged


def affected_origins(changes: Iterable[GraphChange], graph: PropagationGraph,
                     classifications: Iterable[Classification]) -> set[uuid.UUID]:
    """Origin classification ids whose propagation may differ after ``changes`` (exact superset)."""
    all_cls = list(classifications)
    changes = list(changes)
    out: set[uuid.UUID] = set()
    touched: set[uuid.UUID] = set()  # assets whose outgoing propagation may differ
    for ch in changes:
        if isinstance(ch, ClassificationChanged):
            if ch.classification_id is not None:
                out.add(ch.classification_id)
            # Every candidate on (asset, tag): the canonical choice may move between them.
            out.update(c.id for c in all_cls if c.asset_id == ch.asset_id and c.tag == ch.tag
                       and c.source != ClassificationSource.PROPAGATED)
        elif isinstance(ch, EdgeChanged):
            # An edge change alters next hops of its source, and (fallback / lifted links) of every
            # column of the source's dataset and the dataset itself.
            touched |= graph.family(ch.source_id)
        else:
            touched |= graph.family(ch.asset_id)
    if touched:
        for c in all_cls:
            if c.asset_id not in touched:
                continue
            if c.source == ClassificationSource.PROPAGATED:
                if c.provenance is not None:
                    out.add(c.provenance.origin_classification_id)
            else:
                out.add(c.id)
    return out


def preview(graph: PropagationGraph, classifications: Iterable[Classification],
            add: Iterable[Classification] = (), remove: Iterable[uuid.UUID] = (),
            limits: PropagationLimits | None = None) -> PropagationResult:
    """What propagation would change if ``add`` were applied and ``remove`` (ids) deleted."""
    adds = list(add)
    removed = set(remove)
    before = list(classifications)
    gone = [c for c in before if c.id in removed]
    after = [c for c in before if c.id not in removed] + adds
    changes: list[GraphChange] = [ClassificationChanged(c.asset_id, c.tag, c.id) for c in (*adds, *gone)]
    scope = affected_origins(changes, graph, after)
    return propagate(graph, after, limits, origins=scope)
