"""The one apply path: a ChangeSet becomes state + ordered changes + an audit record, atomically.

Every writer goes through ``apply``: API calls, inbound events, pipelines and propagation. State
rows and their change rows are written in the same transaction (transactional outbox), so a
consumer of the change feed never sees a change without its state or state without its change.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Table, and_, bindparam, delete, insert, or_, select, update

from lily.model import (
    AddClassification,
    AddLineage,
    AssetRef,
    AssetStatus,
    AssetType,
    ChangeKind,
    ChangeSet,
    ClassificationSource,
    DeleteAsset,
    PruneImportedClassifications,
    RecordQuality,
    RecordRun,
    RemoveClassification,
    RemoveLineage,
    RenameAsset,
    UpsertAsset,
    UpsertIncident,
    asset_id,
    classification_id,
    stable_id,
)
from lily.model.events import RetractPropagated, SetPropagated
from lily.store import bulk, search
from lily.store import incidents as incident_store
from lily.store import runs as run_store
from lily.store.apply_cache import ABSENT, ApplyCache, restated_key
from lily.store.tables import (
    asset_history,
    assets,
    audit_log,
    changes,
    classifications,
    lineage_edges,
    tenants,
)

# Fields of an asset snapshot recorded in before/after of changes (facets can be large and are
# summarised by their names).
_SNAPSHOT_FIELDS = ("type", "namespace", "name", "field", "parent_id", "display_name", "description",
                    "owners", "attributes", "status", "version")


class ApplyError(Exception):
    """An operation cannot be applied (the whole change set is rolled back)."""


class UnknownAsset(ApplyError):
    def __init__(self, ref: AssetRef) -> None:
        super().__init__(f"asset not found: {ref.qualified_name}")
        self.ref = ref


@dataclass
class PendingChange:
    kind: ChangeKind
    entity_type: str
    entity_id: str
    asset_id: uuid.UUID | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass
class ApplyResult:
    changes: list[dict[str, Any]] = field(default_factory=list)
    first_seq: int | None = None
    last_seq: int | None = None
    asset_ids: dict[AssetRef, uuid.UUID] = field(default_factory=dict)


# Asset fields that appear in search documents: a change elsewhere does not rebuild the document.
_DOC_FIELDS = frozenset(("type", "namespace", "name", "field", "display_name", "description", "status"))
def _json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _snapshot(row: dict[str, Any]) -> dict[str, Any]:
    snap = {k: row.get(k) for k in _SNAPSHOT_FIELDS}
    snap["facets"] = sorted((row.get("facets") or {}).keys())
    return _json(snap)


class _Writer:
    """Applies operations of one change set on one connection, collecting change records."""

    def __init__(self, conn: Connection, cs: ChangeSet, at: datetime, cache: ApplyCache | None = None) -> None:
        self.conn = conn
        self.cache = cache if cache is not None else ApplyCache()
        self.tenant = cs.tenant_id
        self.actor = cs.actor
        self.at = at
        self.pending: list[PendingChange] = []
        self.dirty_docs: set[uuid.UUID] = set()
        self.result = ApplyResult()

    # ----------------------------------------------------------------- helpers
    def _record(self, kind: ChangeKind, entity_type: str, entity_id: object, aid: uuid.UUID | None,
                before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
        self.pending.append(PendingChange(kind, entity_type, str(entity_id), aid, before, after))

    def _cached(self, rows: dict[uuid.UUID, dict[str, Any]], table: Table, key: uuid.UUID) -> dict[str, Any] | None:
        """The row ``key`` of ``table`` through the transaction cache (read-only: callers copy it)."""
        cached = rows.get(key)
        if cached is None:
            found = self.conn.execute(select(table).where(table.c.id == key)).mappings().first()
            cached = dict(found) if found else ABSENT
            rows[key] = cached
        # Ids are UUIDv5 of (tenant, identity): another tenant's row cannot have this id, but check.
        return cached if cached is not ABSENT and cached["tenant_id"] == self.tenant else None

    def _load(self, aid: uuid.UUID) -> dict[str, Any] | None:
        return self._cached(self.cache.assets, assets, aid)

    def _history(self, row: dict[str, Any]) -> None:
        self.conn.execute(insert(asset_history).values(
            asset_id=row["id"], version=row["version"], tenant_id=self.tenant,
            snapshot=_json({**row, "facets": row.get("facets") or {}}), at=self.at,
        ))

    def ensure_asset(self, ref: AssetRef, type_: AssetType | None = None) -> uuid.UUID:
        """Id of ``ref``, creating a placeholder asset when nothing declared it yet (no dangling edges)."""
        aid = asset_id(self.tenant, ref)
        if self._load(aid) is None:
            default = AssetType.COLUMN if ref.field else AssetType.DATASET
            self.upsert(UpsertAsset(ref=ref, type=type_ or default,
                                    parent=ref.dataset() if ref.field else None))
        return aid

    # -------------------------------------------------------------- operations
    def upsert(self, op: UpsertAsset) -> uuid.UUID:
        aid = asset_id(self.tenant, op.ref)
        key = restated_key(self.tenant, op)
        seen = self.cache.restated.get(key)
        if seen is not None and self._unchanged_since(seen, op, aid):
            self.result.asset_ids.update(seen[3])
            return aid
        ids_before = len(self.result.asset_ids)
        self._upsert(op, aid)
        self._remember_upsert(key, op, aid, ids_before)
        return aid

    def _unchanged_since(self, seen: tuple[Any, ...], op: UpsertAsset, aid: uuid.UUID) -> bool:
        """Whether ``op`` restates what was applied last for ``aid`` onto rows nobody replaced since."""
        previous, rows, columns, _ = seen
        # Parsers hand the same operation object to events that restate it: compared at once.
        if (op is not previous and op != previous) or not self._same_rows(rows):
            return False
        return columns is None or tuple(self.cache.columns.get(aid) or ()) == columns

    def _remember_upsert(self, key: Any, op: UpsertAsset, aid: uuid.UUID, ids_before: int) -> None:
        ids = list(self.result.asset_ids.items())[ids_before:]  # this asset and its columns
        rows = self._cached_rows(rid for _, rid in ids)
        if rows is None or len(ids) != 1 + len(op.columns or ()):
            return  # not every row it wrote is cached (or the ids map already had some): no shortcut
        columns = None
        if op.replace_columns:
            known = self.cache.columns.get(aid)
            if known is None:
                return  # the active columns were read from the database: nothing to compare with
            columns = tuple(known)
        self.cache.restated[key] = (op, rows, columns, ids)

    def _upsert(self, op: UpsertAsset, aid: uuid.UUID) -> None:
        self.result.asset_ids[op.ref] = aid
        parent_ref = op.parent or (op.ref.dataset() if op.ref.field else None)
        parent_id = asset_id(self.tenant, parent_ref) if parent_ref else None
        current = self._load(aid)
        if current is None:
            row: dict[str, Any] = {
                "id": aid, "tenant_id": self.tenant, "type": op.type.value,
                "namespace": op.ref.namespace, "name": op.ref.name, "field": op.ref.field,
                "parent_id": parent_id, "display_name": op.display_name, "description": op.description,
                "owners": [o.model_dump(exclude_none=True) for o in op.owners or []],
                "attributes": dict(op.attributes),
                "facets": {k: v for k, v in op.facets.items() if k not in op.deleted_facets},
                "status": AssetStatus.ACTIVE.value, "version": 1,
                "created_at": self.at, "updated_at": self.at, "deleted_at": None,
            }
            self.conn.execute(insert(assets).values(**row))
            self.cache.put_asset(row)
            self._history(row)
            self._record(ChangeKind.ASSET_CREATED, "asset", aid, aid, None, _snapshot(row))
            doc_changed = True
        else:
            new = dict(current)
            new["type"] = op.type.value
            if parent_id is not None:
                new["parent_id"] = parent_id
            if op.display_name is not None:
                new["display_name"] = op.display_name
            if op.description is not None:
                new["description"] = op.description
            if op.owners is not None:
                new["owners"] = [o.model_dump(exclude_none=True) for o in op.owners]
            if op.attributes:
                new["attributes"] = {**(current["attributes"] or {}), **op.attributes}
            if op.facets or op.deleted_facets:
                facets = {**(current["facets"] or {}), **op.facets}
                for name in op.deleted_facets:
                    facets.pop(name, None)
                new["facets"] = facets
            new["status"] = AssetStatus.ACTIVE.value
            new["deleted_at"] = None
            changed = [k for k in (*_SNAPSHOT_FIELDS, "facets", "deleted_at") if new.get(k) != current.get(k)]
            doc_changed = not _DOC_FIELDS.isdisjoint(changed)
            if changed:
                new["version"] = current["version"] + 1
                new["updated_at"] = self.at
                self.conn.execute(update(assets).where(assets.c.id == aid).values(
                    {k: new[k] for k in (*changed, "version", "updated_at")}))
                self.cache.put_asset(new)
                self._history(new)
                revived = current["status"] == AssetStatus.DELETED.value
                before, after = _snapshot(current), _snapshot(new)
                keys = [k for k in after if before.get(k) != after.get(k)]
                self._record(ChangeKind.ASSET_CREATED if revived else ChangeKind.ASSET_UPDATED, "asset",
                             aid, aid, {k: before[k] for k in keys}, {k: after[k] for k in keys})
        if doc_changed:  # a dataset's document holds its columns' names and descriptions
            self.dirty_docs.add(aid)
            if parent_id is not None and op.ref.field:
                self.dirty_docs.add(parent_id)
        if op.columns is not None:
            self._columns(op, aid)

    def _columns(self, op: UpsertAsset, dataset_id: uuid.UUID) -> None:
        declared = set()
        for col in op.columns or []:
            ref = op.ref.column(col.name)
            declared.add(asset_id(self.tenant, ref))
            attrs = {**col.attributes}
            if col.data_type is not None:
                attrs["data_type"] = col.data_type
            if col.ordinal is not None:
                attrs["ordinal"] = col.ordinal
            self.upsert(UpsertAsset(ref=ref, type=AssetType.COLUMN, parent=op.ref,
                                    description=col.description, attributes=attrs))
        if op.replace_columns:
            for cid, ref in sorted(self._active_columns(dataset_id).items(), key=lambda item: item[1].field):
                if cid not in declared:
                    self.delete(DeleteAsset(ref=ref))

    def _active_columns(self, dataset_id: uuid.UUID) -> dict[uuid.UUID, AssetRef]:
        known = self.cache.columns.get(dataset_id)
        if known is not None:
            return known
        rows = self.conn.execute(select(assets.c.namespace, assets.c.name, assets.c.field, assets.c.id).where(
            assets.c.tenant_id == self.tenant, assets.c.parent_id == dataset_id,
            assets.c.type == AssetType.COLUMN.value, assets.c.status == AssetStatus.ACTIVE.value)).all()
        return {cid: AssetRef(namespace=ns, name=name, field=fld) for ns, name, fld, cid in rows}

    def delete(self, op: DeleteAsset) -> None:
        aid = asset_id(self.tenant, op.ref)
        current = self._load(aid)
        if current is None or current["status"] == AssetStatus.DELETED.value:
            return
        children = self.conn.execute(select(assets.c.namespace, assets.c.name, assets.c.field).where(
            assets.c.tenant_id == self.tenant, assets.c.parent_id == aid,
            assets.c.status == AssetStatus.ACTIVE.value).order_by(assets.c.field)).all()
        for ns, name, fld in children:
            self.delete(DeleteAsset(ref=AssetRef(namespace=ns, name=name, field=fld)))
        self._drop_edges_of(aid)
        new = {**current, "status": AssetStatus.DELETED.value, "deleted_at": self.at,
               "version": current["version"] + 1, "updated_at": self.at}
        self.conn.execute(update(assets).where(assets.c.id == aid).values(
            status=new["status"], deleted_at=self.at, version=new["version"], updated_at=self.at))
        self.cache.put_asset(new)
        self._history(new)
        self._record(ChangeKind.ASSET_DELETED, "asset", aid, aid, _snapshot(current), _snapshot(new))
        search.remove_doc(self.conn, aid)
        self.dirty_docs.discard(aid)
        if current["parent_id"] is not None:
            self.dirty_docs.add(current["parent_id"])

    def _drop_edges_of(self, aid: uuid.UUID) -> list[dict[str, Any]]:
        rows = self.conn.execute(select(lineage_edges).where(
            lineage_edges.c.tenant_id == self.tenant,
            or_(lineage_edges.c.source_id == aid, lineage_edges.c.target_id == aid)
        ).order_by(lineage_edges.c.id)).mappings().all()  # ordered: the feed must not depend on a plan
        for row in rows:
            self.conn.execute(delete(lineage_edges).where(lineage_edges.c.id == row["id"]))
            self.cache.edges[row["id"]] = ABSENT
            self._record(ChangeKind.LINEAGE_REMOVED, "lineage_edge", row["id"], row["target_id"],
                         _json(dict(row)), None)
        return [dict(r) for r in rows]

    def rename(self, op: RenameAsset) -> None:
        old_id = asset_id(self.tenant, op.ref)
        current = self._load(old_id)
        if current is None or op.ref == op.new_ref:
            return
        moved: dict[uuid.UUID, uuid.UUID] = {}
        children = self.conn.execute(select(assets).where(
            assets.c.tenant_id == self.tenant, assets.c.parent_id == old_id,
            assets.c.status == AssetStatus.ACTIVE.value)).mappings().all()
        new_id = self._copy_asset(current, op.new_ref, None)
        moved[old_id] = new_id
        for child in children:
            moved[child["id"]] = self._copy_asset(dict(child), op.new_ref.column(child["field"]), op.new_ref)
        edges: list[dict[str, Any]] = []
        for old in moved:
            edges.extend(e for e in self._drop_edges_of(old) if e not in edges)
        for old, new in moved.items():
            for c in self.conn.execute(select(classifications).where(
                    classifications.c.tenant_id == self.tenant, classifications.c.asset_id == old)).mappings().all():
                self._insert_classification({**dict(c), "asset_id": new})
        for e in edges:
            src, dst = moved.get(e["source_id"], e["source_id"]), moved.get(e["target_id"], e["target_id"])
            self._put_edge({**e, "source_id": src, "target_id": dst})
        self.delete(DeleteAsset(ref=op.ref))  # the old identity and its columns
        self._record(ChangeKind.ASSET_RENAMED, "asset", new_id, new_id,
                     {"ref": op.ref.model_dump()}, {"ref": op.new_ref.model_dump()})

    def _copy_asset(self, row: dict[str, Any], ref: AssetRef, parent: AssetRef | None) -> uuid.UUID:
        from lily.model import Owner

        return self.upsert(UpsertAsset(
            ref=ref, type=AssetType(row["type"]), parent=parent, display_name=row["display_name"],
            description=row["description"], owners=[Owner(**o) for o in row["owners"] or []],
            attributes=row["attributes"] or {}, facets=row["facets"] or {}))

    def add_lineage(self, op: AddLineage) -> None:
        # Every run of a job restates its edges: the same edge from the same job, another run id.
        key = restated_key(self.tenant, op)
        seen = self.cache.restated.get(key)
        if seen is not None and self.cache.edges.get(seen[0]) is seen[1] and self._same_rows(seen[2]):
            return
        eid, ends = self._add_lineage(op)
        edge = self.cache.edges.get(eid)
        rows = self._cached_rows(ends)
        if edge is not None and edge is not ABSENT and rows is not None:
            self.cache.restated[key] = (eid, edge, rows)

    def _cached_rows(self, ids: Iterable[uuid.UUID]) -> tuple[tuple[uuid.UUID, dict[str, Any]], ...] | None:
        """The cached asset rows of ``ids`` as they are now, or None if one is not cached."""
        rows = tuple((rid, self.cache.assets.get(rid)) for rid in ids)
        return None if any(row is None or row is ABSENT for _, row in rows) else rows  # type: ignore[return-value]

    def _same_rows(self, rows: tuple[tuple[uuid.UUID, dict[str, Any]], ...]) -> bool:
        """Whether every row of ``rows`` is still the cached one (a change replaces a cached row)."""
        assets_cache = self.cache.assets
        return all(assets_cache.get(rid) is row for rid, row in rows)

    def _add_lineage(self, op: AddLineage) -> tuple[uuid.UUID, list[uuid.UUID]]:
        """Apply ``op``; the edge id and the ids of the assets it ensured."""
        src = self.ensure_asset(op.source)
        dst = self.ensure_asset(op.target)
        job_id = self.ensure_asset(op.job, AssetType.JOB) if op.job else None
        level = "column" if (op.source.field or op.target.field) else "dataset"
        row = {
            "tenant_id": self.tenant, "source_id": src, "target_id": dst, "level": level,
            "transformation_type": op.transformation_type.value,
            "transformation_subtype": op.transformation_subtype, "masking": op.masking,
            "job_id": job_id, "run_id": op.run_id,
            "attributes": {"description": op.description} if op.description else {},
        }
        if op.block_list is not None:
            row["block_list"] = list(op.block_list)
        return self._put_edge(row), [src, dst] + ([job_id] if job_id is not None else [])

    def _put_edge(self, row: dict[str, Any]) -> uuid.UUID:
        eid = stable_id(self.tenant, str(row["source_id"]), str(row["target_id"]))
        current = self._edge(eid)
        values = {k: row[k] for k in ("tenant_id", "source_id", "target_id", "level", "transformation_type",
                                      "transformation_subtype", "masking", "job_id", "run_id", "attributes")}
        if current is None:
            values.update(id=eid, block_list=row.get("block_list") or [], created_at=self.at, updated_at=self.at)
            self.conn.execute(insert(lineage_edges).values(**values))
            self.cache.edges[eid] = values
            self._record(ChangeKind.LINEAGE_ADDED, "lineage_edge", eid, row["target_id"], None, _json(values))
            return eid
        values["block_list"] = row.get("block_list", current["block_list"])
        if values["job_id"] is None:
            values["job_id"] = current["job_id"]
        # ``run_id`` names the run that created or last changed the edge: every run of a job restates
        # its edges, and rewriting them per run would cost a write each (runs are in ``run_io``).
        diff = {k: v for k, v in values.items() if k != "run_id" and current[k] != v}
        if diff:
            if values["run_id"] is not None:
                diff["run_id"] = values["run_id"]
            self.conn.execute(update(lineage_edges).where(lineage_edges.c.id == eid).values(**diff, updated_at=self.at))
            self.cache.edges[eid] = {**current, **diff, "updated_at": self.at}
            self._record(ChangeKind.LINEAGE_UPDATED, "lineage_edge", eid, row["target_id"],
                         _json({k: current[k] for k in diff}), _json(diff))
        return eid

    def _edge(self, eid: uuid.UUID) -> dict[str, Any] | None:
        return self._cached(self.cache.edges, lineage_edges, eid)

    def remove_lineage(self, op: RemoveLineage) -> None:
        eid = stable_id(self.tenant, str(asset_id(self.tenant, op.source)), str(asset_id(self.tenant, op.target)))
        current = self._edge(eid)
        if current is None:
            return
        self.conn.execute(delete(lineage_edges).where(lineage_edges.c.id == eid))
        self.cache.edges[eid] = ABSENT
        self._record(ChangeKind.LINEAGE_REMOVED, "lineage_edge", eid, current["target_id"], _json(dict(current)), None)

    def add_classification(self, op: AddClassification) -> None:
        aid = asset_id(self.tenant, op.ref)
        current = self._load(aid)
        if current is None or current["status"] != AssetStatus.ACTIVE.value:
            raise UnknownAsset(op.ref)
        self._insert_classification({
            "asset_id": aid, "tag": op.tag, "source": op.source.value, "propagate": op.propagate,
            "origin_key": "", "provenance": None, "confidence": op.confidence, "created_by": self.actor,
        })

    def _insert_classification(self, row: dict[str, Any]) -> None:
        cid = classification_id(self.tenant, row["asset_id"], row["tag"], row["source"], row["origin_key"])
        current = self.conn.execute(select(classifications).where(classifications.c.id == cid)).mappings().first()
        values = {k: row[k] for k in ("asset_id", "tag", "source", "propagate", "origin_key", "provenance",
                                      "confidence", "created_by")}
        if current is None:
            values.update(id=cid, tenant_id=self.tenant, created_at=self.at)
            self.conn.execute(insert(classifications).values(**values))
            self._record(ChangeKind.CLASSIFICATION_ADDED, "classification", cid, row["asset_id"], None, _json(values))
        else:
            diff = {k: values[k] for k in ("propagate", "provenance", "confidence") if current[k] != values[k]}
            if not diff:
                return
            self.conn.execute(update(classifications).where(classifications.c.id == cid).values(**diff))
            self._record(ChangeKind.CLASSIFICATION_ADDED, "classification", cid, row["asset_id"],
                         _json({k: current[k] for k in diff}), _json({**values, "id": cid}))
        self.dirty_docs.add(row["asset_id"])

    def remove_classification(self, op: RemoveClassification) -> None:
        aid = asset_id(self.tenant, op.ref)
        rows = self.conn.execute(select(classifications).where(and_(
            classifications.c.tenant_id == self.tenant, classifications.c.asset_id == aid,
            classifications.c.tag == op.tag, classifications.c.source == op.source.value,
            classifications.c.origin_key == ""))).mappings().all()
        for row in rows:
            self.conn.execute(delete(classifications).where(classifications.c.id == row["id"]))
            self._record(ChangeKind.CLASSIFICATION_REMOVED, "classification", row["id"], aid, _json(dict(row)), None)
            self.dirty_docs.add(aid)

    def prune_imported(self, op: PruneImportedClassifications) -> None:
        aid = asset_id(self.tenant, op.ref)
        if self._load(aid) is None:
            return
        keep = {(asset_id(self.tenant, op.ref.column(fld) if fld else op.ref), tag) for fld, tag in op.keep}
        ids = [aid, *self._active_columns(aid)]
        rows = self.conn.execute(select(classifications).where(
            classifications.c.tenant_id == self.tenant, classifications.c.asset_id.in_(ids),
            classifications.c.source == ClassificationSource.IMPORTED.value,
        ).order_by(classifications.c.id)).mappings().all()
        for row in rows:
            if (row["asset_id"], row["tag"]) in keep:
                continue
            self.conn.execute(delete(classifications).where(classifications.c.id == row["id"]))
            self._record(ChangeKind.CLASSIFICATION_REMOVED, "classification", row["id"], row["asset_id"],
                         _json(dict(row)), None)
            self.dirty_docs.add(row["asset_id"])

    def set_propagated(self, op: SetPropagated) -> None:
        """A propagated copy of an origin's tag.

        Not checked against ``assets``: the propagation consumer computes it from the live assets it
        read in this same transaction, and asset rows are never hard-deleted (one query less per row
        matters when one tag fans out to thousands of columns).
        """
        self._insert_classification({
            "asset_id": op.asset_id, "tag": op.tag, "source": "propagated", "propagate": False,
            "origin_key": str(op.origin_classification_id), "provenance": op.provenance.model_dump(mode="json"),
            "confidence": None, "created_by": self.actor,
        })

    def retract_propagated(self, op: RetractPropagated) -> None:
        rows = self.conn.execute(select(classifications).where(and_(
            classifications.c.tenant_id == self.tenant, classifications.c.asset_id == op.asset_id,
            classifications.c.tag == op.tag, classifications.c.source == "propagated",
            classifications.c.origin_key == str(op.origin_classification_id)))).mappings().all()
        for row in rows:
            self.conn.execute(delete(classifications).where(classifications.c.id == row["id"]))
            self._record(ChangeKind.CLASSIFICATION_REMOVED, "classification", row["id"], op.asset_id,
                         _json(dict(row)), None)
            self.dirty_docs.add(op.asset_id)

    # ------------------------------------------- runs, quality, incidents (logic in their modules)
    def record_run(self, op: RecordRun) -> None:
        job_id = self.ensure_asset(op.job, AssetType.JOB)
        io = [(self.ensure_asset(r), "input") for r in op.inputs]
        io += [(self.ensure_asset(r), "output") for r in op.outputs]
        versions = {aid: row["version"] for aid in (job_id, *(a for a, _ in io))
                    if (row := self._load(aid)) is not None}
        change = run_store.record_run(self.conn, self.tenant, self.at, op, job_id, io, versions, self.cache.runs)
        if change is not None:
            self._record(ChangeKind.RUN_UPDATED, "run", op.run_id, job_id, *change)

    def record_quality(self, op: RecordQuality) -> None:
        aid = self.ensure_asset(op.ref)
        stored = run_store.record_quality(self.conn, self.tenant, self.at, op, aid)
        if stored is not None:
            self._record(ChangeKind.QUALITY_RECORDED, "quality_result", stored[0], aid, None, stored[1])

    def upsert_incident(self, op: UpsertIncident) -> None:
        change = incident_store.upsert_incident(self.conn, self.tenant, self.at, op)
        if change is not None:
            self._record(ChangeKind.INCIDENT_UPDATED, "incident", change.id, change.asset_id,
                         change.before, change.after)

    # ------------------------------------------------------------------ finish
    def flush(self, cs: ChangeSet) -> None:
        for aid in self.dirty_docs:
            search.refresh_doc(self.conn, self.tenant, aid)
        if self.cache.deferred is not None:
            self.cache.deferred.append((self, cs))
        else:
            write_changes(self.conn, self, cs)


# Built once (every change set runs them): statement construction costs more than the queries.
_BUMP_SEQ = (update(tenants).where(tenants.c.id == bindparam("tenant"))
             .values(change_seq=tenants.c.change_seq + bindparam("n")).returning(tenants.c.change_seq))
_INSERT_CHANGES = insert(changes)
_INSERT_AUDIT = insert(audit_log)


def write_changes(conn: Connection, writer: _Writer, cs: ChangeSet) -> None:
    """Append the change rows and the audit record. Separate so tests can inject a failure here."""
    _write_changes(conn, [(writer, cs)])


def write_deferred(conn: Connection, cache: ApplyCache) -> None:
    """Write the change and audit rows of the change sets applied with ``cache`` (``defer_changes``),
    in the order they were applied, and fill in their results."""
    cache.runs.flush(conn)
    if cache.deferred:
        heads = _write_changes(conn, cache.deferred)
        cache.deferred.clear()
        if cache.heads is not None:
            cache.heads.update(heads)


def _write_changes(conn: Connection, staged: list[tuple[_Writer, ChangeSet]]) -> dict[str, int]:
    """Write the rows; returns each tenant's new change-sequence head (tenants with changes only)."""
    counts: dict[str, int] = {}
    for writer, _ in staged:
        if writer.pending:
            counts[writer.tenant] = counts.get(writer.tenant, 0) + len(writer.pending)
    next_seq: dict[str, int] = {}
    heads: dict[str, int] = {}
    for tenant, n in counts.items():
        # Row lock on the tenant: per-tenant sequence numbers follow commit order.
        bumped = bulk.query(conn, _BUMP_SEQ, {"tenant": tenant, "n": n})
        last = bumped[0][0] if bumped else None
        if last is None:
            raise ApplyError(f"unknown tenant: {tenant}")
        next_seq[tenant] = last - n + 1
        heads[tenant] = last
    change_rows: list[dict[str, Any]] = []
    audit_rows: list[dict[str, Any]] = []
    for writer, cs in staged:
        n = len(writer.pending)
        if n:
            first = next_seq[writer.tenant]
            next_seq[writer.tenant] = first + n
            rows = [{
                "tenant_id": writer.tenant, "seq": first + i, "kind": p.kind.value, "entity_type": p.entity_type,
                "entity_id": p.entity_id, "asset_id": p.asset_id, "before": p.before, "after": p.after,
                "actor": writer.actor, "cause_event_id": cs.cause_event_id, "correlation_id": cs.correlation_id,
                "at": writer.at,
            } for i, p in enumerate(writer.pending)]
            change_rows.extend(rows)
            writer.result.changes = rows
            writer.result.first_seq, writer.result.last_seq = first, first + n - 1
        ops: dict[str, int] = {}
        for op in cs.operations:
            ops[op.op] = ops.get(op.op, 0) + 1
        single = writer.pending[0] if len({p.entity_id for p in writer.pending}) == 1 else None
        audit_rows.append({
            "id": uuid.uuid4(), "tenant_id": writer.tenant, "actor": writer.actor, "action": "apply",
            "entity_type": single.entity_type if single else None,
            "entity_id": single.entity_id if single else None, "correlation_id": cs.correlation_id,
            "details": {"operations": ops, "changes": n, "cause_event_id": cs.cause_event_id}, "at": writer.at,
        })
    bulk.executemany(conn, _INSERT_CHANGES, change_rows)
    bulk.executemany(conn, _INSERT_AUDIT, audit_rows)
    return heads


