"""Log file formats and content-based detection (pure: bytes in, verdict out)."""

from __future__ import annotations

from enum import StrEnum

GZIP_MAGIC = b"\x1f\x8b"
_BOMS = (b"\xef\xbb\xbf",)


class LogFormat(StrEnum):
    NDJSON = "ndjson"
    JSON_GZIP = "json_gzip"
    XML_ERRORS = "xml_errors"


def strip_leading(head: bytes) -> bytes:
    """Drop a UTF-8 byte-order mark and leading whitespace."""
    for bom in _BOMS:
        if head.startswith(bom):
            head = head[len(bom) :]
    return head.lstrip()


def is_blank(head: bytes) -> bool:
    return strip_leading(head) == b""


def detect_format(head: bytes) -> LogFormat | None:
    """The format of a file from its first bytes, or ``None`` when it is none of ours.

    The name is deliberately not consulted: producers mislabel files (``.log`` holding gzip,
    ``.json`` holding XML), and routing on content is what makes bronze trustworthy.
    """
    if head.startswith(GZIP_MAGIC):
        return LogFormat.JSON_GZIP
    body = strip_leading(head)
    if body.startswith(b"<"):
        return LogFormat.XML_ERRORS
    if body.startswith(b"{"):
        return LogFormat.NDJSON
    return None
