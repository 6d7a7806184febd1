"""Conversions between table rows and domain types."""

from __future__ import annotations

from typing import Any

from sqlalchemy import RowMapping

from lily.model import Asset, AssetRef, Classification, LineageEdge, Owner


def asset_from_row(row: RowMapping) -> Asset:
    return Asset(
        id=row["id"],
        tenant_id=row["tenant_id"],
        type=row["type"],
        ref=AssetRef(namespace=row["namespace"], name=row["name"], field=row["field"]),
        parent_id=row["parent_id"],
        display_name=row["display_name"],
        description=row["description"],
        owners=[Owner(**o) for o in row["owners"] or []],
        attributes=row["attributes"] or {},
        facets=row["facets"] or {},
        status=row["status"],
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        deleted_at=row["deleted_at"],
    )


def edge_from_row(row: RowMapping) -> LineageEdge:
    return LineageEdge(
        id=row["id"],
        tenant_id=row["tenant_id"],
        source_id=row["source_id"],
        target_id=row["target_id"],
        level=row["level"],
        transformation_type=row["transformation_type"],
        transformation_subtype=row["transformation_subtype"],
        masking=row["masking"],
        block_list=row["block_list"] or [],
        job_id=row["job_id"],
        run_id=row["run_id"],
        attributes=row["attributes"] or {},
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def classification_from_row(row: RowMapping) -> Classification:
    return Classification(
        id=row["id"],
        tenant_id=row["tenant_id"],
        asset_id=row["asset_id"],
        tag=row["tag"],
        source=row["source"],
        propagate=row["propagate"],
        provenance=row["provenance"],
        confidence=row["confidence"],
        status=row.get("status"),
        evidence=row.get("evidence"),
        created_by=row["created_by"],
        created_at=row["created_at"],
    )


def jsonable(value: Any) -> Any:
    """Make a snapshot JSON-serialisable (UUIDs and datetimes as strings)."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
