"""Data contracts (their ODCS documents and last evaluation) and dataset update history."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update
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


@dataclass
class UpdatePlan:
    """What ``write_updates`` writes, worked out by reads (``plan_updates``) that need no write lock."""

    tenant: str
    inserts: list[dict[str, Any]] = field(default_factory=list)
    moved: list[dict[str, Any]] = field(default_factory=list)
    trim: list[uuid.UUID] = field(default_factory=list)  # datasets whose history is cut back


def plan_updates(conn: Connection, tenant: str, seen: list[tuple[uuid.UUID, datetime, int, str]],
                 burst: timedelta) -> UpdatePlan:
    """What noting that each dataset changed at ``at`` (by change ``seq``, from ``source``) writes. An
    update less than ``burst`` after the dataset's last recorded one moves that one forward instead of
    adding a row: a burst counts once, dated by its last change, so a table written a thousand times a
    second keeps a history of bursts (and one row), not of writes. A history is cut back to the last
    ``HISTORY`` updates once it holds twice that many.

    Only reads: the monitor runs them outside its write transaction, which on SQLite holds the inbound
    worker's write lock (inside it they doubled the steady stream's p99, benchmarks/inbound.py at
    1,000/s). What a second monitor writes in between is harmless: an insert of a row that exists does
    nothing, and a move applies only to the row it read."""
    plan = UpdatePlan(tenant)
    if not seen:
        return plan
    ids = sorted({aid for aid, *_ in seen}, key=str)
    newest = select(dataset_updates.c.asset_id, func.max(dataset_updates.c.at)).where(
        dataset_updates.c.tenant_id == tenant).group_by(dataset_updates.c.asset_id)
    latest: dict[uuid.UUID, dict[str, Any]] = {
        aid: {"at": at, "stored_at": at} for aid, at in rows_in(conn, newest, dataset_updates.c.asset_id, ids)}
    stored = dict(latest)  # the rows already in the table that a burst may move forward
    for aid, at, seq, source in sorted(seen, key=lambda s: s[2]):
        last = latest.get(aid)
        if last is not None and at <= last["at"]:
            continue  # already noted (a replayed change) or older than what is noted
        if last is not None and at - last["at"] < burst:
            last.update(at=at, seq=seq, source=source)
            continue
        latest[aid] = {"tenant_id": tenant, "asset_id": aid, "at": at, "seq": seq, "source": source}
        plan.inserts.append(latest[aid])
    plan.moved = [{"b_tenant": tenant, "b_asset": aid, "b_was": row["stored_at"], "b_at": row["at"],
                   "b_seq": row["seq"], "b_source": row["source"]} for aid, row in stored.items() if "seq" in row]
    counted = select(dataset_updates.c.asset_id).where(dataset_updates.c.tenant_id == tenant).group_by(
        dataset_updates.c.asset_id).having(func.count() > 2 * HISTORY)
    plan.trim = [r[0] for r in rows_in(conn, counted, dataset_updates.c.asset_id, ids)]
    return plan


def write_updates(conn: Connection, plan: UpdatePlan) -> None:
    """One multi-row insert, an update per moved dataset, and the rare cut of a long history."""
    tenant = plan.tenant
    if plan.inserts:
        conn.execute(_INSERT_NEW[conn.dialect.name], plan.inserts)  # a second monitor may have noted it
    if plan.moved:
        conn.execute(_MOVE, plan.moved)
    for aid in plan.trim:
        keep = select(dataset_updates.c.at).where(dataset_updates.c.tenant_id == tenant,
                                                  dataset_updates.c.asset_id == aid).order_by(
            dataset_updates.c.at.desc()).limit(HISTORY).subquery()
        conn.execute(delete(dataset_updates).where(dataset_updates.c.tenant_id == tenant,
                                                   dataset_updates.c.asset_id == aid,
                                                   dataset_updates.c.at < select(func.min(keep.c.at)).scalar_subquery()))


_MOVE = update(dataset_updates).where(
    dataset_updates.c.tenant_id == bindparam("b_tenant"), dataset_updates.c.asset_id == bindparam("b_asset"),
    dataset_updates.c.at == bindparam("b_was")).values(at=bindparam("b_at"), seq=bindparam("b_seq"),
                                                       source=bindparam("b_source"))
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
