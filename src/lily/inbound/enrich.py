"""Enrich stage: what parsing cannot know because it needs the catalog.

Runs inside the transaction that applies the event, so what it reads is what the apply sees. A
source that needs it declares an ``enrich`` hook (S3 drops records older than the stored object);
the hook reads the catalog only through :class:`CatalogView`, here bound to the transaction.

Incidents are enriched (owners, classifications, downstream blast radius) by the store's incident
writer itself, in the same transaction, so the enrichment is recomputed on every update.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from lily.inbound.sources import get_source
from lily.inbound.sources.contract import Enriched
from lily.model import AssetRef, MetadataEvent
from lily.store import catalog
from lily.store.apply.assets import stored_attributes
from lily.store.apply_cache import ApplyCache


@dataclass(frozen=True, slots=True)
class _Catalog:
    """The :class:`~lily.inbound.sources.contract.CatalogView` of one tenant in one transaction."""

    conn: Connection
    tenant_id: str
    cache: ApplyCache | None = None  # the applying transaction's rows, read ahead by the worker

    def attributes(self, refs: Sequence[AssetRef]) -> dict[AssetRef, dict[str, Any]]:
        if self.cache is not None:
            return stored_attributes(self.conn, self.cache, self.tenant_id, refs)
        return catalog.asset_attributes(self.conn, self.tenant_id, refs)


def enrich(conn: Connection, tenant_id: str, source: str, operations: list[MetadataEvent],
           cache: ApplyCache | None = None) -> Enriched:
    """The operations of one parsed event of ``source``, as its ``enrich`` hook keeps them
    (``cache``: the applying transaction's, whose rows are read instead of querying them again)."""
    hook = get_source(source).enrich
    if hook is None or not operations:
        return Enriched(operations)
    return hook(operations, _Catalog(conn, tenant_id, cache))


__all__ = ["enrich"]
