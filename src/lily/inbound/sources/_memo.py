"""A bounded memo for parsers: what a JSON subtree parsed into, keyed by its serialised bytes.

Producers restate the same job and datasets (schema, column lineage, ownership) in every run event
of a job; building their operations again (pydantic models) was most of the cost of parsing such an
event. What a parser keeps here is shared between the events that contain the same subtree, so it
must be treated as a value: operations are never mutated after parsing (the apply path and the
enrich stage build new objects). Sharing also makes restatements cheap to recognise: the apply
path compares an upsert with the last one it applied, and the same object compares at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import orjson

T = TypeVar("T")


class Memo(Generic[T]):
    """At most ``size`` entries; when full, the oldest quarter is forgotten (insertion order)."""

    def __init__(self, size: int = 2048) -> None:
        self.size = max(4, size)
        self._entries: dict[Any, T] = {}
        self._lock = threading.Lock()  # worker threads of one process share a parser

    def of(self, value: Any, build: Callable[[], T], *extra: Any) -> T:
        """What ``value`` (a JSON subtree, with ``extra`` it depends on too) parsed into: remembered,
        or ``build()`` now."""
        try:
            key = orjson.dumps(value)  # key order as sent: one producer sends one order
        except TypeError:  # cannot be serialised (orjson.JSONEncodeError is a TypeError): no memo
            return build()
        found = self.get((key, *extra))
        return found if found is not None else self.put((key, *extra), build())

    def get(self, key: Any) -> T | None:
        return self._entries.get(key)

    def put(self, key: Any, value: T) -> T:
        with self._lock:
            if len(self._entries) >= self.size:
                for old in list(self._entries)[: self.size // 4]:
                    del self._entries[old]
            self._entries[key] = value
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
