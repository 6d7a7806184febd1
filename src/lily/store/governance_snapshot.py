"""Reads of the lineage graph for propagation: assets, edges and classifications of one tenant.

The queries ``lily.governance.snapshot`` orchestrates (it decides what to load, these run the
statements). Id lists of any length are split with ``chunked``, one statement per chunk. Edges come
back as plain rows (``source_id, target_id, level, masking, block_list``): the governance layer builds
its own edge type from them, which the store cannot import.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, select

from lily.model.classification import Classification
from lily.store.chunks import chunked, mappings_in, rows_in
from lily.store.tables import assets, classifications, lineage_edges

_PROPAGATED = "propagated"
EdgeRow = Row[Any]  # (source_id, target_id, level, masking, block_list)


@dataclass(frozen=True, slots=True)
class AssetRow:
    """What propagation needs of an asset: its kind, its parent and whether it is live."""

    id: uuid.UUID
    type: str
    parent_id: uuid.UUID | None
    live: bool

    @property
    def dataset(self) -> uuid.UUID | None:
        """The dataset of a column (None for anything else)."""
        return self.parent_id if self.type == "column" else None


# -- assets ------------------------------------------------------------------------------------
def asset_rows(conn: Connection, tenant_id: str, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, AssetRow]:
    """The assets among ``ids`` that exist (live or deleted)."""
    a = assets.c
    q = select(a.id, a.type, a.parent_id, a.status).where(a.tenant_id == tenant_id)
    return {r.id: AssetRow(r.id, r.type, r.parent_id, r.status == "active") for r in rows_in(conn, q, a.id, ids)}


def live_columns(conn: Connection, tenant_id: str, datasets: Iterable[uuid.UUID]) -> list[AssetRow]:
    """The live columns of ``datasets``."""
    a = assets.c
    q = select(a.id, a.parent_id).where(a.tenant_id == tenant_id, a.type == "column", a.status == "active")
    return [AssetRow(r.id, "column", r.parent_id, True) for r in rows_in(conn, q, a.parent_id, datasets)]


def family_rows(conn: Connection, tenant_id: str, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, AssetRow]:
    """``ids``, their datasets and those datasets' columns (live or not), in one statement per chunk."""
    a = assets.c
    found: dict[uuid.UUID, AssetRow] = {}
    for chunk in chunked(list(ids)):
        datasets_of = select(a.parent_id).where(a.tenant_id == tenant_id, a.id.in_(chunk), a.type == "column")
        q = select(a.id, a.type, a.parent_id, a.status).where(a.tenant_id == tenant_id, (
            a.id.in_(chunk) | a.id.in_(datasets_of) | a.parent_id.in_(chunk) | a.parent_id.in_(datasets_of)))
        found.update((r.id, AssetRow(r.id, r.type, r.parent_id, r.status == "active")) for r in conn.execute(q))
    return found


def live_assets(conn: Connection, tenant_id: str) -> dict[uuid.UUID, AssetRow]:
    """Every live asset of the tenant."""
    a = assets.c
    q = select(a.id, a.type, a.parent_id).where(a.tenant_id == tenant_id, a.status == "active")
    return {r.id: AssetRow(r.id, r.type, r.parent_id, True) for r in conn.execute(q)}


def datasets_of_columns(conn: Connection, tenant_id: str, ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """The datasets of the columns among ``ids``, deleted columns included."""
    a = assets.c
    q = select(a.parent_id).where(a.tenant_id == tenant_id, a.type == "column", a.parent_id.is_not(None))
    return {r.parent_id for r in rows_in(conn, q, a.id, ids)}


# -- edges -------------------------------------------------------------------------------------
_EDGE = lineage_edges.c
_EDGE_COLUMNS = (_EDGE.source_id, _EDGE.target_id, _EDGE.level, _EDGE.masking, _EDGE.block_list)


def edges_from(conn: Connection, tenant_id: str, sources: Iterable[uuid.UUID]) -> list[EdgeRow]:
    """Edges leaving ``sources`` (whatever the state of their ends)."""
    return rows_in(conn, select(*_EDGE_COLUMNS).where(_EDGE.tenant_id == tenant_id), _EDGE.source_id, sources)


def all_edges(conn: Connection, tenant_id: str) -> list[EdgeRow]:
    return list(conn.execute(select(*_EDGE_COLUMNS).where(_EDGE.tenant_id == tenant_id)).all())


def edges_into(conn: Connection, tenant_id: str, ids: Iterable[uuid.UUID]) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """``(source_id, target_id)`` of the edges entering ``ids``."""
    q = select(_EDGE.source_id, _EDGE.target_id).where(_EDGE.tenant_id == tenant_id)
    return [(r.source_id, r.target_id) for r in rows_in(conn, q, _EDGE.target_id, ids)]


# -- classifications ---------------------------------------------------------------------------
_CLS = classifications.c


def _classifications(conn: Connection, tenant_id: str, column: Any, values: Iterable[Any],
                     *where: Any) -> list[Classification]:
    q = select(classifications).where(_CLS.tenant_id == tenant_id, *where)
    return [Classification(**r) for r in mappings_in(conn, q, column, values)]


def classifications_on(conn: Connection, tenant_id: str, asset_ids: Iterable[uuid.UUID]) -> list[Classification]:
    """Every classification (any source) on ``asset_ids``."""
    return _classifications(conn, tenant_id, _CLS.asset_id, asset_ids)


def classifications_by_id(conn: Connection, tenant_id: str, ids: Iterable[uuid.UUID]) -> list[Classification]:
    return _classifications(conn, tenant_id, _CLS.id, ids)


def propagated_from(conn: Connection, tenant_id: str, origins: Iterable[uuid.UUID]) -> list[Classification]:
    """The stored propagated rows of the origin classifications ``origins``, wherever they are."""
    return _classifications(conn, tenant_id, _CLS.origin_key, [str(o) for o in origins],
                            _CLS.source == _PROPAGATED)


def all_classifications(conn: Connection, tenant_id: str) -> list[Classification]:
    return [Classification(**r)
            for r in conn.execute(select(classifications).where(_CLS.tenant_id == tenant_id)).mappings()]
