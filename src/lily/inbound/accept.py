"""Accepting a request body: decode → split → validate the envelope → one bus message per event.

Pure (no I/O): the API calls ``prepare`` and hands the messages to the bus, answering 2xx only
once the bus says they are durable. The full parse happens later, in the worker; here only what a
producer must hear about at once is checked (unreadable bodies, missing identities, a generic event
for another tenant), so the accept path stays cheap.
"""

from __future__ import annotations

import hashlib
import uuid
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from lily.bus.base import InboundMessage
from lily.inbound.sources import get_source, openlineage
from lily.inbound.sources.base import (
    InboundError,
    ParseError,
    PayloadError,
    header,
    parse_timestamp,
    require_object,
    require_str,
)
from lily.inbound.sources.decode import DEFAULT_LIMITS, GZIP_MAGIC, DecodeLimits, decompress, load_json
from lily.inbound.sources.generic import validate as validate_generic
from lily.inbound.sources.nesting import check_depth
from lily.store.inbox import _ID_NAMESPACE

# Request headers worth keeping with an event (for debugging a producer); never credentials.
KEPT_HEADERS = ("content-type", "content-encoding", "user-agent", "x-request-id", "x-forwarded-for")
# Characters of a refusal's reason kept in an answer: a reason may quote a value of the event
# (`not an ISO-8601 date-time: '…'`), and an answer must not grow with the body.
MAX_REASON_CHARS = 300


class TenantMismatch(InboundError):
    """A generic event names a tenant other than the caller's."""

    status = 403


@dataclass(frozen=True)
class Rejected:
    """One event of a batch refused at accept time (the others still go through)."""

    index: int
    reason: str
    status: int


@dataclass(frozen=True)
class Prepared:
    messages: list[InboundMessage]
    rejected: list[Rejected]
    indexes: list[int]  # position in the request of each message


@dataclass(frozen=True)
class RequestInfo:
    tenant_id: str
    actor: str | None
    correlation_id: str | None
    received_at: datetime
    headers: Mapping[str, str]


def read_body(body: bytes, headers: Mapping[str, str], limits: DecodeLimits) -> tuple[bytes, Any]:
    """The decompressed bytes and the decoded JSON (raises PayloadError with 400/413/415); its
    nesting is checked by :func:`prepare`, after the cheaper event count."""
    raw = decompress(body, headers, limits)
    return raw, load_json(raw)


QUICK_BODY_BYTES = 64 * 1024


def decodes_quickly(body: bytes, headers: Mapping[str, str]) -> bool:
    """Whether decoding ``body`` surely takes well under a millisecond: small and not compressed (a
    gzip body may expand up to the decode limit). Callers on an event loop decode such bodies in
    place and hand the others to a thread, so the loop never stalls behind one request."""
    return (len(body) <= QUICK_BODY_BYTES and not body.startswith(GZIP_MAGIC)
            and header(headers, "content-encoding") is None)


