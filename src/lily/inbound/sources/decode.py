"""Request body decoding shared by every source: size limits, gzip (with or without header), JSON.

Gzip is recognised by ``Content-Encoding`` *or* by the ``1f 8b`` magic bytes, because older
OpenLineage Java clients sent gzip bodies without the header. Decompression is incremental and
stops as soon as the output passes the limit, so a small zip bomb cannot exhaust memory.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from lily.inbound.sources.base import PayloadError, header

GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 64 * 1024
_IDENTITY = {"", "identity", "none"}
_GZIP = {"gzip", "x-gzip"}


@dataclass(frozen=True)
class DecodeLimits:
    """Upper bounds, in bytes, for the body as received and after decompression."""

    max_body_bytes: int = 10 * 1024 * 1024
    max_decoded_bytes: int = 50 * 1024 * 1024


DEFAULT_LIMITS = DecodeLimits()


def decode_body(
    body: bytes,
    headers: Mapping[str, str] | None = None,
    limits: DecodeLimits = DEFAULT_LIMITS,
) -> Any:
    """Decompress (if needed) and parse a JSON request body; raises :class:`PayloadError`."""
    return load_json(decompress(body, headers, limits))


def decompress(
    body: bytes,
    headers: Mapping[str, str] | None = None,
    limits: DecodeLimits = DEFAULT_LIMITS,
) -> bytes:
    """The body's bytes after undoing ``Content-Encoding`` (or sniffed gzip), within ``limits``."""
    if len(body) > limits.max_body_bytes:
        raise PayloadError(
            f"request body is {len(body)} bytes, over the limit of {limits.max_body_bytes}", status=413
        )
    encoding = (header(headers or {}, "content-encoding") or "").strip().lower()
    if encoding in _GZIP or (encoding in _IDENTITY and body.startswith(GZIP_MAGIC)):
        return _inflate(body, zlib.MAX_WBITS | 16, "gzip", limits.max_decoded_bytes)
    if encoding == "deflate":
        # RFC 9110 "deflate" is zlib-wrapped; some clients send raw deflate. Auto-detect the zlib header.
        wbits = zlib.MAX_WBITS if _looks_like_zlib(body) else -zlib.MAX_WBITS
        return _inflate(body, wbits, "deflate", limits.max_decoded_bytes)
    if encoding not in _IDENTITY:
        raise PayloadError(f"unsupported Content-Encoding {encoding!r} (use gzip or none)", status=415)
    if len(body) > limits.max_decoded_bytes:
        raise PayloadError(
            f"request body is {len(body)} bytes, over the limit of {limits.max_decoded_bytes}", status=413
        )
    return body


def load_json(data: bytes) -> Any:
    """Parse JSON with orjson; a UTF-8 BOM is tolerated, everything else must be valid JSON."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not data.strip():
        raise PayloadError("request body is empty; expected JSON")
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise PayloadError(f"malformed JSON: {exc}") from exc


def _looks_like_zlib(body: bytes) -> bool:
    return len(body) >= 2 and (body[0] & 0x0F) == 8 and ((body[0] << 8) | body[1]) % 31 == 0


def _inflate(body: bytes, wbits: int, name: str, max_out: int) -> bytes:
    """Inflate incrementally, never holding more than ``max_out`` + one chunk of output.

    Gzip allows several concatenated members (``cat a.gz b.gz``); each one is inflated in turn.
    """
    out = bytearray()
    data = body
    while True:
        inflater = zlib.decompressobj(wbits)
        pending = data
        try:
            while pending:
                # max_length bounds each step's output: a bomb is caught after one chunk past the limit.
                out += inflater.decompress(pending, _CHUNK)
                if len(out) > max_out:
                    raise PayloadError(f"decompressed body exceeds the limit of {max_out} bytes", status=413)
                pending = inflater.unconsumed_tail
            tail = inflater.flush()
        except zlib.error as exc:
            raise PayloadError(f"invalid {name} data: {exc}") from exc
        out += tail
        if len(out) > max_out:
            raise PayloadError(f"decompressed body exceeds the limit of {max_out} bytes", status=413)
        if not inflater.eof:
            raise PayloadError(f"truncated {name} data (stream ended early)")
        data = inflater.unused_data
        if not (wbits > 0 and wbits & 16 and data.startswith(GZIP_MAGIC)):
            break
    return bytes(out)
