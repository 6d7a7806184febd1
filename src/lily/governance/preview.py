"""Preview: what would change if a tag were added to or removed from an asset, without writing anything."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import Connection

from lily.governance.propagation import PropagationLimits, PropagationResult, preview
from lily.governance.snapshot import SnapshotLoader
from lily.model.classification import Classification, ClassificationSource
from lily.model.identity import classification_id


class NothingToRemove(LookupError):
    """Removing a tag the asset does not carry directly."""


def preview_tag(conn: Connection, tenant_id: str, asset: uuid.UUID, tag: str, add: bool,
                propagate_flag: bool = True, limits: PropagationLimits | None = None) -> PropagationResult:
    """The propagation diff of adding (``add``) or removing a *direct* ``tag`` on ``asset``."""
    loader = SnapshotLoader(conn, tenant_id)
    candidates = [c for c in loader.classifications_on([asset])
                  if c.tag == tag and c.source != ClassificationSource.PROPAGATED]
    direct = [c for c in candidates if c.source == ClassificationSource.DIRECT]
    adds: list[Classification] = []
    removes = [c.id for c in direct]
    if add:
        # Same id the apply path gives a direct tag, so an existing one is replaced, not doubled.
        new_id = classification_id(tenant_id, asset, tag, ClassificationSource.DIRECT.value)
        created = direct[0].created_at if direct else datetime.now(UTC)
        adds = [Classification(id=new_id, tenant_id=tenant_id, asset_id=asset, tag=tag,
                               source=ClassificationSource.DIRECT, propagate=propagate_flag, created_at=created)]
    elif not removes:
        raise NothingToRemove(f"no direct classification {tag!r} on asset {asset}")
    limits = limits or PropagationLimits()
    scope = {c.id for c in candidates} | {c.id for c in adds}
    snap = loader.for_origins(scope, extra_assets=[asset], max_depth=limits.max_depth)
    return preview(snap.graph(), snap.classifications, add=adds, remove=removes, limits=limits)
