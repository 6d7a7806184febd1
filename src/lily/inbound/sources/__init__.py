"""Inbound sources: one module per producer, each declaring a :class:`~.contract.Source` (how to
add one: ``contract.py``). The registry is read through ``SOURCES`` (read-only) and ``get_source``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from lily.inbound.sources import generic, monte_carlo, openlineage, s3
from lily.inbound.sources.base import InboundError
from lily.inbound.sources.contract import Auth, Source

BUILTIN: tuple[Source, ...] = (openlineage.SOURCE, monte_carlo.SOURCE, s3.SOURCE, generic.SOURCE)

_registered: dict[str, Source] = {}
SOURCES: Mapping[str, Source] = MappingProxyType(_registered)


def register(source: Source) -> Source:
    """Make ``source`` known to the accept path, the routes and the worker (of this process: a
    worker running apart must import the same registration, as it does the built-in list)."""
    known = _registered.get(source.name)
    if known is not None and known is not source:
        raise ValueError(f"another source is registered as {source.name!r}")
    _registered[source.name] = source
    return source


def unregister(name: str) -> None:
    """Forget a source (tests that register one of their own)."""
    _registered.pop(name, None)


def get_source(name: str) -> Source:
    """The source registered under ``name``; ``KeyError`` names the known ones."""
    try:
        return _registered[name]
    except KeyError:
        raise KeyError(f"unknown inbound source {name!r}; known: {', '.join(sorted(_registered))}") from None


for _source in BUILTIN:
    register(_source)


__all__ = ["BUILTIN", "SOURCES", "Auth", "InboundError", "Source", "get_source", "register", "unregister"]
