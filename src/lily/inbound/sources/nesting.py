"""How deep a parsed JSON document nests, checked at C speed on the accept path.

orjson parses documents nested up to 1,024 levels but serializes only up to about 254, so an event
nested deeper than that was accepted and then failed when Lily serialized it (its idempotency key
is a hash of its canonical JSON): a 5xx that OpenLineage clients retry forever. Lily refuses such
documents when it parses them, with a far lower limit (``LILY_INBOUND_MAX_DEPTH``) that leaves room
for the levels Lily adds when it stores parts of an event.

Depth counts containers: a scalar is 0 deep, ``{}`` 1, ``{"a": [1]}`` 2.

The check must cost nothing measurable per event (the single-event accept path is benchmarked), so
a Python walk over every node is out (20-170 us on the OpenLineage samples). Instead:

1. a small body with no more ``{``/``[`` bytes than the limit cannot nest deeper (two
   ``bytes.count`` calls, under 1 us for 1 KiB);
2. otherwise orjson serializes the document inside ``serializable_depth - limit`` levels of lists:
   it fails exactly when the document nests deeper than the limit (0.7 us per KiB plus ~1.5 us
   for the wrapping lists, measured on the samples);
3. only on failure does a Python walk look for the path to name in the error.
"""

from __future__ import annotations

import threading
from typing import Any

import orjson

from lily.inbound.sources.base import PayloadError

# Stage 1 only for bodies this small: above it, counting costs more than orjson's pass.
_COUNT_BYTES = 4 * 1024
_SHOWN_SEGMENTS = 8  # of the path in an error message
_SHOWN_KEY = 40  # characters of one key in that path


def _serializes(value: Any) -> bool:
    try:
        orjson.dumps(value)
    except TypeError:  # recursion limit (a parsed document holds nothing else orjson refuses)
        return False
    return True


def _serializable_depth() -> int:
    """The deepest nesting orjson serializes (254 in orjson 3.x), found by bisection at import
    so a different orjson version cannot silently change what the check means."""

    def ok(depth: int) -> bool:
        value: Any = 0
        for _ in range(depth):
            value = [value]
        return _serializes(value)

    low, high = 1, 4096  # ok(low); not ok(high)
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if ok(middle) else (low, middle)
    return low


SERIALIZABLE_DEPTH = _serializable_depth()


class _Chains(threading.local):
    """Per thread: for each limit, nested lists whose innermost one holds the document checked."""

    def __init__(self) -> None:
        self.by_limit: dict[int, tuple[list[Any], list[Any]]] = {}

    def get(self, limit: int) -> tuple[list[Any], list[Any]]:
        """(outermost list, innermost list): ``SERIALIZABLE_DEPTH - limit`` levels, ``limit`` below."""
        chain = self.by_limit.get(limit)
        if chain is None:
            box: list[Any] = [None]
            outer = box
            for _ in range(SERIALIZABLE_DEPTH - limit - 1):
                outer = [outer]
            chain = self.by_limit[limit] = (outer, box)
        return chain


_chains = _Chains()


def effective_limit(limit: int) -> int:
    """``limit`` within what can be checked and stored: 1 .. orjson's serializable depth."""
    return max(1, min(limit, SERIALIZABLE_DEPTH))


def within_depth(value: Any, limit: int, raw: bytes | None = None) -> bool:
    """Whether ``value`` (parsed from ``raw``, if given) nests at most ``limit`` levels."""
    limit = effective_limit(limit)
    if raw is not None and len(raw) <= _COUNT_BYTES and raw.count(b"{") + raw.count(b"[") <= limit:
        return True  # fewer containers (even counting brackets inside strings) than the limit
    if limit == SERIALIZABLE_DEPTH:  # no wrapping: orjson's own limit is the one checked
        return _serializes(value)
    outer, box = _chains.get(limit)
    box[0] = value
    try:
        return _serializes(outer)
    finally:
        box[0] = None


def check_depth(value: Any, limit: int, raw: bytes | None = None, *, envelope: int = 0) -> None:
    """Raise :class:`PayloadError` (422) naming where ``value`` nests deeper than ``limit`` levels
    below its first ``envelope`` levels (a batch's array holds events: it does not count)."""
    if within_depth(value, limit + envelope, raw):
        return
    total = effective_limit(limit + envelope)
    path = too_deep_path(value, total)
    if path is None:  # orjson refused the document for another reason than its depth
        raise PayloadError("the JSON document cannot be serialized", status=422)
    raise PayloadError(f"JSON nested deeper than {total - envelope} levels: level {len(path) + 1 - envelope} "
                       f"at {format_path(path)}", status=422)


def too_deep_path(value: Any, limit: int) -> list[str | int] | None:
    """The keys and indexes leading to the first container ``limit + 1`` levels deep (depth-first,
    in document order), or None if there is none. Iterative: a Python recursion would itself fail."""
    # Each entry: (container, its depth, the path to it as a linked list (parent, key)).
    stack: list[tuple[Any, int, tuple[Any, str | int] | None]] = [(value, 1, None)]
    while stack:
        node, depth, link = stack.pop()
        if not isinstance(node, dict | list):
            continue
        if depth > limit:  # the path, read back from the linked list
            path: list[str | int] = []
            while link is not None:
                link, key = link
                path.append(key)
            return path[::-1]
        items = node.items() if isinstance(node, dict) else enumerate(node)
        children = [(child, depth + 1, (link, key)) for key, child in items if isinstance(child, dict | list)]
        stack.extend(reversed(children))  # first child on top: document order
    return None


def format_path(path: list[str | int]) -> str:
    """``job.facets.deep_custom.a.a.a.a.a…``: the first segments of ``path``, long keys shortened."""
    text = ""
    for segment in path[:_SHOWN_SEGMENTS]:
        if isinstance(segment, int):
            text += f"[{segment}]"
        else:
            key = segment if len(segment) <= _SHOWN_KEY else segment[:_SHOWN_KEY] + "…"
            text += f".{key}" if text else key
    if len(path) > _SHOWN_SEGMENTS:
        text += "…"
    return text or "the top level"


__all__ = ["SERIALIZABLE_DEPTH", "check_depth", "format_path", "too_deep_path", "within_depth"]