_DISPATCH: dict[str, Callable[[_Writer, Any], object]] = {
    "upsert_asset": _Writer.upsert,
    "delete_asset": _Writer.delete,
    "rename_asset": _Writer.rename,
    "add_lineage": _Writer.add_lineage,
    "remove_lineage": _Writer.remove_lineage,
    "add_classification": _Writer.add_classification,
    "remove_classification": _Writer.remove_classification,
    "prune_imported_classifications": _Writer.prune_imported,
    "record_run": _Writer.record_run,
    "record_quality": _Writer.record_quality,
    "upsert_incident": _Writer.upsert_incident,
    "set_propagated": _Writer.set_propagated,
    "retract_propagated": _Writer.retract_propagated,
}


def apply_in(conn: Connection, cs: ChangeSet, cache: ApplyCache | None = None) -> ApplyResult:
    """Apply ``cs`` inside the caller's transaction (``cache``: see ``ApplyCache``)."""
    writer = _Writer(conn, cs, cs.at or datetime.now(UTC), cache)
    for op in cs.operations:
        handler = _DISPATCH.get(op.op)
        if handler is None:
            raise ApplyError(f"operation {op.op!r} has no writer registered")
        handler(writer, op)
    writer.flush(cs)
    return writer.result


def apply(engine: Engine, cs: ChangeSet) -> ApplyResult:
    """Apply ``cs`` in its own transaction: all of it, or (on any error) none of it."""
    with engine.begin() as conn:
        return apply_in(conn, cs)

