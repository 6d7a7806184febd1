"""What the repositories share: conversions between table rows and domain types (a row's columns
are the model's fields; the models ignore the columns they do not have), single-row reads, optional
filters, upserts and timestamps."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, Select, Table
from sqlalchemy.dialects import postgresql, sqlite

from lily.model import Asset, AssetRef


def asset_from_row(row: RowMapping) -> Asset:
    return Asset(**row, ref=AssetRef(namespace=row["namespace"], name=row["name"], field=row["field"]))


def first_dict(conn: Connection, stmt: Select[Any], params: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The first row of ``stmt`` (with ``params``) as a dict (None: no row)."""
    row = conn.execute(stmt, params).mappings().first()
    return dict(row) if row else None


def upsert(conn: Connection, table: Table, values: dict[str, Any], keys: list[str],
           keep: Iterable[str] = ()) -> None:
    """Insert ``values``, or update the row with the same ``keys`` (all but ``keep``), in one
    statement: concurrent writers never race an update against an insert."""
    # Both dialects spell it the same way (ON CONFLICT ... DO UPDATE SET col = excluded.col).
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(table).values(**values)
    update = {name: stmt.excluded[name] for name in values if name not in keys and name not in set(keep)}
    conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=update))


def given(**filters: Any) -> dict[str, Any]:
    """The equality filters that were given, for ``Select.filter_by``: a filter left out (None) or
    left empty ("") is no filter."""
    return {name: value for name, value in filters.items() if value is not None and value != ""}


def utc(value: datetime | str) -> datetime:
    """``value`` as an aware UTC datetime: naive means UTC (SQLite keeps no zone), and text is
    parsed first (some drivers return aggregates such as ``max(updated_at)`` as text)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


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
