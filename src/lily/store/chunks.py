"""Long ``IN`` lists, split: SQLite binds at most 32,766 parameters per statement (and PostgreSQL
plans a statement of thousands of parameters slowly), so queries over many ids run per chunk."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Connection, Row, RowMapping, Select, or_

T = TypeVar("T")

IN_CHUNK = 500  # ids per statement: far below SQLite's limit, with room for a query's other parameters


def chunked(items: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    """``items`` in consecutive slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


Columns = ColumnElement[Any] | tuple[ColumnElement[Any], ...]


def rows_in(conn: Connection, stmt: Select[Any], column: Columns, values: Iterable[Any]) -> list[Row[Any]]:
    """The rows of ``stmt`` whose ``column`` (or one of a tuple of columns) is one of ``values``, one
    statement per chunk."""
    columns = column if isinstance(column, tuple) else (column,)
    out: list[Row[Any]] = []
    for chunk in chunked(list(values)):
        out += conn.execute(stmt.where(or_(*(c.in_(chunk) for c in columns)))).all()
    return out


def mappings_in(conn: Connection, stmt: Select[Any], column: Columns, values: Iterable[Any]) -> list[RowMapping]:
    """``rows_in`` as mappings (column name -> value)."""
    return [row._mapping for row in rows_in(conn, stmt, column, values)]
