"""Job runs, data-quality results and incidents: the assets a run or result names are ensured here;
merging a run's events and the quality rows is ``lily.store.runs``, an incident's timeline and
enrichment ``lily.store.incidents``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from lily.model import AssetRef, AssetType, ChangeKind, RecordQuality, RecordRun, UpsertIncident
from lily.store import incidents as incident_store
from lily.store import runs as run_store
from lily.store.apply.assets import ensure_asset, load
from lily.store.apply.context import CATALOG_EPOCH, ChangeSetContext
from lily.store.blast_radius import enrichment


def record_run(ctx: ChangeSetContext, op: RecordRun) -> None:
    job_id = ensure_asset(ctx, op.job, AssetType.JOB)
    io = [(ensure_asset(ctx, r), "input") for r in op.inputs]
    io += [(ensure_asset(ctx, r), "output") for r in op.outputs]
    # The versions the run read and wrote, from the rows at hand (the store would query them).
    versions = {aid: row["version"] for aid in (job_id, *(a for a, _ in io)) if (row := load(ctx, aid)) is not None}
    change = run_store.record_run(ctx.conn, ctx.tenant, ctx.at, op, job_id, io, versions, ctx.cache.runs)
    if change is not None:
        ctx.record(ChangeKind.RUN_UPDATED, "run", op.run_id, job_id, *change)


def record_quality(ctx: ChangeSetContext, op: RecordQuality) -> None:
    aid = ensure_asset(ctx, op.ref)
    stored = run_store.record_quality(ctx.conn, ctx.tenant, ctx.at, op, aid)
    if stored is not None:
        ctx.record(ChangeKind.QUALITY_RECORDED, "quality_result", stored[0], aid, None, stored[1])


def upsert_incident(ctx: ChangeSetContext, op: UpsertIncident) -> None:
    change = incident_store.upsert_incident(ctx.conn, ctx.tenant, ctx.at, op, enrich=_blast_radius_memo(ctx))
    if change is not None:
        ctx.record(ChangeKind.INCIDENT_UPDATED, "incident", change.id, change.asset_id, change.before, change.after)


def _blast_radius_memo(ctx: ChangeSetContext) -> Callable[..., dict[str, Any]]:
    """``blast_radius.enrichment`` computed once per set of affected assets and state of the catalog
    in this transaction's cache: every update of an incident recomputes its enrichment, and a
    monitoring tool sends several per incident (opened, acknowledged, owner, severity, resolved),
    many naming the same table, while nothing the enrichment reads (assets, edges, tags) changed.
    The memo holds while the cache has seen no catalog change (``CATALOG_EPOCH``); a hit is the
    document as computed, stamped with this update's time. Measured with
    ``benchmarks/inbound_real.py`` (Monte Carlo corpus: one table read by 50 dbt models):
    the enrichment was 86 % of the worker's apply time per webhook."""
    memo = ctx.cache.restated

    def enrich(conn: Connection, tenant: str, refs: list[AssetRef], *, depth: int, at: datetime) -> dict[str, Any]:
        key = ("blast_radius", tenant, tuple(refs), depth)
        epoch = memo.get(CATALOG_EPOCH, 0)
        hit = memo.get(key)
        if hit is not None and hit[0] == epoch:
            return {**hit[1], "computed_at": at.isoformat()}
        document = enrichment(conn, tenant, refs, depth=depth, at=at)
        memo[key] = (epoch, document)
        return document

    return enrich
