"""Builders for governance tests."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta

from lily.governance.propagation import Edge, PropagatedTag
from lily.model import Classification, ClassificationSource, LineageLevel

T0 = datetime(2024, 1, 1, tzinfo=UTC)
_counter = itertools.count()


def uid(name: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, name)


def cls(asset: uuid.UUID, tag: str, source: ClassificationSource = ClassificationSource.DIRECT,
        propagate: bool = True, cid: uuid.UUID | None = None) -> Classification:
    n = next(_counter)
    return Classification(id=cid or uuid.uuid4(), tenant_id="t", asset_id=asset, tag=tag, source=source,
                          propagate=propagate, created_at=T0 + timedelta(seconds=n))


def ds_edge(a: uuid.UUID, b: uuid.UUID, masking: bool = False, block: tuple[str, ...] = ()) -> Edge:
    return Edge(a, b, LineageLevel.DATASET, masking, block)


def col_edge(a: uuid.UUID, b: uuid.UUID, masking: bool = False, block: tuple[str, ...] = ()) -> Edge:
    return Edge(a, b, LineageLevel.COLUMN, masking, block)


def stored(tags: list[PropagatedTag]) -> list[Classification]:
    return [t.to_classification("t", T0) for t in tags]
