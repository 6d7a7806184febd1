"""The errors a source raises (each carries the HTTP status the API answers) and the helpers
sources share to read payloads. What a source declares is in ``contract.py``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import orjson


class InboundError(ValueError):
    """Base of every inbound error; ``status`` is the HTTP status the API should answer."""

    status: int = 400


class PayloadError(InboundError):
    """The body cannot be read at all (too large, bad compression, not JSON)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class ParseError(InboundError):
    """The body is JSON but not a valid event of its source. ``path`` names the offending field."""

    status = 422

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path


class VerificationError(InboundError):
    """The request could not be authenticated by its source signature."""

    status = 403


class MissingSignatureError(VerificationError):
    """A secret is configured but the request carries no signature (→ 401)."""

    status = 401


class InvalidSignatureError(VerificationError):
    """The signature does not match the body (→ 403)."""


class NoSecretError(VerificationError):
    """The tenant has configured no secret for the source, so no signature can be trusted (→ 401)."""

    status = 401


class TenantMismatch(InboundError):
    """An event names a tenant other than the caller's (→ 403)."""

    status = 403


def header(headers: Mapping[str, str], name: str) -> str | None:
    """Case-insensitive header lookup (HTTP header names are case-insensitive)."""
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


def canonical_json(value: Any) -> bytes:
    """Canonical JSON: sorted keys at every level, compact — equal documents give equal bytes."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def sha256_hex(*parts: str | bytes) -> str:
    """sha256 over parts separated by a unit separator, so ("ab", "c") and ("a", "bc") differ."""
    joined = b"\x1f".join(part.encode() if isinstance(part, str) else part for part in parts)
    return hashlib.sha256(joined).hexdigest()


def parse_timestamp(value: Any, path: str) -> datetime:
    """Lenient ISO-8601: ``Z``/offsets/naive (naive means UTC), any fraction digits (nanoseconds)."""
    if not isinstance(value, str) or not value.strip():
        raise ParseError(path, "expected an ISO-8601 date-time string")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise ParseError(path, f"not an ISO-8601 date-time: {value!r}") from exc
    # Real producers (the Python client's own fixtures) send naive times meaning UTC.
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def nonblank(value: Any) -> str | None:
    """``value`` if it is a string with more than whitespace, else None (the lenient readers)."""
    return value if isinstance(value, str) and value.strip() else None


def require_str(obj: Mapping[str, Any], key: str, path: str) -> str:
    """A required non-empty string field, with a precise error naming its path."""
    value = obj.get(key)
    where = f"{path}.{key}" if path else key
    if value is None:
        raise ParseError(where, "is required")
    if not isinstance(value, str):
        raise ParseError(where, f"expected a string, got {type(value).__name__}")
    if not value.strip():
        raise ParseError(where, "must not be empty")
    return value


def require_object(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ParseError(path, f"expected an object, got {_json_type(value)}")
    return value


def optional_object(obj: Mapping[str, Any], key: str, path: str) -> dict[str, Any]:
    """An optional object field; absent or null gives ``{}``, any other non-object is an error."""
    value = obj.get(key)
    if value is None:
        return {}
    return require_object(value, f"{path}.{key}" if path else key)


def optional_list(obj: Mapping[str, Any], key: str, path: str) -> list[Any]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ParseError(f"{path}.{key}" if path else key, f"expected an array, got {_json_type(value)}")
    return value


_JSON_TYPES = {type(None): "null", bool: "boolean", int: "number", float: "number", str: "string", list: "array",
               dict: "object"}


def _json_type(value: Any) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)
