"""Persistence of tenants, users, API keys and refresh tokens."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, or_, select, update

from lily.store.rows import first_dict
from lily.store.tables import api_keys, refresh_tokens, tenants, users


def create_tenant(conn: Connection, tenant_id: str, name: str, at: datetime) -> None:
    conn.execute(insert(tenants).values(id=tenant_id, name=name, change_seq=0, settings={}, created_at=at))


def get_tenant(conn: Connection, tenant_id: str) -> dict[str, Any] | None:
    return first_dict(conn, select(tenants).where(tenants.c.id == tenant_id))


def list_tenants(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(select(tenants).order_by(tenants.c.id)).mappings()]


def create_user(conn: Connection, tenant_id: str, username: str, password_hash: str, role: str,
                at: datetime) -> uuid.UUID:
    uid = uuid.uuid4()
    conn.execute(insert(users).values(id=uid, tenant_id=tenant_id, username=username,
                                      password_hash=password_hash, role=role, disabled=False, created_at=at))
    return uid


def get_user(conn: Connection, tenant_id: str, username: str) -> dict[str, Any] | None:
    return first_dict(conn, select(users).where(users.c.tenant_id == tenant_id, users.c.username == username))


def get_user_by_id(conn: Connection, user_id: uuid.UUID) -> dict[str, Any] | None:
    return first_dict(conn, select(users).where(users.c.id == user_id))


def list_users(conn: Connection, tenant_id: str) -> list[dict[str, Any]]:
    q = select(users.c.id, users.c.username, users.c.role, users.c.disabled, users.c.created_at).where(
        users.c.tenant_id == tenant_id).order_by(users.c.username)
    return [dict(r) for r in conn.execute(q).mappings()]


def insert_api_key(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(insert(api_keys).values(**row))


def get_api_key_by_prefix(conn: Connection, prefix: str) -> dict[str, Any] | None:
    return first_dict(conn, select(api_keys).where(api_keys.c.prefix == prefix))


def list_api_keys(conn: Connection, tenant_id: str) -> list[dict[str, Any]]:
    q = select(api_keys.c.id, api_keys.c.name, api_keys.c.prefix, api_keys.c.role, api_keys.c.created_by,
               api_keys.c.created_at, api_keys.c.expires_at, api_keys.c.revoked_at,
               api_keys.c.last_used_at).where(api_keys.c.tenant_id == tenant_id).order_by(api_keys.c.created_at)
    return [dict(r) for r in conn.execute(q).mappings()]


def revoke_api_key(conn: Connection, tenant_id: str, key_id: uuid.UUID, at: datetime) -> bool:
    res = conn.execute(update(api_keys).where(api_keys.c.id == key_id, api_keys.c.tenant_id == tenant_id,
                                              api_keys.c.revoked_at.is_(None)).values(revoked_at=at))
    return res.rowcount > 0


def touch_api_keys(conn: Connection, uses: Mapping[uuid.UUID, datetime]) -> None:
    """Set ``last_used_at`` of each key to its time in ``uses``, in one statement, unless the row
    already holds a later time (another process wrote a newer use first)."""
    if not uses:
        return
    last = api_keys.c.last_used_at
    stmt = (update(api_keys).where(api_keys.c.id == bindparam("key_id"),
                                   or_(last.is_(None), last < bindparam("at", type_=last.type)))
            .values(last_used_at=bindparam("at", type_=last.type)))
    conn.execute(stmt, [{"key_id": k, "at": at} for k, at in uses.items()])


def insert_refresh_token(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(insert(refresh_tokens).values(**row))


def get_refresh_token(conn: Connection, token_hash: str) -> dict[str, Any] | None:
    return first_dict(conn, select(refresh_tokens).where(refresh_tokens.c.token_hash == token_hash).with_for_update())


def mark_refresh_used(conn: Connection, token_id: uuid.UUID, at: datetime) -> bool:
    """Mark a token used; False when another request used it first (a replay)."""
    res = conn.execute(update(refresh_tokens).where(refresh_tokens.c.id == token_id,
                                                    refresh_tokens.c.used_at.is_(None)).values(used_at=at))
    return res.rowcount > 0


def revoke_family(conn: Connection, family_id: uuid.UUID, at: datetime) -> None:
    conn.execute(update(refresh_tokens).where(refresh_tokens.c.family_id == family_id,
                                              refresh_tokens.c.revoked_at.is_(None)).values(revoked_at=at))
