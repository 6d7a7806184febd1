"""Query-parameter types and patterns whose OpenAPI declaration is exactly what the API accepts.

A parameter's schema and its validation come from one declaration here, so the document never
admits a value a handler then refuses (400 for a "valid" request) nor omits a check the API makes.

Patterns are written for three regex engines at once: pydantic's (Rust ``regex``), which enforces
them, ECMA-262, which the OpenAPI document is read with (schemathesis, client generators), and
Python's ``re``, which the handlers' own parsers use. So they avoid the places where those differ:
``\\d``, ``\\s`` and ``.`` (Unicode-wide in one engine, ASCII or newline-free in another) are spelled
as explicit classes, and case-insensitivity as ``[Nn][Aa]…`` instead of ``(?i)``.
"""

from __future__ import annotations

import base64
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from pydantic import PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

# The characters str.strip() removes: Python's whitespace, which is neither ECMA's nor Rust's `\s`
# (it has U+001C-U+001F and U+0085, not U+FEFF). tests/api/test_conformance.py checks the list.
WHITESPACE = "\\u0009-\\u000d\\u001c-\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
# Free text: no NUL (PostgreSQL text cannot hold one). Not blank: also a character strip() keeps.
TEXT = "^[^\\u0000]*$"
NOT_BLANK = f"^[^\\u0000]*[^{WHITESPACE}\\u0000][^\\u0000]*$"
UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


def any_case(*words: str) -> str:
    """A pattern matching exactly ``words`` in any letter case (no inline flags: ECMA has none)."""
    def spell(word: str) -> str:
        return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else re.escape(c) for c in word)
    return f"^(?:{'|'.join(spell(w) for w in words)})$"


# ------------------------------------------------------------------------------------- times

_RFC3339 = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:[Zz]|[+-][0-9]{2}:[0-9]{2})")
_MIN, _MAX = datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)


def parse_instant(value: Any) -> datetime:
    """An RFC 3339 date-time (what ``format: date-time`` means) as an aware UTC datetime.

    Not pydantic's lax datetime: it takes numbers (``0.5`` is a Unix time) and times without an
    offset, which the declared format does not. Leap seconds count as the next second; instants
    beyond Python's range after the offset is applied are clamped (they bound a time window).
    """
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str) or not _RFC3339.fullmatch(value):
        raise PydanticCustomError("date_time", "expected an RFC 3339 date-time with an offset, e.g. 2024-05-01T12:00:00Z")
    text = value.upper()
    leap = text[17:19] == "60"
    if leap:
        text = f"{text[:17]}59{text[19:]}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise PydanticCustomError("date_time", "not a date-time: {reason}", {"reason": str(exc)}) from None
    try:
        return parsed.astimezone(UTC) + timedelta(seconds=1 if leap else 0)
    except OverflowError:
        return _MIN if parsed.year < 2 else _MAX


def parse_day(value: Any) -> date:
    """A full-date (``format: date``): ``YYYY-MM-DD`` only (pydantic would also take a Unix time)."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise PydanticCustomError("date", "expected a date, YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise PydanticCustomError("date", "not a date: {reason}", {"reason": str(exc)}) from None


Instant = Annotated[datetime, PlainValidator(parse_instant),
                    WithJsonSchema({"type": "string", "format": "date-time"})]
Day = Annotated[date, PlainValidator(parse_day), WithJsonSchema({"type": "string", "format": "date"})]


# ----------------------------------------------------------------------------------- cursors
# Every string a cursor pattern admits decodes: a malformed cursor is a 422 from the parameter,
# never a 400 from the handler. An empty cursor is the first page (clients often send `cursor=`).

ID_CURSOR = "^(?:[A-Za-z0-9_-]{22})?$"  # base64url of a UUID's 16 bytes
SEQ_CURSOR = "^(?:[A-Za-f][A-Za-z0-9_-]{10})?$"  # base64url of a sequence number's 8 bytes, < 2**63


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def id_cursor(value: uuid.UUID) -> str:
    return _b64(value.bytes)


def id_after(cursor: str) -> uuid.UUID:
    return uuid.UUID(bytes=_unb64(cursor))


def seq_cursor(seq: int) -> str:
    return _b64(seq.to_bytes(8, "big"))


def seq_after(cursor: str) -> int:
    return int.from_bytes(_unb64(cursor), "big")


# ------------------------------------------------------------------------------ Marquez NodeIds
# Every id these patterns admit parses (lily.api.marquez_ids), and every id Lily emits matches. A
# NodeId splits at ':' as Marquez does: with more ':' than the kind has parts, the separators are
# the first ones not followed by '//' or a digit (URI namespaces: postgres://db:5432). So a kind of
# n parts is either exactly n-1 ':'-separated parts, or n-1 separators each followed by a part
# that does not start with a digit or '//' (and whose own ':'s are followed by one).

_REST = "(?:[^:\\u0000]|:[0-9]|://)*"  # a part's remaining characters: no separator
_PART = f"(?:(?:[^0-9/:\\u0000]|/[^/:\\u0000]){_REST}|/)?"  # a part that keeps the ':' before it a separator


def _node_kind(kind: str, parts: int) -> str:
    exact = f"(?::[^:\\u0000]*){{{parts}}}"
    separated = f"(?::{_PART}){{{parts}}}(?::[^\\u0000]*)?"
    return f"{kind}(?:{exact}|{separated})"


DATASET_OR_JOB_NODE = f"^(?:dataset|job)(?:{_node_kind('', 2)})$"
FIELD_NODE = f"^{_node_kind('datasetField', 3)}$"
RUN_NODE = f"^run:{UUID}(?:#{UUID})?$"


def node_id(*kinds: str) -> str:
    """The pattern of NodeIds of ``kinds`` (dataset and job go together: they have the same parts)."""
    alternatives = {"dataset": DATASET_OR_JOB_NODE, "datasetField": FIELD_NODE, "run": RUN_NODE}
    chosen = dict.fromkeys(alternatives["dataset" if k == "job" else k][1:-1] for k in kinds)
    return f"^(?:{'|'.join(chosen)})$"