def prepare(source_name: str, raw: bytes, payload: Any, info: RequestInfo, *, partitions: int,
            partial: bool = False, limits: DecodeLimits = DEFAULT_LIMITS) -> Prepared:
    """Messages for every event in ``payload``.

    ``partial=False`` (single-event endpoints): the first invalid event raises its InboundError.
    ``partial=True`` (``/lineage/batch``): invalid events are reported in ``rejected`` instead.
    Whole-request refusals come first, cheapest first: more than ``limits.max_batch_events``
    events (413, before any event is looked at), then an event nested deeper than
    ``limits.max_depth`` (422, before anything serializes it; a batch's array does not count).
    """
    source = get_source(source_name)
    _check_count(_listed(source_name, payload), limits.max_batch_events)  # split looks at every item
    check_depth(payload, limits.max_depth, raw, envelope=1 if isinstance(payload, list) else 0)
    items = source.split(payload)
    _check_count(len(items), limits.max_batch_events)  # envelopes that split finds more events in (S3)
    kept = {k: v for k in KEPT_HEADERS if (v := header(info.headers, k)) is not None}
    tenant_id, received_at, actor, correlation_id = info.tenant_id, info.received_at, info.actor, info.correlation_id
    ids = _EventIds(tenant_id, source_name)
    idempotency_key = source.idempotency_key
    partition_prefix = f"{tenant_id}\x1f"
    n_partitions = max(1, partitions)
    messages: list[InboundMessage] = []
    rejected: list[Rejected] = []
    indexes: list[int] = []
    for index, item in enumerate(items):
        try:
            kind = check(source_name, item, tenant_id)
            key, data = _serialized(source_name, idempotency_key, item, payload, raw)
        except InboundError as exc:
            if not partial:
                raise
            rejected.append(Rejected(index, short_reason(str(exc)), exc.status))
            continue
        part = zlib.crc32(f"{partition_prefix}{partition_key(source_name, item)}".encode()) % n_partitions
        messages.append(InboundMessage.fast(
            ids(key), tenant_id, source_name, key, part, data, received_at, event_type(source_name, item, kind),
            kept, actor, correlation_id,
        ))
        indexes.append(index)
    return Prepared(messages, rejected, indexes)


# The arrays of events a source's body may wrap (besides a top-level JSON array).
_WRAPPERS = {"openlineage": "events", "s3": "Records"}


def _listed(source_name: str, payload: Any) -> int:
    """How many events a body lists at its top, counted without looking at them (1 for an object
    that is not a known wrapper: a Monte Carlo webhook is one event whatever arrays it holds)."""
    if isinstance(payload, list):
        return len(payload)
    wrapper = _WRAPPERS.get(source_name)
    if wrapper and isinstance(payload, dict) and isinstance(listed := payload.get(wrapper), list):
        return len(listed)
    return 1


def _check_count(count: int, max_events: int) -> None:
    if count > max_events:
        raise PayloadError(f"the request holds {count} events, over the limit of {max_events} per request; "
                           "send them in smaller batches", status=413)


def _serialized(source_name: str, idempotency_key: Callable[[Any], str], item: Any, payload: Any,
                raw: bytes) -> tuple[str, bytes]:
    """The item's idempotency key and the bytes stored for it. Both serialize the item: what cannot
    be serialized is refused here (422), never left to fail as a retryable 503 or in the worker."""
    try:
        key = idempotency_key(item)
        # Keep the producer's bytes when the body is the event itself; re-serialise split items.
        return key, raw if item is payload else orjson.dumps(item)
    except InboundError:
        raise
    except (TypeError, ValueError) as exc:  # orjson.JSONEncodeError is a TypeError
        raise PayloadError(f"the {source_name} event cannot be serialized: {exc}", status=422) from exc


def short_reason(reason: str) -> str:
    """``reason`` cut to :data:`MAX_REASON_CHARS` characters."""
    return reason if len(reason) <= MAX_REASON_CHARS else reason[:MAX_REASON_CHARS] + "…"


class _EventIds:
    """``event_id(tenant_id, source, key)`` for many keys of one tenant and source (the hash of the
    common prefix is computed once): uuid5 is sha1 over the namespace's bytes and the name."""

    __slots__ = ("_prefix",)

    def __init__(self, tenant_id: str, source_name: str) -> None:
        self._prefix = hashlib.sha1(_ID_NAMESPACE.bytes + f"{tenant_id}\x1f{source_name}\x1f".encode(),
                                    usedforsecurity=False)

    def __call__(self, key: str) -> uuid.UUID:
        digest = self._prefix.copy()
        digest.update(key.encode())
        return uuid.UUID(bytes=digest.digest()[:16], version=5)  # as uuid.uuid5 builds it


