"""Classifications (tags on assets), by where they come from:

- direct (a person or the API) and detected (a scanner, with a confidence): added and removed by
  ``add_classification`` / ``remove_classification``;
- imported from a source system: added the same way, and ``prune_imported`` removes what the
  source no longer declares for a dataset and its columns;
- propagated along lineage: ``set_propagated`` / ``retract_propagated``, keyed by their origin.

A classification's id is ``model.identity.classification_id`` of (tenant, asset, tag, source,
origin): writing it again updates it in place.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import RowMapping, and_, delete, insert, select, update

from lily.model import (
    AddClassification,
    AssetStatus,
    ChangeKind,
    ClassificationSource,
    PruneImportedClassifications,
    RemoveClassification,
    asset_id,
    classification_id,
)
from lily.model.events import RetractPropagated, SetPropagated
from lily.store.apply.assets import active_columns, load
from lily.store.apply.context import ChangeSetContext, UnknownAsset, as_json
from lily.store.tables import classifications

# The columns a classification is written with (``id``, ``tenant_id`` and ``created_at`` are set apart).
_FIELDS = ("asset_id", "tag", "source", "propagate", "origin_key", "provenance", "confidence", "created_by")


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
    current = ctx.conn.execute(select(classifications).where(classifications.c.id == cid)).mappings().first()
    values = {k: row[k] for k in _FIELDS}
    if current is None:
        values.update(id=cid, tenant_id=ctx.tenant, created_at=ctx.at)
        ctx.conn.execute(insert(classifications).values(**values))
        ctx.record(ChangeKind.CLASSIFICATION_ADDED, "classification", cid, row["asset_id"], None, as_json(values))
    else:
        diff = {k: values[k] for k in ("propagate", "provenance", "confidence") if current[k] != values[k]}
        if not diff:
            return
        ctx.conn.execute(update(classifications).where(classifications.c.id == cid).values(**diff))
        ctx.record(ChangeKind.CLASSIFICATION_ADDED, "classification", cid, row["asset_id"],
                   as_json({k: current[k] for k in diff}), as_json({**values, "id": cid}))
    ctx.dirty_docs.add(row["asset_id"])


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


def _delete(ctx: ChangeSetContext, rows: Sequence[RowMapping]) -> None:
    """Delete the classification ``rows``, in their order, each with its change."""
    for row in rows:
        aid: uuid.UUID = row["asset_id"]
        ctx.conn.execute(delete(classifications).where(classifications.c.id == row["id"]))
        ctx.record(ChangeKind.CLASSIFICATION_REMOVED, "classification", row["id"], aid, as_json(dict(row)), None)
        ctx.dirty_docs.add(aid)
