"""Signed JSON webhooks for anything without a native target.

Signature (Stripe-style, so existing verification code is easy to adapt)::

    X-Lily-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + raw body)>

A subscriber recomputes the HMAC over the *raw* request body (bytes as received, before JSON
parsing), compares in constant time, and rejects timestamps outside its tolerance (replay
protection). :func:`verify_signature` does exactly that. Several ``v1=`` entries may appear during a
secret rotation; any match is accepted.

Events: ``policy.changed`` (a diff of one object's policy), ``classification.changed`` and
``incident.updated`` — each ``{"id", "type", "occurred_at", "data"}``.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import orjson

from lily.model.policy import ObjectPolicy, TargetKind
from lily.outbound.plan import PolicyDiff
from lily.outbound.targets.base import ApplyError, Statement, Target

SIGNATURE_HEADER = "X-Lily-Signature"
DEFAULT_TOLERANCE_S = 300


def sign(body: bytes, secret: str | bytes, timestamp: int) -> str:
    """The ``X-Lily-Signature`` header value for ``body`` sent at ``timestamp``."""
    key = secret.encode() if isinstance(secret, str) else secret
    mac = hmac.new(key, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify_signature(body: bytes, header: str, secret: str | bytes, now: float | None = None,
                     tolerance_s: int = DEFAULT_TOLERANCE_S) -> bool:
    """Subscriber-side check of a ``X-Lily-Signature`` header (pure; constant-time compare)."""
    ts: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        k, _, v = part.strip().partition("=")
        if k == "t" and v.isdigit():
            ts = int(v)
        elif k == "v1" and v:
            candidates.append(v)
    if ts is None or not candidates:
        return False
    current = time.time() if now is None else now
    if abs(current - ts) > tolerance_s:
        return False
    expected = sign(body, secret, ts).split("v1=", 1)[1]
    return any(hmac.compare_digest(expected, c) for c in candidates)


def _policy_json(p: ObjectPolicy) -> dict[str, Any]:
    return {
        "table_tags": sorted(p.table_tags),
        "column_tags": [{"column": c, "tag": t} for c, t in sorted(p.column_tags)],
        "masks": {c: m.model_dump(mode="json") for c, m in sorted(p.masks.items())},
        "row_filters": [f.model_dump(mode="json") for f in p.row_filters],
        "revoked_roles": sorted(p.revoked_roles),
    }


def event(type_: str, data: Mapping[str, Any], occurred_at: float, event_id: str | None = None) -> dict[str, Any]:
    return {"id": event_id or str(uuid.uuid4()), "type": type_, "occurred_at": occurred_at, "data": dict(data)}


def policy_event(diff: PolicyDiff, occurred_at: float) -> dict[str, Any]:
    data = {
        "object": {"namespace": diff.key.namespace, "name": diff.key.name},
        "before": _policy_json(diff.before),
        "after": _policy_json(diff.after),
        "changes": {
            "tags_set": [{"column": c, "tag": t} for c, t in sorted(diff.tags_set, key=str)],
            "tags_unset": [{"column": c, "tag": t} for c, t in sorted(diff.tags_unset, key=str)],
            "masks_set": sorted(diff.masks_set or {}),
            "masks_dropped": sorted(diff.masks_dropped),
            "row_filters_changed": diff.row_filters_changed,
            "grants": sorted(diff.grants),
            "revokes": sorted(diff.revokes),
        },
    }
    # Deterministic id: a replayed delivery of the same diff carries the same id (dedupe downstream).
    eid = hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest()[:32]
    return event("policy.changed", data, occurred_at, eid)


def classification_event(asset_id: uuid.UUID, qualified_name: str, tag: str, change: str, source: str,
                         occurred_at: float, provenance: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """``change`` is ``added`` or ``removed``."""
    return event("classification.changed", {"asset_id": str(asset_id), "asset": qualified_name, "tag": tag,
                                            "change": change, "source": source,
                                            "provenance": dict(provenance) if provenance else None}, occurred_at)


def incident_event(incident: Mapping[str, Any], affected: Iterable[str], occurred_at: float) -> dict[str, Any]:
    return event("incident.updated", {"incident": dict(incident), "affected": sorted(affected)}, occurred_at)


@dataclass(frozen=True, slots=True)
class Subscriber:
    url: str
    secret: str


class WebhookTarget(Target):
    kind: ClassVar[TargetKind] = TargetKind.WEBHOOK

    def __init__(self, subscribers: Mapping[str, Subscriber], clock: Any = time.time, timeout_s: float = 5.0):
        self.subscribers = dict(subscribers)
        self.clock = clock
        self.timeout_s = timeout_s

    def render(self, diff: PolicyDiff) -> list[Statement]:
        """One event per subscriber named by the object's policy (before or after: removals are news too)."""
        names = sorted(diff.before.notify | diff.after.notify)
        body = orjson.dumps(policy_event(diff, self.clock()), option=orjson.OPT_SORT_KEYS).decode()
        return [Statement("webhook", body, diff.key, destination=n) for n in names if n in self.subscribers]

    def render_event(self, payload: Mapping[str, Any], subscribers: Iterable[str]) -> list[Statement]:
        body = orjson.dumps(dict(payload), option=orjson.OPT_SORT_KEYS).decode()
        return [Statement("webhook", body, None, destination=n) for n in sorted(set(subscribers))
                if n in self.subscribers]

    def apply(self, statements: Sequence[Statement], connection: Any, delivery: uuid.UUID | None = None) -> int:
        """POST each event; ``connection`` is an ``httpx.Client``. Non-2xx raises ApplyError. Delivery
        is at least once; an event's body, its ``id`` included, is the same on every retry, so a
        receiver drops one it already took by that id."""
        for i, st in enumerate(statements):
            sub = self.subscribers[st.destination or ""]
            body = st.text.encode()
            headers = {"Content-Type": "application/json",
                       SIGNATURE_HEADER: sign(body, sub.secret, int(self.clock()))}
            try:
                resp = connection.post(sub.url, content=body, headers=headers, timeout=self.timeout_s)
                resp.raise_for_status()
            except Exception as e:
                raise ApplyError(i, st, e) from e
        return len(statements)