def check(source_name: str, item: Any, tenant_id: str) -> openlineage.EventKind | None:
    """Envelope checks a producer should hear about synchronously (4xx), per source.

    Returns the OpenLineage event kind (None for other sources), so callers need not classify again.
    """
    if source_name == "openlineage":
        return _check_openlineage(item)
    if source_name == "generic":
        event = validate_generic(item)
        if event.tenant_id != tenant_id:
            raise TenantMismatch(f"tenant_id {event.tenant_id!r} is not the caller's tenant {tenant_id!r}")
    elif source_name == "monte_carlo":
        require_object(item, "")
    return None


def _check_openlineage(item: Any) -> openlineage.EventKind:
    # What Marquez answers 422 for: identities it cannot store the event under.
    event = require_object(item, "")
    kind = openlineage.classify(event)
    parse_timestamp(event.get("eventTime"), "eventTime")
    if kind is openlineage.EventKind.DATASET:
        dataset = require_object(event.get("dataset"), "dataset")
        require_str(dataset, "namespace", "dataset")
        require_str(dataset, "name", "dataset")
        return kind
    job = require_object(event.get("job"), "job")
    require_str(job, "namespace", "job")
    require_str(job, "name", "job")
    if kind is openlineage.EventKind.RUN:
        require_str(require_object(event.get("run"), "run"), "runId", "run")
    return kind


def partition_key(source_name: str, item: Any) -> str:
    """What must stay in order: a job's runs, a dataset, an incident, an S3 object, an asset."""
    if not isinstance(item, dict):
        return ""
    if source_name == "openlineage":
        node = item.get("dataset") if isinstance(item.get("dataset"), dict) else item.get("job")
        if isinstance(node, dict):
            return f"{node.get('namespace')}/{node.get('name')}"
    elif source_name == "monte_carlo":
        inner = item.get("payload") if isinstance(item.get("payload"), dict) else item
        return str(inner.get("incident_id") or item.get("incident_id") or "")
    elif source_name == "s3":
        detail = item.get("detail") if isinstance(item.get("detail"), dict) else None
        if detail is not None:
            return f"{_get(detail, 'bucket', 'name')}/{_get(detail, 'object', 'key')}"
        s3 = item.get("s3") if isinstance(item.get("s3"), dict) else {}
        return f"{_get(s3, 'bucket', 'name')}/{_get(s3, 'object', 'key')}"
    elif source_name == "generic":
        payload = item.get("payload") if isinstance(item.get("payload"), dict) else {}
        return str(payload.get("asset_id") or "")
    return ""


def _get(obj: dict[str, Any], *path: str) -> Any:
    for part in path:
        obj = obj.get(part) if isinstance(obj, dict) else None  # type: ignore[assignment]
    return obj


def partition_of(tenant_id: str, key: str, partitions: int) -> int:
    """A stable partition number (crc32 is fast and identical in every process)."""
    return zlib.crc32(f"{tenant_id}\x1f{key}".encode()) % max(1, partitions)


def event_type(source_name: str, item: Any, kind: openlineage.EventKind | None = None) -> str | None:
    """A short label for filtering: ``RunEvent.COMPLETE``, ``ObjectCreated:Put``, ``asset.created``.

    ``kind``: the OpenLineage kind when the caller has classified ``item`` already.
    """
    if not isinstance(item, dict):
        return None
    value: Any = None
    if source_name == "openlineage":
        kind = (kind if kind is not None else openlineage.classify(item)).value
        et = item.get("eventType")
        value = f"{kind}.{et}" if kind == "RunEvent" and isinstance(et, str) else kind
    elif source_name == "monte_carlo":
        value = item.get("type")
    elif source_name == "s3":
        value = item.get("eventName") or item.get("detail-type")
    elif source_name == "generic":
        value = str(item.get("event_type") or "").strip().lower().replace("_", ".") or None
    # A label is stored as text: PostgreSQL refuses NUL in text, and a producer's type field must not
    # make its event unstorable (the whole event is kept as bytes).
    return str(value).replace("\x00", "")[:120] or None if value else None


__all__ = ["ParseError", "Prepared", "Rejected", "RequestInfo", "TenantMismatch", "prepare", "read_body"]
