"""Data contracts (their ODCS documents and last evaluation) and dataset update history."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from lily.store.chunks import rows_in
from lily.store.tables_contracts import data_contracts, dataset_updates

HISTORY = 50  # updates kept per dataset: enough to learn a cadence from


def get_contract(conn: Connection, tenant: str, contract_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(data_contracts).where(data_contracts.c.tenant_id == tenant,
                                                    data_contracts.c.contract_id == contract_id)).mappings().first()
    return dict(row) if row else None


def list_contracts(conn: Connection, tenant: str) -> list[dict[str, Any]]:
    q = select(data_contracts).where(data_contracts.c.tenant_id == tenant).order_by(data_contracts.c.contract_id)
    return [dict(r) for r in conn.execute(q).mappings()]


def put_contract(conn: Connection, tenant: str, contract_id: str, document: dict[str, Any],
                 datasets: list[dict[str, str]], actor: str, at: datetime) -> bool:
    """Insert or replace the document; True when it was new. A changed document is evaluated afresh."""
    values = {"document": document, "datasets": datasets, "updated_by": actor, "updated_at": at}
    done = conn.execute(update(data_contracts).where(data_contracts.c.tenant_id == tenant,
                                                     data_contracts.c.contract_id == contract_id).values(**values)).rowcount
    if not done:
        conn.execute(insert(data_contracts).values(tenant_id=tenant, contract_id=contract_id, status="unknown",
                                                   created_at=at, **values))
    return not done


def delete_contract(conn: Connection, tenant: str, contract_id: str) -> bool:
    return bool(conn.execute(delete(data_contracts).where(data_contracts.c.tenant_id == tenant,
                                                          data_contracts.c.contract_id == contract_id)).rowcount)


def set_result(conn: Connection, tenant: str, contract_id: str, status: str, result: dict[str, Any],
               at: datetime) -> None:
    conn.execute(update(data_contracts).where(data_contracts.c.tenant_id == tenant,
                                              data_contracts.c.contract_id == contract_id)
                 .values(status=status, result=result, evaluated_at=at))


def record_updates(conn: Connection, tenant: str, seen: list[tuple[uuid.UUID, datetime, int, str]]) -> None:
    """Note that each dataset changed at ``at`` (by change ``seq``, from ``source``); a time already
    noted for it is kept once. A dataset's history is cut back to the last ``HISTORY`` updates once it
    holds twice that many, so most calls are one INSERT and one grouped count: the monitor calls this
    inside a write transaction, which on SQLite holds the inbound worker's write lock."""
    if not seen:
        return
    rows = {(aid, at): {"tenant_id": tenant, "asset_id": aid, "at": at, "seq": seq, "source": source}
            for aid, at, seq, source in seen}
    conn.execute(_INSERT_NEW[conn.dialect.name], list(rows.values()))
    ids = sorted({aid for aid, _ in rows}, key=str)
    counted = select(dataset_updates.c.asset_id).where(dataset_updates.c.tenant_id == tenant).group_by(
        dataset_updates.c.asset_id).having(func.count() > 2 * HISTORY)
    for aid in [r[0] for r in rows_in(conn, counted, dataset_updates.c.asset_id, ids)]:
        keep = select(dataset_updates.c.at).where(dataset_updates.c.tenant_id == tenant,
                                                  dataset_updates.c.asset_id == aid).order_by(
            dataset_updates.c.at.desc()).limit(HISTORY).subquery()
        conn.execute(delete(dataset_updates).where(dataset_updates.c.tenant_id == tenant,
                                                   dataset_updates.c.asset_id == aid,
                                                   dataset_updates.c.at < select(func.min(keep.c.at)).scalar_subquery()))


_INSERT_NEW = {name: module.insert(dataset_updates).on_conflict_do_nothing()
               for name, module in (("sqlite", sqlite), ("postgresql", postgresql))}


def update_history(conn: Connection, tenant: str, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[datetime]]:
    """The recorded update times of each dataset, oldest first."""
    out: dict[uuid.UUID, list[datetime]] = {aid: [] for aid in ids}
    q = select(dataset_updates.c.asset_id, dataset_updates.c.at).where(dataset_updates.c.tenant_id == tenant)
    for aid, at in rows_in(conn, q, dataset_updates.c.asset_id, ids):
        out[aid].append(at)
    return {aid: sorted(times) for aid, times in out.items()}


def datasets_with_history(conn: Connection, tenant: str, minimum: int) -> list[uuid.UUID]:
    q = (select(dataset_updates.c.asset_id).where(dataset_updates.c.tenant_id == tenant)
         .group_by(dataset_updates.c.asset_id).having(func.count() >= minimum))
    return [aid for (aid,) in conn.execute(q)]
