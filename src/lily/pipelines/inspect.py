"""File-level inspection for ingest: format, event date, integrity — never the records themselves.

Reads the least that answers the question: the head (format), the first record with a valid event
time (routing date), and for NDJSON the tail (a truncated upload ends mid-record). Gzip is the one
exception: integrity can only be proved by decompressing to the end of the stream, which is done in
constant memory and without parsing records.
"""

from __future__ import annotations

import gzip
import io
import json
import zlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any

from lily.pipelines.formats import LogFormat, detect_format, is_blank, strip_leading
from lily.pipelines.records import record_event_date
from lily.pipelines.xmllogs import InvalidXml, UnsafeXml, first_record

HEAD_BYTES = 64 * 1024
TAIL_BYTES = 64 * 1024
MAX_SCAN_LINES = 1000  # lines examined to find the first record with a valid event time
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Inspection:
    """Verdict on one file: routable (format + file_date) or rejected (reason + detail)."""

    format: LogFormat | None
    file_date: date | None
    reason: str | None = None
    detail: str = ""

    @property
    def accepted(self) -> bool:
        return self.reason is None


def _reject(reason: str, detail: str = "", fmt: LogFormat | None = None) -> Inspection:
    return Inspection(format=fmt, file_date=None, reason=reason, detail=detail)


def first_dated_line(lines: IO[bytes]) -> date | None:
    """Event date of the first decodable JSON line with a valid time, within ``MAX_SCAN_LINES``."""
    for count, raw in enumerate(lines):
        if count >= MAX_SCAN_LINES:
            return None
        if not raw.strip():
            continue
        try:
            record: Any = json.loads(raw)
        except ValueError:
            continue
        found = record_event_date(record)
        if found is not None:
            return found
    return None


def tail_is_truncated(tail: bytes) -> bool:
    """True when the data ends inside a record: no final newline and the last line is not JSON."""
    if not tail.rstrip(b" \t\r"):
        return False
    if tail.endswith(b"\n"):
        return False
    last = tail.rsplit(b"\n", 1)[-1]
    try:
        json.loads(last)
    except ValueError:
        return True
    return False


def _read_tail(path: Path) -> bytes:
    with path.open("rb") as fh:
        fh.seek(0, io.SEEK_END)
        size = fh.tell()
        fh.seek(max(0, size - TAIL_BYTES))
        return fh.read()


def _inspect_ndjson(path: Path) -> Inspection:
    if tail_is_truncated(_read_tail(path)):
        return _reject("truncated_ndjson", "last line is an incomplete JSON record", LogFormat.NDJSON)
    with path.open("rb") as fh:
        found = first_dated_line(fh)
    if found is None:
        return _reject("no_event_time", f"no record with a valid event time in the first {MAX_SCAN_LINES} lines",
                       LogFormat.NDJSON)
    return Inspection(LogFormat.NDJSON, found)


def _inspect_gzip(path: Path) -> Inspection:
    head = bytearray()
    tail = b""
    whole: list[bytes] = []  # kept only for a JSON array, which has no line structure
    is_array: bool | None = None
    try:
        with gzip.open(path, "rb") as fh:
            while chunk := fh.read(_CHUNK):
                if len(head) < HEAD_BYTES:
                    head.extend(chunk[: HEAD_BYTES - len(head)])
                if is_array is None and strip_leading(bytes(head)):
                    is_array = strip_leading(bytes(head)).startswith(b"[")
                if is_array:
                    whole.append(chunk)
                tail = (tail + chunk)[-TAIL_BYTES:]
    except EOFError as exc:
        return _reject("truncated_gzip", str(exc), LogFormat.JSON_GZIP)
    except (gzip.BadGzipFile, zlib.error, OSError) as exc:
        return _reject("corrupt_gzip", str(exc), LogFormat.JSON_GZIP)
    if is_blank(bytes(head)):
        return _reject("empty_file", "gzip stream decompresses to nothing", LogFormat.JSON_GZIP)
    body = strip_leading(bytes(head))
    if is_array:
        try:
            records = json.loads(b"".join(whole))
        except ValueError as exc:
            return _reject("invalid_json_array", str(exc), LogFormat.JSON_GZIP)
        found = next((d for d in map(record_event_date, records) if d is not None), None)
    elif body.startswith(b"{"):
        if tail_is_truncated(tail):
            return _reject("truncated_ndjson", "last line is an incomplete JSON record", LogFormat.JSON_GZIP)
        found = first_dated_line(io.BytesIO(bytes(head)))
    else:
        return _reject("unknown_format", "gzip content is neither NDJSON nor a JSON array", LogFormat.JSON_GZIP)
    if found is None:
        return _reject("no_event_time", "no record with a valid event time", LogFormat.JSON_GZIP)
    return Inspection(LogFormat.JSON_GZIP, found)


def _inspect_xml(path: Path) -> Inspection:
    try:
        with path.open("rb") as fh:
            record = first_record(fh)
    except UnsafeXml as exc:
        return _reject("unsafe_xml", f"entity declarations or external references are forbidden "
                       f"(possible XML bomb): {exc}", LogFormat.XML_ERRORS)
    except InvalidXml as exc:
        return _reject("invalid_xml", str(exc), LogFormat.XML_ERRORS)
    found = record_event_date(record) if record is not None else None
    if found is None:
        return _reject("no_event_time", "first XML record has no valid timestamp", LogFormat.XML_ERRORS)
    return Inspection(LogFormat.XML_ERRORS, found)


def inspect_file(path: Path) -> Inspection:
    """Decide where a landed file goes. Never raises for bad content: a reason is returned."""
    try:
        with path.open("rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError as exc:
        return _reject("unreadable", str(exc))
    if is_blank(head):
        return _reject("empty_file", "file is empty or whitespace only")
    fmt = detect_format(head)
    if fmt is LogFormat.JSON_GZIP:
        return _inspect_gzip(path)
    if fmt is LogFormat.XML_ERRORS:
        return _inspect_xml(path)
    if fmt is LogFormat.NDJSON:
        return _inspect_ndjson(path)
    return _reject("unknown_format", f"content starts with {head[:16]!r}")
