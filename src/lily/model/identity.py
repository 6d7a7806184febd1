"""Identity of assets, following the OpenLineage naming spec, and every derived id in one place.

A dataset is ``(namespace, name)``; a column is its dataset plus a field name; a job is
``(namespace, name)``. Asset ids are derived from ``(tenant, namespace, name, field)`` so that
every writer (API, parsers, pipelines) agrees on an id without a lookup, and re-creating a deleted
asset revives the same row and its history. Classification ids and inbound event ids are derived
here too, so no two writers can compute one differently.
"""

from __future__ import annotations

import functools
import hashlib
import uuid

from pydantic import BaseModel, ConfigDict

_LILY_NS = uuid.UUID("6b1f3c1e-2d0a-4c8e-9a57-1f0e5d7c9a11")
_EVENT_NS = uuid.UUID("5d1c2b8e-4f0a-4b8e-9a51-7c1f3e2d9b60")
_SEP = "\x1f"


class AssetRef(BaseModel):
    """Identity of an asset: OpenLineage namespace + name, plus a field for columns."""

    model_config = ConfigDict(frozen=True)

    namespace: str
    name: str
    field: str = ""

    @property
    def is_column(self) -> bool:
        return self.field != ""

    def dataset(self) -> AssetRef:
        """The dataset a column belongs to (itself for a dataset)."""
        return ref(self.namespace, self.name) if self.field else self

    def column(self, field: str) -> AssetRef:
        return ref(self.namespace, self.name, field)

    @property
    def qualified_name(self) -> str:
        """Human-readable identity, e.g. ``postgres://db:5432/shop.public.users#email``."""
        base = f"{self.namespace.rstrip('/')}/{self.name}"
        return f"{base}#{self.field}" if self.field else base

    def __str__(self) -> str:
        return self.qualified_name


@functools.lru_cache(maxsize=1 << 16)
def ref(namespace: str, name: str, field: str = "") -> AssetRef:
    """The AssetRef of an identity, validated once and shared (refs are immutable): parsers name
    the same datasets, columns and jobs in event after event."""
    return AssetRef(namespace=namespace, name=name, field=field)


def asset_id(tenant_id: str, ref: AssetRef) -> uuid.UUID:
    """Deterministic asset id for ``ref`` within ``tenant_id``."""
    return _uuid5(_SEP.join((tenant_id, ref.namespace, ref.name, ref.field)))


def key_id(tenant_id: str, namespace: str, name: str, field: str = "") -> uuid.UUID:
    """``asset_id`` of the identity (namespace, name, field), without building an AssetRef."""
    return _uuid5(_SEP.join((tenant_id, namespace, name, field)))


def classification_id(tenant_id: str, asset: uuid.UUID, tag: str, source: str, origin_key: str = "") -> uuid.UUID:
    """The id of a classification row: one tag from one source (and, for a propagated copy, one
    origin classification) on one asset. Every writer and planner computes it here."""
    return stable_id(tenant_id, str(asset), tag, source, origin_key)


def event_id(tenant_id: str, source: str, key: str) -> uuid.UUID:
    """The id of an inbound event (its source's idempotency ``key``): the same for every redelivery,
    on every bus, in every process."""
    return uuid.uuid5(_EVENT_NS, f"{tenant_id}{_SEP}{source}{_SEP}{key}")


class EventIds:
    """``event_id(tenant_id, source, key)`` for the many keys of one request: the accept path ids
    every event, and here the hash of the common prefix is computed once (uuid5 is sha1 over the
    namespace's bytes and the name)."""

    __slots__ = ("_prefix",)

    def __init__(self, tenant_id: str, source: str) -> None:
        self._prefix = hashlib.sha1(_EVENT_NS.bytes + f"{tenant_id}{_SEP}{source}{_SEP}".encode(),
                                    usedforsecurity=False)

    def __call__(self, key: str) -> uuid.UUID:
        digest = self._prefix.copy()
        digest.update(key.encode())
        return uuid.UUID(bytes=digest.digest()[:16], version=5)  # as uuid.uuid5 builds it


def stable_id(*parts: str) -> uuid.UUID:
    """Deterministic id for any other entity identified by its parts (edges, classifications)."""
    return _uuid5(_SEP.join(parts))


@functools.lru_cache(maxsize=1 << 16)
def _uuid5(name: str) -> uuid.UUID:
    # Ids are recomputed for every restated asset and edge of every event; SHA-1 + UUID
    # construction dominated parsing before this cache (the result is a pure function of name).
    return uuid.uuid5(_LILY_NS, name)
