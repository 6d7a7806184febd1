"""Marquez NodeIds: ``dataset:<ns>:<name>``, ``job:<ns>:<name>``, ``datasetField:<ns>:<dataset>:<field>``,
``run:<uuid>``, each optionally followed by ``#<version uuid>``.

Parsing follows Marquez (``NodeId.java``): split on ``:``; when that gives more parts than the kind
has, the delimiters are the first ``:`` not followed by ``//`` or a digit, so URI namespaces such as
``postgres://db:5432`` survive. That heuristic is ambiguous for some names (a namespace ``a:b``, a
name starting with a digit after a port), so :func:`format_node_id` writes the plain Marquez form
whenever it parses back to the same parts and otherwise percent-encodes ``%``, ``:`` and ``#`` in
the parts; :func:`parse_node_id` decodes parts that contain ``%``. Every id Lily emits therefore
round-trips, and every plain id a Marquez client builds parses as Marquez would parse it.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from urllib.parse import unquote

KINDS = {"dataset": 3, "job": 3, "datasetField": 4, "run": 2}
# [0-9], not \d: Java's \d (Marquez) is ASCII, Python's takes every Unicode digit.
_DELIM = re.compile(r":(?!//|[0-9])")
_VERSION = re.compile(r"#([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$")


class NodeIdError(ValueError):
    """A malformed NodeId (the API answers 400)."""


@dataclass(frozen=True)
class NodeId:
    kind: str  # dataset | job | datasetField | run
    parts: tuple[str, ...]  # (ns, name) | (ns, dataset, field) | (run id,)
    version: uuid.UUID | None = None

    @property
    def namespace(self) -> str:
        return self.parts[0]

    @property
    def name(self) -> str:
        return self.parts[1]

    @property
    def field(self) -> str:
        return self.parts[2] if self.kind == "datasetField" else ""

    def __str__(self) -> str:
        return format_node_id(self)


def _split(value: str, expected: int) -> list[str]:
    parts = value.split(":")
    if len(parts) < expected:
        raise NodeIdError(f"node ID ({value}) needs {expected} ':'-separated parts")
    if len(parts) == expected:
        return parts
    cuts = [m for _, m in zip(range(expected - 1), _DELIM.finditer(value), strict=False)]
    if len(cuts) < expected - 1:
        raise NodeIdError(f"node ID ({value}) cannot be split into {expected} parts")
    out, prev = [], 0
    for m in cuts:
        out.append(value[prev:m.start()])
        prev = m.end()
    return [*out, value[prev:]]


def parse_node_id(value: str) -> NodeId:
    """Parse a (URL-decoded) NodeId; raises :class:`NodeIdError` when it is malformed."""
    kind = value.split(":", 1)[0]
    if kind not in KINDS or ":" not in value:
        raise NodeIdError(f"node ID ({value}) must start with 'dataset:', 'job:', 'datasetField:' or 'run:'")
    version = None
    match = _VERSION.search(value)
    if match:
        version, value = uuid.UUID(match.group(1)), value[:match.start()]
    parts = [unquote(p) if "%" in p else p for p in _split(value, KINDS[kind])[1:]]
    if kind == "run":
        try:
            uuid.UUID(parts[0])
        except ValueError as exc:
            raise NodeIdError(f"run node ID ({value}) must carry a UUID") from exc
    return NodeId(kind, tuple(parts), version)


def _encode(part: str) -> str:
    return part.replace("%", "%25").replace(":", "%3A").replace("#", "%23")


def format_node_id(node: NodeId) -> str:
    suffix = f"#{node.version}" if node.version else ""
    plain = ":".join((node.kind, *node.parts))
    try:
        unambiguous = "%" not in plain and parse_node_id(plain + suffix) == node
    except NodeIdError:
        unambiguous = False
    body = plain if unambiguous else ":".join((node.kind, *map(_encode, node.parts)))
    return body + suffix


def dataset_id(namespace: str, name: str) -> str:
    return format_node_id(NodeId("dataset", (namespace, name)))


def job_id(namespace: str, name: str) -> str:
    return format_node_id(NodeId("job", (namespace, name)))


def field_id(namespace: str, dataset: str, field: str) -> str:
    return format_node_id(NodeId("datasetField", (namespace, dataset, field)))
