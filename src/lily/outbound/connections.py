"""A tenant's configured targets: the ``Target`` that renders and the connection that applies.

Snowflake and Databricks can use a *recording* connection (``config.connection = "recording"``):
a DB-API stand-in that captures every statement in memory, per target, instead of sending it. Tests
and dry runs read it back with :func:`recorded`.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from lily.model.policy import ObjectKey, TargetKind
from lily.outbound import config as cfgmod
from lily.outbound.secrets import decrypt_config
from lily.outbound.targets import DatabricksTarget, PostgresTarget, SnowflakeTarget, Target, WebhookTarget
from lily.outbound.targets.webhook import Subscriber

_recordings: dict[str, list[str]] = {}
_recordings_lock = threading.Lock()


def recorded(key: str | uuid.UUID) -> list[str]:
    """Statements committed through the recording connection of target ``key`` (its id)."""
    with _recordings_lock:
        return list(_recordings.get(str(key), []))


def recorded_count(key: str | uuid.UUID) -> int:
    """How many statements :func:`recorded` holds (cheap: no copy), for polling."""
    with _recordings_lock:
        return len(_recordings.get(str(key), ()))


class RecordingConnection:
    """DB-API stand-in: statements become visible in :func:`recorded` only when committed."""

    def __init__(self, key: str) -> None:
        self.key = key
        self._pending: list[str] = []

    def cursor(self) -> RecordingConnection:
        return self

    def execute(self, sql: str) -> None:
        self._pending.append(sql)

    def commit(self) -> None:
        with _recordings_lock:
            _recordings.setdefault(self.key, []).extend(self._pending)
        self._pending = []

    def rollback(self) -> None:
        self._pending = []

    def close(self) -> None:
        self._pending = []


@dataclass
class ConfiguredTarget:
    """One row of ``outbound_targets``, decrypted and ready to render/apply."""

    id: uuid.UUID
    tenant_id: str
    name: str
    kind: TargetKind
    enabled: bool
    config: cfgmod._Common
    secrets: BaseModel
    target: Target

    def accepts(self, key: ObjectKey) -> bool:
        return cfgmod.accepts(self.kind, self.config, key)

    @property
    def can_read_state(self) -> bool:
        return self.target.can_read_state

    def connect(self) -> Any:
        """A fresh connection (the caller closes it). PostgreSQL: not autocommit, one txn per diff."""
        if self.kind == TargetKind.POSTGRES:
            import psycopg

            assert isinstance(self.config, cfgmod.PostgresConfig)
            return psycopg.connect(self.secrets.dsn, connect_timeout=self.config.connect_timeout_s)
        if self.kind == TargetKind.WEBHOOK:
            import httpx

            return httpx.Client()
        if getattr(self.config, "connection", "connector") == "recording":
            return RecordingConnection(str(self.id))
        return self.target.connect()  # type: ignore[attr-defined]


def build_target(kind: TargetKind, config: cfgmod._Common, secrets: BaseModel) -> Target:
    if isinstance(config, cfgmod.PostgresConfig):
        return PostgresTarget(config.managed_roles, config.governed_schema, config.label_comments)
    if isinstance(config, cfgmod.SnowflakeConfig):
        return SnowflakeTarget(config.policy_schema, config.tag_schema, getattr(secrets, "connect_params", None))
    if isinstance(config, cfgmod.DatabricksConfig):
        return DatabricksTarget(config.function_schema, getattr(secrets, "connect_params", None))
    assert isinstance(config, cfgmod.WebhookConfig)
    keys: Mapping[str, str] = getattr(secrets, "subscribers", {})
    subs = {n: Subscriber(s.url, keys[n]) for n, s in config.subscribers.items() if n in keys}
    return WebhookTarget(subs, timeout_s=config.timeout_s)


def configured(row: Mapping[str, Any], fernet_key: str) -> ConfiguredTarget:
    """Decrypt and validate a stored target row."""
    kind = TargetKind(row["kind"])
    secrets = decrypt_config(row["secrets"], fernet_key) if row.get("secrets") else {}
    config, sec = cfgmod.validate(kind, dict(row["config"] or {}), secrets)
    return ConfiguredTarget(id=row["id"], tenant_id=row["tenant_id"], name=row["name"], kind=kind,
                            enabled=bool(row["enabled"]), config=config, secrets=sec,
                            target=build_target(kind, config, sec))
