"""Monte Carlo incident webhooks (PROTOCOLS §3) → ``UpsertIncident``.

Signature: ``x-mcd-signature`` is hex HMAC-SHA512. Monte Carlo's reference verifier signs
``urlencode(json.loads(body))`` (nested objects rendered as Python ``repr``), not the raw bytes; we
accept that form and the raw-body form, compared in constant time. Payload fields may sit inside
``payload`` or at the top level (undocumented), so both are read; unknown ``type`` values are kept.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from lily.inbound.sources.base import (
    InvalidSignatureError,
    MissingSignatureError,
    NoSecretError,
    ParseError,
    canonical_json,
    header,
    nonblank,
    optional_object,
    parse_timestamp,
    require_object,
    sha256_hex,
)
from lily.inbound.sources.contract import Auth, Source
from lily.inbound.sources.monte_carlo_mapping import MonteCarloMapping, MonteCarloOptions, TableReference
from lily.model.events import MetadataEvent, UpsertIncident

NAME = "monte_carlo"
SIGNATURE_HEADER = "x-mcd-signature"

# alert_feedback → Lily incident status. null/no_status mean nobody has looked at it yet.
_STATUS = {
    "no_status": "open",
    "investigating": "investigating",
    "work_in_progress": "investigating",
    "fixed": "resolved",
    "expected": "resolved",
    "no_action_needed": "resolved",
    "false_positive": "resolved",
}
# The fields whose change makes a new timeline update (PROTOCOLS §3 update-event table).
UPDATE_FIELDS = ("type", "alert_feedback", "declared_alert_severity", "owner")
_TIME_FIELDS = ("updated_time", "created_time", "event_time", "timestamp")


def reference_signing_string(body: bytes) -> bytes:
    """What Monte Carlo's documented verifier signs: ``urlencode(json.loads(body))``."""
    return urlencode(json.loads(body)).encode()


def sign(body: bytes, secret: str, *, reference: bool = True) -> str:
    """Hex HMAC-SHA512 of the body, in Monte Carlo's reference form or over the raw bytes."""
    message = reference_signing_string(body) if reference else body
    return hmac.new(secret.encode(), message, hashlib.sha512).hexdigest()


def verify(body: bytes, headers: Mapping[str, str], secret: str | None) -> None:
    """Check ``x-mcd-signature`` against the tenant's secret.

    A tenant without a secret takes no webhook at all, signed or not: anyone could otherwise write
    incidents into it. Raises :class:`NoSecretError` (→ 401; the route refuses such a tenant before
    calling this), :class:`MissingSignatureError` (→ 401) or :class:`InvalidSignatureError` (→ 403).
    """
    if not secret:
        raise NoSecretError("no Monte Carlo webhook secret is configured: webhooks are refused")
    received = (header(headers, SIGNATURE_HEADER) or "").strip().lower().removeprefix("sha512=")
    if not received:
        raise MissingSignatureError(f"missing {SIGNATURE_HEADER} header")
    candidates = [sign(body, secret, reference=False)]
    # A body that is not a JSON object has no reference form: only the raw-body form can match.
    with contextlib.suppress(ValueError, TypeError):
        candidates.append(sign(body, secret, reference=True))
    # Compare against every candidate (no short-circuit) so timing does not reveal which form matched.
    matches = [hmac.compare_digest(received.encode(), c.encode()) for c in candidates]
    if not any(matches):
        raise InvalidSignatureError(f"{SIGNATURE_HEADER} does not match the body")


def split(payload: Any) -> list[Any]:
    """One webhook is one incident update."""
    return [payload]


def check(item: Any, tenant_id: str) -> None:
    """A webhook is an object; everything else is the worker's parse to judge."""
    del tenant_id  # the tenant is the route's (?tenant= and its secret, or the bearer key's)
    require_object(item, "")


def partition_key(item: Any) -> str:
    """The incident: its updates stay in order."""
    if not isinstance(item, dict):
        return ""
    inner = item.get("payload") if isinstance(item.get("payload"), dict) else item
    return str(inner.get("incident_id") or item.get("incident_id") or "")


def event_type(item: Any, checked: Any = None) -> Any:
    """The webhook's ``type`` (``open_anomaly_incident``, ``incident_status_update``, …)."""
    del checked
    return item.get("type") if isinstance(item, dict) else None


def idempotency_key(payload: Any) -> str:
    """Incident id + a hash of the update fields, the event list (a new event is not deduped) and
    the update's own time when it has one: an alert re-opened after ``fixed`` repeats an earlier
    ``alert_feedback`` with a later ``updated_time``, and only its time tells it from a redelivery."""
    body = require_object(payload, "")
    inner = optional_object(body, "payload", "")
    incident_id = _incident_id(body, inner)
    update = {name: _field(body, inner, name) for name in UPDATE_FIELDS}
    update["event_list"] = inner.get("event_list")
    update |= _times(body, inner)  # absent when the payload has none: keys stay as before
    return sha256_hex(NAME, incident_id, canonical_json(update))


