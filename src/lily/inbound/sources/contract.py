"""What a source declares: everything the accept path, the routes and the worker need of it.

A source is one module ending with ``SOURCE = Source(...)``. Registering it (one line:
``lily.inbound.sources.register(module.SOURCE)``, or an entry in the built-in list) is all it takes
for ``POST /api/v1/sources/{name}/events`` to accept its events, ``/api/v1/sources/{name}/config`` to
hold its per-tenant secret and options, and the worker to parse and apply them. Nothing outside
the module branches on a source's name.

Order of use. At accept time (the API, per request, no I/O): authenticate by ``auth`` (``verify``
with the tenant's secret for a signature), decode the body, ``count`` (before ``split`` looks at any
event), ``split``, then per event ``check`` (a 4xx now), ``idempotency_key``, ``partition_key`` and
``event_type``. In the worker: ``parse`` (with ``config``'s options), then ``enrich`` inside the
applying transaction. Every function but ``enrich`` is pure, so a stored event can be re-parsed
after a fix and give the same operations.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel

from lily.model.events import MetadataEvent
from lily.model.identity import AssetRef

# A source's name is a URL segment, a metrics label and a 32-character column of the inbox.
_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")


class Auth(StrEnum):
    """How a request carrying a source's events proves who sends it."""

    BEARER = "bearer"  # an API key or access token; the events belong to the key's tenant
    SIGNATURE = "signature"  # ?tenant=<id> and a signature ``verify`` checks with that tenant's secret
    EITHER = "either"  # a bearer key when the request carries one (relays), else a signature

    @property
    def signed(self) -> bool:
        return self is not Auth.BEARER


@dataclass
class Enriched:
    """What an ``enrich`` hook keeps of an event's operations, and why it dropped any."""

    operations: list[MetadataEvent]
    note: str | None = None  # shown on the event, e.g. why a stale S3 record was skipped


class CatalogView(Protocol):
    """What an ``enrich`` hook may read of the catalog: one tenant, inside the applying transaction."""

    def attributes(self, refs: Sequence[AssetRef]) -> dict[AssetRef, dict[str, Any]]:
        """The stored attributes of each asset of ``refs`` that exists (deleted ones included)."""
        ...


class Parse(Protocol):
    def __call__(self, payload: Any, *, received_at: datetime | None = None,
                 options: Any = None) -> list[MetadataEvent]: ...


def count_listed(payload: Any) -> int:
    """Events a body lists at its top without looking at them: a JSON array's length, else one."""
    return len(payload) if isinstance(payload, list) else 1


def listed_under(key: str) -> Callable[[Any], int]:
    """``count`` of a source whose bodies may also wrap their events as ``{key: [...]}``."""
    def count(payload: Any) -> int:
        if isinstance(payload, dict) and isinstance(listed := payload.get(key), list):
            return len(listed)
        return count_listed(payload)
    return count


def nothing(item: Any, other: Any) -> None:
    """The default ``check`` and ``event_type``: nothing to refuse at accept time (the worker's parse
    finds what is wrong), and no label."""
    del item, other


@dataclass(frozen=True, slots=True, kw_only=True)
class Source:
    """A source's declaration. Required: what every source has; the rest defaults to "none"."""

    name: str  # [a-z][a-z0-9_]*, at most 32 characters
    split: Callable[[Any], list[Any]]  # a decoded body → the events stored (and keyed) one by one
    idempotency_key: Callable[[Any], str]  # a stable key (hex sha256): a redelivery is a duplicate
    partition_key: Callable[[Any], str]  # what must stay in order (a job's runs, an object, an incident)
    parse: Parse  # one event → operations; ``received_at`` only when the event has no time of its own
    title: str = ""  # in messages: "Monte Carlo" (default: the name)
    auth: Auth = Auth.BEARER
    # Raises a VerificationError when ``body`` is not signed with ``secret`` (never empty: a tenant
    # without a secret is refused before). Required unless ``auth`` is BEARER.
    verify: Callable[[bytes, Mapping[str, str], str], None] | None = None
    signature_header: str | None = None  # named in the 401 that asks for a signature
    count: Callable[[Any], int] = count_listed  # events a body lists, before ``split`` looks at them
    # The envelope checks a producer must hear about at once: raise an InboundError (its status is
    # the answer). What it returns is handed to ``event_type``, so nothing is classified twice.
    check: Callable[[Any, str], Any] = nothing
    event_type: Callable[[Any, Any], Any] = nothing  # a short label for filtering, or None
    enrich: Callable[[list[MetadataEvent], CatalogView], Enriched] | None = None  # needs the catalog
    config: type[BaseModel] | None = None  # the per-tenant options ``parse`` receives, validated

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise ValueError(f"source name {self.name!r}: expected [a-z][a-z0-9_]*, at most 32 characters")
        if self.auth.signed and (self.verify is None or not self.signature_header):
            raise ValueError(f"source {self.name!r} takes signatures ({self.auth}): declare verify and "
                             "signature_header")
        if not self.title:
            object.__setattr__(self, "title", self.name)

    def options(self, stored: Mapping[str, Any]) -> Any:
        """What ``parse`` takes as ``options``: the tenant's stored options, validated by ``config``."""
        return None if self.config is None else self.config.model_validate(dict(stored))


__all__ = ["Auth", "CatalogView", "Enriched", "Parse", "Source", "count_listed", "listed_under", "nothing"]
