"""Long ``IN`` lists, split: SQLite binds at most 32,766 parameters per statement (and PostgreSQL
plans a statement of thousands of parameters slowly), so queries over many ids run per chunk."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

IN_CHUNK = 500  # ids per statement: far below SQLite's limit, with room for a query's other parameters


def chunked(items: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    """``items`` in consecutive slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start:start + size]
