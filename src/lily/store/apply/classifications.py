"""Classifications (tags on assets), by where they come from:

- direct (a person or the API) and detected (a scanner, with a confidence): added and removed by
  ``add_classification`` / ``remove_classification``;
- imported from a source system: added the same way, and ``prune_imported`` removes what the
  source no longer declares for a dataset and its columns;
- propagated along lineage: ``set_propagated`` / ``retract_propagated``, keyed by their origin;
- detected by a pipeline's detector: ``sync_detected`` keeps its suggestions in step with what it
  finds, ``review`` records a person's verdict (confirmed: kept for good; rejected: deleted and
  remembered in ``classification_rejections`` so it is never suggested again).

A classification's id is ``model.identity.classification_id`` of (tenant, asset, tag, source,
origin): writing it again updates it in place.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import RowMapping, and_, bindparam, delete, insert, select, update

from lily.model import (
    AddClassification,
    AssetStatus,
    AssetType,
    ChangeKind,
    ClassificationSource,
    ClassificationStatus,
    PruneImportedClassifications,
    RemoveClassification,
    ReviewClassification,
    SyncDetectedClassifications,
    asset_id,
    classification_id,
)
from lily.model.events import RetractPropagated, SetPropagated
from lily.store import bulk
from lily.store.apply.assets import active_columns, load
from lily.store.apply.context import ChangeSetContext, UnknownAsset, as_json
from lily.store.tables import assets, classification_rejections, classifications

# The columns a classification is written with (``id``, ``tenant_id`` and ``created_at`` are set apart).
_FIELDS = ("asset_id", "tag", "source", "propagate", "origin_key", "provenance", "confidence", "status",
           "evidence", "created_by")
# What an update may change on a stored classification.
_MUTABLE = ("propagate", "provenance", "confidence", "status", "evidence")
# Evidence that says when and by which run a score was found: a run that finds the same score
# again changes nothing (no write, no change record).
_VOLATILE = frozenset({"run_id", "detected_at", "process_date"})
_DETECTED = ClassificationSource.DETECTED.value
# Every tag an event names is looked up and, when new, inserted: prebuilt, through store.bulk's
# driver-level plan (a fresh select and insert per tag were 60 % of applying a generic event).
_BY_ID = select(classifications).where(classifications.c.id == bindparam("id"))
_INSERT = insert(classifications)


def add_classification(ctx: ChangeSetContext, op: AddClassification) -> None:
    aid = asset_id(ctx.tenant, op.ref)
    current = load(ctx, aid)
    if current is None or current["status"] != AssetStatus.ACTIVE.value:
        raise UnknownAsset(op.ref)
    put_classification(ctx, {
        "asset_id": aid, "tag": op.tag, "source": op.source.value, "propagate": op.propagate,
        "origin_key": "", "provenance": None, "confidence": op.confidence, "created_by": ctx.actor,
    })


def put_classification(ctx: ChangeSetContext, row: dict[str, Any]) -> None:
    """Insert the classification of ``row``, or update how it propagates and why where that differs."""
    cid = classification_id(ctx.tenant, row["asset_id"], row["tag"], row["source"], row["origin_key"])
    found = bulk.query_dicts(ctx.conn, _BY_ID, {"id": cid})
    current = found[0] if found else None
    values = {k: row.get(k) for k in _FIELDS}
    if current is None:
        values.update(id=cid, tenant_id=ctx.tenant, created_at=ctx.at)
        bulk.executemany(ctx.conn, _INSERT, [values])
        ctx.record(ChangeKind.CLASSIFICATION_ADDED, "classification", cid, row["asset_id"], None, as_json(values))
    else:
        diff = {k: values[k] for k in _MUTABLE if current[k] != values[k]}
        if not diff:
            return
        ctx.conn.execute(update(classifications).where(classifications.c.id == cid).values(**diff))
        ctx.record(ChangeKind.CLASSIFICATION_ADDED, "classification", cid, row["asset_id"],
                   as_json({k: current[k] for k in diff}), as_json({**values, "id": cid}))
    _tags_changed(ctx, row["asset_id"])


def remove_classification(ctx: ChangeSetContext, op: RemoveClassification) -> None:
    aid = asset_id(ctx.tenant, op.ref)
    _delete(ctx, ctx.conn.execute(select(classifications).where(and_(
        classifications.c.tenant_id == ctx.tenant, classifications.c.asset_id == aid,
        classifications.c.tag == op.tag, classifications.c.source == op.source.value,
        classifications.c.origin_key == ""))).mappings().all())


def prune_imported(ctx: ChangeSetContext, op: PruneImportedClassifications) -> None:
    aid = asset_id(ctx.tenant, op.ref)
    if load(ctx, aid) is None:
        return
    keep = {(asset_id(ctx.tenant, op.ref.column(fld) if fld else op.ref), tag) for fld, tag in op.keep}
    ids = [aid, *active_columns(ctx, aid)]
    rows = ctx.conn.execute(select(classifications).where(
        classifications.c.tenant_id == ctx.tenant, classifications.c.asset_id.in_(ids),
        classifications.c.source == ClassificationSource.IMPORTED.value,
    ).order_by(classifications.c.id)).mappings().all()
    _delete(ctx, [row for row in rows if (row["asset_id"], row["tag"]) not in keep])


def set_propagated(ctx: ChangeSetContext, op: SetPropagated) -> None:
    """A propagated copy of an origin's tag.

    Not checked against ``assets``: the propagation consumer computes it from the live assets it
    read in this same transaction, and asset rows are never hard-deleted (one query less per row
    matters when one tag fans out to thousands of columns).
    """
    put_classification(ctx, {
        "asset_id": op.asset_id, "tag": op.tag, "source": "propagated", "propagate": False,
        "origin_key": str(op.origin_classification_id), "provenance": op.provenance.model_dump(mode="json"),
        "confidence": None, "created_by": ctx.actor,
    })


def retract_propagated(ctx: ChangeSetContext, op: RetractPropagated) -> None:
    _delete(ctx, ctx.conn.execute(select(classifications).where(and_(
        classifications.c.tenant_id == ctx.tenant, classifications.c.asset_id == op.asset_id,
        classifications.c.tag == op.tag, classifications.c.source == "propagated",
        classifications.c.origin_key == str(op.origin_classification_id)))).mappings().all())


def _declared_columns(ctx: ChangeSetContext, dataset: uuid.UUID) -> dict[str, uuid.UUID]:
    """Live columns of ``dataset`` that a schema declared (they have a type): field -> id.
    Placeholders that lineage created for a column nobody described are left out."""
    out = {}
    for cid, ref in active_columns(ctx, dataset).items():
        row = load(ctx, cid)
        if row is not None and (row.get("attributes") or {}).get("data_type") is not None:
            out[ref.field] = cid
    return out


def _dropped_columns(ctx: ChangeSetContext, dataset: uuid.UUID) -> list[uuid.UUID]:
    """Deleted columns of ``dataset`` (by parent alone: see ``ApplyCache.prefetch``)."""
    rows = ctx.conn.execute(select(assets.c.id, assets.c.tenant_id, assets.c.type, assets.c.status).where(
        assets.c.parent_id == dataset)).all()
    return [r.id for r in rows if r.tenant_id == ctx.tenant and r.type == AssetType.COLUMN.value
            and r.status == AssetStatus.DELETED.value]


def _detected_rows(ctx: ChangeSetContext, ids: Sequence[uuid.UUID]) -> dict[tuple[uuid.UUID, str], RowMapping]:
    rows = ctx.conn.execute(select(classifications).where(
        classifications.c.tenant_id == ctx.tenant, classifications.c.asset_id.in_(ids),
        classifications.c.source.in_([_DETECTED, ClassificationSource.DIRECT.value]),
        classifications.c.origin_key == "",
    ).order_by(classifications.c.id)).mappings().all()
    return {(r["asset_id"], r["tag"] if r["source"] == _DETECTED else f"direct:{r['tag']}"): r for r in rows}


def _rejected(ctx: ChangeSetContext, ids: Sequence[uuid.UUID]) -> dict[tuple[uuid.UUID, str], RowMapping]:
    rows = ctx.conn.execute(select(classification_rejections).where(
        classification_rejections.c.tenant_id == ctx.tenant,
        classification_rejections.c.asset_id.in_(ids))).mappings().all()
    return {(r["asset_id"], r["tag"]): r for r in rows}


def _same_score(row: RowMapping, confidence: float, evidence: dict[str, Any]) -> bool:
    before = {k: v for k, v in (row["evidence"] or {}).items() if k not in _VOLATILE}
    after = {k: v for k, v in as_json(evidence).items() if k not in _VOLATILE}
    return row["confidence"] == confidence and before == after


def sync_detected(ctx: ChangeSetContext, op: SyncDetectedClassifications) -> None:
    """Bring ``op.detector``'s suggestions on the dataset's columns in line with what it found."""
    dataset = asset_id(ctx.tenant, op.ref)
    current = load(ctx, dataset)
    if current is None or current["status"] != AssetStatus.ACTIVE.value:
        return
    columns = _declared_columns(ctx, dataset)
    # The dataset's columns no longer declared (a re-scan dropped them) lose their suggestions too.
    ids = sorted({*columns.values(), *_dropped_columns(ctx, dataset)})
    if not ids:
        return
    stored, rejected = _detected_rows(ctx, ids), _rejected(ctx, ids)
    found: set[tuple[uuid.UUID, str]] = set()
    for item in op.found:
        cid = columns.get(item.field)
        if cid is None:
            continue
        key = (cid, item.tag)
        found.add(key)
        if key in rejected or (cid, f"direct:{item.tag}") in stored:
            continue  # a person said no, or already said it
        row = stored.get(key)
        evidence = {**item.evidence, "detector": op.detector}
        if row is not None and (row["status"] == ClassificationStatus.CONFIRMED.value
                                or _same_score(row, item.confidence, evidence)):
            continue
        put_classification(ctx, {
            "asset_id": cid, "tag": item.tag, "source": _DETECTED, "propagate": True, "origin_key": "",
            "provenance": None, "confidence": item.confidence, "status": ClassificationStatus.SUGGESTED.value,
            "evidence": as_json(evidence),
            "created_by": row["created_by"] if row is not None else ctx.actor,
        })
    _delete(ctx, [row for key, row in stored.items()
                  if row["source"] == _DETECTED and key not in found
                  and row["status"] == ClassificationStatus.SUGGESTED.value
                  and (row["evidence"] or {}).get("detector") == op.detector])


def review(ctx: ChangeSetContext, op: ReviewClassification) -> None:
    """Confirm or reject the detected ``op.tag`` of an asset (nothing to review: nothing happens)."""
    aid = asset_id(ctx.tenant, op.ref)
    key = (aid, op.tag)
    row = _detected_rows(ctx, [aid]).get(key)
    rejection = _rejected(ctx, [aid]).get(key)
    verdict = {"reviewed_by": ctx.actor, "reviewed_at": ctx.at.isoformat()}
    if op.decision == "confirmed":
        if row is not None and row["status"] == ClassificationStatus.CONFIRMED.value:
            return
        base = row if row is not None else rejection
        if base is None:
            return
        put_classification(ctx, {
            "asset_id": aid, "tag": op.tag, "source": _DETECTED, "propagate": row["propagate"] if row else True,
            "origin_key": "", "provenance": None, "confidence": base["confidence"],
            "status": ClassificationStatus.CONFIRMED.value, "evidence": {**(base["evidence"] or {}), **verdict},
            "created_by": row["created_by"] if row is not None else ctx.actor,
        })
        if rejection is not None:
            ctx.conn.execute(delete(classification_rejections).where(
                classification_rejections.c.tenant_id == ctx.tenant, classification_rejections.c.asset_id == aid,
                classification_rejections.c.tag == op.tag))
        return
    if row is None:
        return
    _delete(ctx, [row])
    values = {"confidence": row["confidence"], "evidence": {**(row["evidence"] or {}), **verdict},
              "rejected_by": ctx.actor, "rejected_at": ctx.at}
    if rejection is None:
        ctx.conn.execute(insert(classification_rejections).values(tenant_id=ctx.tenant, asset_id=aid, tag=op.tag,
                                                                  **values))
    else:
        ctx.conn.execute(update(classification_rejections).where(
            classification_rejections.c.tenant_id == ctx.tenant, classification_rejections.c.asset_id == aid,
            classification_rejections.c.tag == op.tag).values(**values))


def _delete(ctx: ChangeSetContext, rows: Sequence[RowMapping]) -> None:
    """Delete the classification ``rows``, in their order, each with its change."""
    for row in rows:
        aid: uuid.UUID = row["asset_id"]
        ctx.conn.execute(delete(classifications).where(classifications.c.id == row["id"]))
        ctx.record(ChangeKind.CLASSIFICATION_REMOVED, "classification", row["id"], aid, as_json(dict(row)), None)
        _tags_changed(ctx, aid)


def _tags_changed(ctx: ChangeSetContext, aid: uuid.UUID) -> None:
    """Mark the documents holding ``aid``'s tags: its own, and its dataset's when it is a column (a
    dataset's document holds its columns' tags; the column's change alone left it stale)."""
    ctx.dirty_docs.add(aid)
    row = load(ctx, aid)
    if row is not None and row["field"] and row["parent_id"] is not None:
        ctx.dirty_docs.add(row["parent_id"])
