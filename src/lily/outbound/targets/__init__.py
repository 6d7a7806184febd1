"""Outbound targets, one module each, registered by kind.

Adding a system (e.g. Redshift) is one new module with a ``Target`` subclass plus one line in
``_BUILTIN`` below (or a ``register()`` call from a plugin).
"""

from __future__ import annotations

from typing import Any

from lily.model.policy import TargetKind
from lily.outbound.targets.base import ApplyError, ReadStateUnsupported, Statement, Target
from lily.outbound.targets.databricks import DatabricksTarget
from lily.outbound.targets.postgres import PostgresTarget
from lily.outbound.targets.snowflake import SnowflakeTarget
from lily.outbound.targets.webhook import WebhookTarget

_REGISTRY: dict[str, type[Target]] = {}


def register(cls: type[Target]) -> type[Target]:
    """Register a target class under its ``kind`` (usable as a decorator)."""
    _REGISTRY[str(cls.kind.value if isinstance(cls.kind, TargetKind) else cls.kind)] = cls
    return cls


_BUILTIN: tuple[type[Target], ...] = (SnowflakeTarget, DatabricksTarget, PostgresTarget, WebhookTarget)
for _cls in _BUILTIN:
    register(_cls)


def target_class(kind: str | TargetKind) -> type[Target]:
    name = kind.value if isinstance(kind, TargetKind) else kind
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown target {name!r}; registered: {', '.join(sorted(_REGISTRY))}") from None


def create_target(kind: str | TargetKind, **config: Any) -> Target:
    """A configured target instance, e.g. ``create_target("postgres", managed_roles=["analyst"])``."""
    return target_class(kind)(**config)


def registered() -> list[str]:
    return sorted(_REGISTRY)


__all__ = ["ApplyError", "DatabricksTarget", "PostgresTarget", "ReadStateUnsupported", "SnowflakeTarget",
           "Statement", "Target", "WebhookTarget", "create_target", "register", "registered", "target_class"]
