"""Domain types. Imports nothing from the rest of Lily."""

from lily.model.asset import Asset, AssetStatus, AssetType, ColumnSpec, Owner
from lily.model.change import Change, ChangeKind
from lily.model.classification import Classification, ClassificationSource, Provenance
from lily.model.events import (
    AddClassification,
    AddLineage,
    ChangeSet,
    DeleteAsset,
    MetadataEvent,
    PruneImportedClassifications,
    RecordQuality,
    RecordRun,
    RemoveClassification,
    RemoveLineage,
    RenameAsset,
    RunState,
    UpsertAsset,
    UpsertIncident,
)
from lily.model.identity import AssetRef, asset_id, classification_id, key_id, stable_id
from lily.model.lineage import (
    Direction,
    LineageEdge,
    LineageGraph,
    LineageLevel,
    LineageNode,
    TransformationType,
)
from lily.model.security import AuditRecord, Principal, PrincipalKind, Role, Tenant

__all__ = [
    "AddClassification",
    "AddLineage",
    "Asset",
    "AssetRef",
    "AssetStatus",
    "AssetType",
    "AuditRecord",
    "Change",
    "ChangeKind",
    "ChangeSet",
    "Classification",
    "ClassificationSource",
    "ColumnSpec",
    "DeleteAsset",
    "Direction",
    "LineageEdge",
    "LineageGraph",
    "LineageLevel",
    "LineageNode",
    "MetadataEvent",
    "Owner",
    "Principal",
    "PrincipalKind",
    "Provenance",
    "PruneImportedClassifications",
    "RecordQuality",
    "RecordRun",
    "RemoveClassification",
    "RemoveLineage",
    "RenameAsset",
    "Role",
    "RunState",
    "Tenant",
    "TransformationType",
    "UpsertAsset",
    "UpsertIncident",
    "asset_id",
    "classification_id",
    "key_id",
    "stable_id",
]
