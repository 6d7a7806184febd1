"""The propagation consumer: change feed -> affected origins -> propagated classifications.

Per tenant and per batch, in ONE transaction: lock and read the consumer's offset, read the next
changes, map them to the origins whose propagation may differ (``affected_origins``), load just the
part of the graph those origins reach, run ``propagate`` and write the diff through the one apply
path (``SetPropagated`` / ``RetractPropagated`` -> state + changes + audit), then commit the offset.
A crash anywhere leaves either everything or nothing, so every change is processed exactly once.

Its own writes come back on the feed as ``classification.*`` changes of ``source=propagated``; they
are skipped (propagated rows are never origins) but the outbound planner reacts to them.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Connection

from lily import tracing
from lily.bus.commits import notify_committed
from lily.governance.propagation import (
    AssetChanged,
    ClassificationChanged,
    EdgeChanged,
    GraphChange,
    LimitHit,
    PropagationLimits,
    PropagationResult,
    affected_origins,
    propagate,
)
from lily.governance.snapshot import Snapshot, SnapshotLoader
from lily.model.change import Change, ChangeKind
from lily.model.events import ChangeSet, MetadataEvent, RetractPropagated, SetPropagated
from lily.observability import Metrics, log
from lily.store import Store
from lily.store import governance as repo
from lily.store import governance_snapshot as graph_repo
from lily.store.apply import apply_in
from lily.store.feed import changes_after, commit_offset, get_offset
from lily.store.lineage import get_edge

CONSUMER = "propagation"
ACTOR = "system:propagation"
CAUSE_PREFIX = "change:"  # cause_event_id of propagated changes: the root change's seq

_CLASSIFICATION = {ChangeKind.CLASSIFICATION_ADDED, ChangeKind.CLASSIFICATION_REMOVED}
_LINEAGE = {ChangeKind.LINEAGE_ADDED, ChangeKind.LINEAGE_UPDATED, ChangeKind.LINEAGE_REMOVED}
_ASSET = {ChangeKind.ASSET_CREATED, ChangeKind.ASSET_DELETED, ChangeKind.ASSET_RENAMED, ChangeKind.ASSET_UPDATED}
# Edge/asset fields that can change where a tag flows (a new run id on an edge changes nothing).
_EDGE_FIELDS = {"level", "masking", "block_list", "source_id", "target_id"}
_ASSET_FIELDS = {"parent_id", "status", "type"}


@dataclass(frozen=True, slots=True)
class _Batch:
    offset: int
    batch: list[Change]
    scope: set[uuid.UUID]  # origins the batch's changes may affect


@dataclass(slots=True)
class RoundResult:
    """What one propagation round did for one tenant."""

    tenant_id: str
    changes: int = 0
    origins: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    deferred: int = 0
    limits_hit: list[LimitHit] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def written(self) -> int:
        return self.added + self.updated + self.removed


def root_cause(change: Change) -> tuple[int, str | None]:
    """(seq, correlation id) of the change that started the chain leading to ``change``."""
    if change.actor == ACTOR and change.cause_event_id and change.cause_event_id.startswith(CAUSE_PREFIX):
        return int(change.cause_event_id[len(CAUSE_PREFIX):]), change.correlation_id
    return change.seq, change.correlation_id


def graph_changes(conn: Connection, tenant_id: str, changes: Iterable[Change]) -> tuple[list[GraphChange], set[uuid.UUID]]:
    """Feed changes as propagation inputs, plus the assets they touch. Irrelevant changes are dropped."""
    out: list[GraphChange] = []
    seeds: set[uuid.UUID] = set()
    changed_assets: set[uuid.UUID] = set()
    for ch in changes:
        before, after = ch.before or {}, ch.after or {}
        if ch.kind in _CLASSIFICATION:
            if (after.get("source") or before.get("source")) == "propagated" or ch.asset_id is None:
                continue
            out.append(ClassificationChanged(ch.asset_id, after.get("tag") or before["tag"], uuid.UUID(ch.entity_id)))
            seeds.add(ch.asset_id)
        elif ch.kind in _LINEAGE:
            if ch.kind == ChangeKind.LINEAGE_UPDATED and not (_EDGE_FIELDS & set(after)):
                continue
            src, dst = after.get("source_id") or before.get("source_id"), after.get("target_id") or before.get("target_id")
            if src is None or dst is None:  # an update records only the changed fields
                edge = get_edge(conn, tenant_id, uuid.UUID(ch.entity_id))
                if edge is None:  # removed since: its removal is a change of its own
                    continue
                src, dst = edge.source_id, edge.target_id
            out.append(EdgeChanged(uuid.UUID(str(src)), uuid.UUID(str(dst))))
            seeds.add(uuid.UUID(str(src)))
        elif ch.kind in _ASSET and ch.asset_id is not None:
            if ch.kind == ChangeKind.ASSET_UPDATED and not (_ASSET_FIELDS & set(after)):
                continue
            out.append(AssetChanged(ch.asset_id))
            seeds.add(ch.asset_id)
            changed_assets.add(ch.asset_id)
    # Edges can be recorded while an end is deleted (they are not traversed then); when the asset
    # comes back, origins upstream of it may reach it again, so its incoming edges count as changed.
    for edge in graph_repo.edges_into(conn, tenant_id, changed_assets):
        out.append(EdgeChanged(edge[0], edge[1]))
        seeds.add(edge[0])
    # A tag on a dataset flows through its columns' edges. A deleted column is not in the live graph,
    # so ``affected_origins`` cannot find its dataset (and the tags there) from it: name the
    # dataset of every changed column as changed too (a superset, as ``affected_origins`` allows).
    structural = {c.source_id if isinstance(c, EdgeChanged) else c.asset_id for c in out
                  if isinstance(c, EdgeChanged | AssetChanged)}
    for dataset in graph_repo.datasets_of_columns(conn, tenant_id, structural):
        out.append(AssetChanged(dataset))
        seeds.add(dataset)
    return out, seeds


def diff_operations(result: PropagationResult) -> list[MetadataEvent]:
    """The apply-path operations for a propagation diff: retractions first, then writes."""
    ops: list[MetadataEvent] = []
    for c in result.to_remove:
        if c.provenance is None:
            log.warning("propagated_row_without_provenance", classification_id=str(c.id))
            continue
        ops.append(RetractPropagated(asset_id=c.asset_id, tag=c.tag,
                                     origin_classification_id=c.provenance.origin_classification_id))
    for t in [*result.to_add, *(d for _, d in result.to_update)]:
        ops.append(SetPropagated(asset_id=t.asset_id, tag=t.tag, origin_classification_id=t.origin_classification_id,
                                 provenance=t.provenance()))
    return ops


def _unbudgeted(limits: PropagationLimits) -> PropagationLimits:
    return PropagationLimits(limits.max_depth, limits.max_fanout, None)


class PropagationConsumer:
    """Processes the change feed of every tenant; safe to run in several processes at once."""

    def __init__(self, store: Store, limits: PropagationLimits | None = None, batch_size: int = 500,
                 metrics: Metrics | None = None, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.store = store
        self.limits = limits or PropagationLimits()
        self.batch_size = batch_size
        self.metrics = metrics
        self.clock = clock

    # -- incremental ---------------------------------------------------------------------------
    def run_tenant(self, tenant_id: str) -> RoundResult:
        """One batch of the tenant's feed (and any origins deferred by an earlier time budget)."""
        started = time.perf_counter()
        result = RoundResult(tenant_id)
        # The batch and what it touches are read before the write transaction: on SQLite that
        # transaction holds the one write lock, and reading a burst's changes (an S3 export's objects,
        # a crawl) inside it held the inbound worker back for milliseconds every round. The batch is
        # a committed, immutable stretch of the feed; what changes after the read is a later change,
        # handled by the next round.
        with self.store.read() as conn:
            read = self._read_batch(conn, tenant_id, get_offset(conn, CONSUMER, tenant_id))
        with self.store.write() as conn:
            now = self.clock()
            offset = repo.lock_offset(conn, CONSUMER, tenant_id, now)
            if offset != read.offset:  # another worker moved it meanwhile: read again, under the lock
                read = self._read_batch(conn, tenant_id, offset)
            batch = read.batch
            pending = repo.pending_origins(conn, tenant_id)
            if not batch and not pending:
                return result
            loader = SnapshotLoader(conn, tenant_id)
            scope = set(pending) | read.scope
            deferred: set[uuid.UUID] = set()
            own: tuple[int | None, int | None] = (None, None)
            if scope:
                snap = loader.for_origins(scope, max_depth=self.limits.max_depth)
                # Origins already deferred once run without a budget: an origin bigger than the
                # budget on its own would otherwise be deferred forever.
                limits = self.limits if batch else _unbudgeted(self.limits)
                causes = [c for c in batch if c.actor != ACTOR] or batch
                # The round continues the trace of the change it answers to (the last, as its cause).
                with tracing.span("lily.propagation", parent=causes[-1].traceparent if causes else None,
                                  tenant=tenant_id, origins=len(scope)):
                    deferred, own = self._propagate(conn, tenant_id, snap, scope, causes, result, now, limits)
            if pending or deferred:
                repo.set_pending(conn, tenant_id, scope, deferred, now)
            done = batch[-1].seq if batch else offset
            if own[0] is not None and own[0] == done + 1:
                # Our own changes follow the batch directly (nothing else committed in between):
                # skip them now rather than read them back next round — they would be ignored.
                done = own[1] or done
            if done != offset:
                commit_offset(conn, CONSUMER, tenant_id, done, now)
            result.changes = len(batch)
        if result.written:
            notify_committed(self.store.engine, tenant_id)
        result.seconds = time.perf_counter() - started
        self._observe(result)
        return result

    def _read_batch(self, conn: Connection, tenant_id: str, offset: int) -> _Batch:
        """The changes after ``offset`` and the origins they may affect."""
        batch = changes_after(conn, tenant_id, offset, self.batch_size)
        gchanges, seeds = graph_changes(conn, tenant_id, batch)
        scope: set[uuid.UUID] = set()
        if gchanges:
            fam_graph, fam_cls = SnapshotLoader(conn, tenant_id).touched(seeds)
            scope = affected_origins(gchanges, fam_graph, fam_cls)
        return _Batch(offset, batch, scope)

    def _propagate(self, conn: Connection, tenant_id: str, snap: Snapshot, scope: set[uuid.UUID],
                   causes: list[Change], result: RoundResult, now: datetime,
                   limits: PropagationLimits) -> tuple[set[uuid.UUID], tuple[int | None, int | None]]:
        """Compute and write the diff for ``scope``.

        Returns the origins deferred by the time budget and the (first, last) seq of the changes written.
        """
        outcome = propagate(snap.graph(), snap.classifications, limits, origins=scope)
        deferred = set(outcome.deferred_origins)
        result.origins = len(scope) - len(deferred)
        result.added, result.updated, result.removed = len(outcome.to_add), len(outcome.to_update), len(outcome.to_remove)
        result.deferred = len(deferred)
        result.limits_hit = list(outcome.limits_hit)
        for hit in outcome.limits_hit:
            log.warning("propagation_limit_hit", tenant=tenant_id, origin=str(hit.origin_classification_id),
                        asset=str(hit.asset_id), limit=hit.limit, value=hit.value)
        ops = diff_operations(outcome)
        written: tuple[int | None, int | None] = (None, None)
        if ops:
            seq, corr = root_cause(causes[-1]) if causes else (None, None)
            applied = apply_in(conn, ChangeSet(
                tenant_id=tenant_id, actor=ACTOR, operations=ops, at=now,
                cause_event_id=f"{CAUSE_PREFIX}{seq}" if seq is not None else None, correlation_id=corr,
                traceparent=tracing.traceparent()))
            written = (applied.first_seq, applied.last_seq)
        return deferred, written

    def behind(self) -> bool:
        """Whether some tenant has changes (or deferred origins) not processed yet."""
        with self.store.read() as conn:
            return bool(repo.tenants_behind(conn, CONSUMER) or repo.tenants_with_pending(conn))

    def drain(self, max_rounds: int = 10_000) -> list[RoundResult]:
        """Process every tenant until the feed is caught up (returns the rounds that did something)."""
        done: list[RoundResult] = []
        for _ in range(max_rounds):
            with self.store.read() as conn:
                todo = sorted(set(repo.tenants_behind(conn, CONSUMER)) | set(repo.tenants_with_pending(conn)))
            if not todo:
                break
            for tenant in todo:
                r = self.run_tenant(tenant)
                if r.changes or r.written or r.origins:
                    done.append(r)
        return done

    # -- full recompute ------------------------------------------------------------------------
    def recompute(self, tenant_id: str) -> RoundResult:
        """Recompute every origin of the tenant (reconcile); no time budget, so nothing is deferred."""
        started = time.perf_counter()
        result = RoundResult(tenant_id)
        with self.store.write() as conn:
            now = self.clock()
            snap = SnapshotLoader(conn, tenant_id).full()
            outcome = propagate(snap.graph(), snap.classifications, _unbudgeted(self.limits))
            result.added, result.updated, result.removed = len(outcome.to_add), len(outcome.to_update), len(outcome.to_remove)
            result.limits_hit = list(outcome.limits_hit)
            ops = diff_operations(outcome)
            if ops:
                apply_in(conn, ChangeSet(tenant_id=tenant_id, actor=ACTOR, operations=ops, at=now,
                                         correlation_id="reconcile"))
            repo.set_pending(conn, tenant_id, repo.pending_origins(conn, tenant_id), set(), now)
        if result.written:
            notify_committed(self.store.engine, tenant_id)
        result.seconds = time.perf_counter() - started
        self._observe(result)
        return result

    def _observe(self, r: RoundResult) -> None:
        m = self.metrics
        if m is None or not (r.changes or r.written):
            return
        m.propagation_seconds.observe(r.seconds)
        m.propagation_fanout.observe(r.written)
        for hit in r.limits_hit:
            m.propagation_limits_hit.labels(hit.limit).inc()