def parse(payload: Any, *, received_at: datetime | None = None, options: Any = None) -> list[MetadataEvent]:
    """One ``UpsertIncident``; ``options`` is the tenant's :class:`MonteCarloOptions` or just a
    :class:`MonteCarloMapping` (default: map nothing).

    Monte Carlo payloads carry no timestamp of their own, so ``received_at`` (the inbox time) is the
    observation time unless the payload has one.
    """
    if isinstance(options, MonteCarloOptions):
        options = options.mapping
    mapping = options if isinstance(options, MonteCarloMapping) else MonteCarloMapping()
    body = require_object(payload, "")
    inner = optional_object(body, "payload", "")
    incident_id = _incident_id(body, inner)
    observed_at = _observed_at(body, inner, received_at)

    present = {name: _field(body, inner, name) for name in UPDATE_FIELDS if _has(body, inner, name)}
    feedback = present.get("alert_feedback")
    status: str | None = None
    if "alert_feedback" in present:
        status = "open" if feedback is None else _STATUS.get(str(feedback).lower(), str(feedback).lower())
    elif str(body.get("type") or "").startswith("open_"):
        status = "open"
    severity = present.get("declared_alert_severity") or _field(body, inner, "severity")

    events = [e for e in inner.get("event_list") or [] if isinstance(e, dict)]
    affected, unresolved = [], []
    for reference in _references(inner, events):
        ref = mapping.resolve(reference)
        if ref is None:
            unresolved.append(reference.as_dict())
        elif ref not in affected:
            affected.append(ref)

    update: dict[str, Any] = {
        **present,
        # The update's own time as sent: part of the timeline entry's identity (``store.incidents``),
        # so a re-open (same status as an earlier update, later time) is a new entry, not a redelivery.
        **_times(body, inner),
        "action": body.get("action"),
        "version": body.get("version"),
        "account_id": body["account"].get("id") if isinstance(body.get("account"), dict) else None,
        "group_id": inner.get("group_id"),
        "event_details": [e["event_details"] for e in events if isinstance(e.get("event_details"), str)],
        "event_list": events,
        "observed_at": observed_at.isoformat(),
    }
    return [
        UpsertIncident(
            source=NAME,
            external_id=incident_id,
            title=_title(inner, events),
            default_title=_kind_title(body),
            status=status,
            severity=str(severity) if severity else None,
            owner=str(present["owner"]) if present.get("owner") else None,
            link=inner.get("url") if isinstance(inner.get("url"), str) else None,
            affected=affected,
            unresolved=unresolved,
            update={k: v for k, v in update.items() if v not in (None, [], "")} | present,
            observed_at=observed_at,
        )
    ]


def _has(body: dict[str, Any], inner: dict[str, Any], name: str) -> bool:
    return name in inner or name in body


def _field(body: dict[str, Any], inner: dict[str, Any], name: str) -> Any:
    """Update fields may arrive inside ``payload`` or at the top level; ``payload`` wins."""
    return inner[name] if name in inner else body.get(name)


def _times(body: dict[str, Any], inner: dict[str, Any]) -> dict[str, Any]:
    """The payload's own timestamps (``_TIME_FIELDS``) that are present, as sent."""
    return {name: _field(body, inner, name) for name in _TIME_FIELDS
            if _has(body, inner, name) and _field(body, inner, name) not in (None, "")}


def _incident_id(body: dict[str, Any], inner: dict[str, Any]) -> str:
    value = _field(body, inner, "incident_id")
    if not nonblank(value):
        raise ParseError("payload.incident_id", "is required (a non-empty string)")
    return value


def _observed_at(body: dict[str, Any], inner: dict[str, Any], received_at: datetime | None) -> datetime:
    for name in _TIME_FIELDS:
        value = _field(body, inner, name)
        if nonblank(value):
            return parse_timestamp(value, f"payload.{name}")
    if received_at is None:
        raise ParseError("", "the payload has no timestamp and no received_at was given")
    return received_at


def _title(inner: dict[str, Any], events: list[dict[str, Any]]) -> str | None:
    """The incident's name if this update carries one (a status-only update does not)."""
    for name in ("title", "incident_name", "name"):
        if nonblank(inner.get(name)):
            return inner[name]
    for event in events:
        rule = event.get("rule")
        if isinstance(rule, dict) and nonblank(rule.get("description")):
            return rule["description"]
        if nonblank(event.get("event_details")):
            return event["event_details"]
    return None


def _kind_title(body: dict[str, Any]) -> str:
    kind = str(body.get("type") or "incident").removeprefix("open_").replace("_", " ")
    return kind[:1].upper() + kind[1:]


def _references(inner: dict[str, Any], events: list[dict[str, Any]]) -> list[TableReference]:
    """Every table the incident names: event tables and custom-rule comparison tables, deduplicated."""
    candidates: list[dict[str, Any]] = [inner, *events]
    for event in events:
        rule = event.get("rule")
        if isinstance(rule, dict) and isinstance(rule.get("comparisons"), list):
            candidates += [c for c in rule["comparisons"] if isinstance(c, dict)]
    references = (TableReference.from_event(item) for item in candidates)
    return list(dict.fromkeys(r for r in references if r is not None))  # in order, each once


SOURCE = Source(
    name=NAME, title="Monte Carlo", auth=Auth.EITHER, verify=verify, signature_header=SIGNATURE_HEADER,
    split=split, check=check, idempotency_key=idempotency_key, partition_key=partition_key,
    event_type=event_type, parse=parse, config=MonteCarloOptions,
)
