"""Conversions between table rows and domain types (a row's columns are the model's fields; the
models ignore the columns they do not have)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, RowMapping, Select

from lily.model import Asset, AssetRef, Classification, LineageEdge


def asset_from_row(row: RowMapping) -> Asset:
    return Asset(**row, ref=AssetRef(namespace=row["namespace"], name=row["name"], field=row["field"]))


def edge_from_row(row: RowMapping) -> LineageEdge:
    return LineageEdge(**row)


def classification_from_row(row: RowMapping) -> Classification:
    return Classification(**row)


def first_dict(conn: Connection, stmt: Select[Any]) -> dict[str, Any] | None:
    """The first row of ``stmt`` as a dict (None: no row)."""
    row = conn.execute(stmt).mappings().first()
    return dict(row) if row else None


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
