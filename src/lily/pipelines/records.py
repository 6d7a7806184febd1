"""What a log record looks like on the way in: field aliases and timestamp parsing (pure).

JSON producers disagree on names (``ts`` / ``timestamp``, ``latency_ms`` / ``duration_ms``); each
canonical field lists the input names it accepts, first match wins. Ingest (to find a file's event
date) and normalize (to build silver) share this table so they agree on what a record's time is.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

# canonical field -> accepted input names, in priority order
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "event_time": ("ts", "timestamp", "time", "@timestamp", "event_time"),
    "log_type": ("log_type", "type"),
    "service": ("service", "svc", "app"),
    "host": ("host", "hostname"),
    "method": ("method", "http_method"),
    "path": ("path", "endpoint", "url"),
    "status": ("status", "status_code"),
    "latency_ms": ("latency_ms", "duration_ms", "elapsed_ms"),
    "user_id": ("user_id", "user", "uid"),
    "client_ip": ("client_ip", "ip", "remote_addr"),
    "level": ("level", "severity"),
    "message": ("message", "msg"),
}

ALL_INPUT_NAMES: tuple[str, ...] = tuple(dict.fromkeys(n for names in FIELD_ALIASES.values() for n in names))


def parse_timestamp(value: Any) -> datetime | None:
    """An ISO-8601 timestamp as an aware UTC datetime; naive values are taken as UTC.

    Mirrors the engine's ``TIMESTAMPTZ`` cast closely enough for routing; where the two ever
    disagree, normalize's routing-window check rejects the row with a reason rather than lose it.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def record_event_time(record: Any) -> datetime | None:
    """The event time of one decoded record (first present alias), or ``None``."""
    if not isinstance(record, dict):
        return None
    # first alias with a non-null value, the same rule as normalize's COALESCE
    for name in FIELD_ALIASES["event_time"]:
        if record.get(name) is not None:
            return parse_timestamp(record[name])
    return None


def record_event_date(record: Any) -> date | None:
    moment = record_event_time(record)
    return moment.date() if moment else None
