"""Inbound sources: one module per producer, each a :class:`~lily.inbound.sources.base.Source`.

Adding a source is adding one module with ``NAME``, ``verify``, ``split``, ``parse`` and
``idempotency_key`` and listing it in ``SOURCES``. The registry is read-only.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from lily.inbound.sources import generic, monte_carlo, openlineage, s3
from lily.inbound.sources.base import (
    InboundError,
    InvalidSignatureError,
    MissingSignatureError,
    ParseError,
    PayloadError,
    Source,
    VerificationError,
)

SOURCES: Mapping[str, Source] = MappingProxyType(
    {module.NAME: module for module in (openlineage, monte_carlo, s3, generic)}
)


def get_source(name: str) -> Source:
    """The source registered under ``name``; ``KeyError`` names the known ones."""
    try:
        return SOURCES[name]
    except KeyError:
        raise KeyError(f"unknown inbound source {name!r}; known: {', '.join(sorted(SOURCES))}") from None


__all__ = [
    "SOURCES",
    "InboundError",
    "InvalidSignatureError",
    "MissingSignatureError",
    "ParseError",
    "PayloadError",
    "Source",
    "VerificationError",
    "get_source",
]
