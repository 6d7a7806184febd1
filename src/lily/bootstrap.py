"""First-run setup: a private data directory, the default tenant and its admin, with credentials in a
private file."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from lily.auth.secrets import hash_password, new_password
from lily.model import Role
from lily.settings import Settings, write_private
from lily.store import Store, accounts
from lily.store.db import PRIVATE_DIR, restrict
from lily.store.feed import write_audit

DEFAULT_TENANT = "default"


@dataclass
class AdminCredentials:
    tenant: str
    username: str
    password: str
    api_key: str
    path: Path


def secure_data_dir(path: Path) -> Path:
    """The data directory, owner-only (0700): created so, or narrowed with a log line when an older
    Lily (or a umask) left it wider. It holds the catalog and inbox databases, ``secrets.json`` and
    the first-run credentials; the database files themselves are made 0600 when the store opens them
    (``store.db.secure_sqlite_file``)."""
    path = path.expanduser()
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    restrict(path, PRIVATE_DIR)
    return path


def ensure_tenant(store: Store, tenant_id: str, name: str | None = None, actor: str = "system") -> bool:
    """Create ``tenant_id`` unless it exists. True when created."""
    now = datetime.now(UTC)
    with store.write() as conn:
        if accounts.get_tenant(conn, tenant_id) is not None:
            return False
        accounts.create_tenant(conn, tenant_id, name or tenant_id, now)
        write_audit(conn, tenant_id, actor, "tenant.create", at=now, entity_type="tenant", entity_id=tenant_id)
    return True


def ensure_admin(store: Store, settings: Settings, tenant_id: str = DEFAULT_TENANT) -> AdminCredentials | None:
    """On first run create the admin user and an admin API key; write both to a 0600 file.

    Returns the new credentials, or None when the admin already exists (its secrets are not
    recoverable from the store; the file written on first run still holds them)."""
    from lily.auth.service import AuthService

    ensure_tenant(store, tenant_id)
    with store.read() as conn:
        if accounts.get_user(conn, tenant_id, "admin") is not None:
            return None
    password = new_password()
    now = datetime.now(UTC)
    with store.write() as conn:
        uid = accounts.create_user(conn, tenant_id, "admin", hash_password(password), Role.ADMIN.value, now)
        # By id, like every other user.create record (AuthService.create_user).
        write_audit(conn, tenant_id, "system", "user.create", at=now, entity_type="user", entity_id=str(uid),
                    details={"role": "admin", "bootstrap": True})
    key, _ = AuthService(store, settings).create_api_key(tenant_id, "bootstrap-admin", Role.ADMIN, "system")
    path = settings.data_dir / "admin-credentials.json"
    write_private(path, json.dumps({"tenant": tenant_id, "username": "admin", "password": password,
                                    "api_key": key}, indent=2))
    return AdminCredentials(tenant_id, "admin", password, key, path)
