"""The connector kinds this process knows: one line per module (a kind is its module's ``KIND``)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from lily.connectors import postgres, s3, sqs
from lily.connectors.base import Kind

BUILTIN: tuple[Kind, ...] = (s3.KIND, postgres.KIND, sqs.KIND)

_registered: dict[str, Kind] = {}
KINDS: Mapping[str, Kind] = MappingProxyType(_registered)


def register(kind: Kind) -> Kind:
    known = _registered.get(kind.name)
    if known is not None and known is not kind:
        raise ValueError(f"another connector kind is registered as {kind.name!r}")
    _registered[kind.name] = kind
    return kind


for _kind in BUILTIN:
    register(_kind)

__all__ = ["BUILTIN", "KINDS", "register"]
