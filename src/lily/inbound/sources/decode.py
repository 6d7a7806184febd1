"""Request body decoding shared by every source: size limits, gzip (with or without header), JSON.

Gzip is recognised by ``Content-Encoding`` *or* by the ``1f 8b`` magic bytes, because older
OpenLineage Java clients sent gzip bodies without the header. Every limit is checked while the work
is done, never after it: decompression is incremental and stops as soon as the output passes the
decoded-size limit (a small zip bomb cannot exhaust memory) or the body has more gzip members than
allowed (each member costs a fresh inflater: 245,000 empty members once took 70 s of CPU). The
depth and event-count limits are checked by ``lily.inbound.accept.prepare``, cheapest first.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from lily.inbound.sources.base import PayloadError, header

GZIP_MAGIC = b"\x1f\x8b"
_OUT_CHUNK = 64 * 1024  # output per inflate step: a bomb is caught one step past the limit
_IN_CHUNK = 64 * 1024  # input per step: what zlib copies into unconsumed_tail/unused_data is bounded
_IDENTITY = {"", "identity", "none"}
_GZIP = {"gzip", "x-gzip"}


@dataclass(frozen=True)
class DecodeLimits:
    """Upper bounds on what one request body may cost: bytes as received and after decompression,
    gzip members, JSON nesting depth and events in one request (``LILY_INBOUND_MAX_*``).

    Why 2 MiB decoded: parsing holds the GIL for one uninterrupted call, so the event loop (every
    other request, ``/healthz`` included) waits for the whole parse, and then for the whole free.
    Real batches parse at ~4 ms per MiB, but the worst shapes (``[{},{},…]``, an object of distinct
    keys) take ~18 ms per MiB and ~25x their size in Python objects (5 MiB of ``[{},…]``: 85 ms,
    then 30 ms to free, 120 MB; twice that on a loaded machine: a 4 MiB limit let ``/healthz`` wait
    85-203 ms). 2 MiB bounds one request at ~40 ms and ~50 MB, and holds 1,000 events of 2 KiB
    (the OpenLineage samples are 0.4-39 KiB, most under 10: larger batches are split by the
    producer). 50 MiB allowed 1.2 GB and over a second of stalled loop.
    """

    max_body_bytes: int = 10 * 1024 * 1024
    max_decoded_bytes: int = 2 * 1024 * 1024
    max_gzip_members: int = 64  # `cat a.gz b.gz` makes two; producers' compressors make one
    max_depth: int = 64  # real events nest 2-11 levels; see lily.inbound.sources.nesting
    max_batch_events: int = 1000  # events in one request, checked before any per-event work


DEFAULT_LIMITS = DecodeLimits()


def read_body(body: bytes, headers: Mapping[str, str] | None = None,
              limits: DecodeLimits = DEFAULT_LIMITS) -> tuple[bytes, Any]:
    """The decompressed bytes and the decoded JSON, parsed with orjson (raises PayloadError with
    400/413/415). A UTF-8 BOM is tolerated; everything else must be valid JSON."""
    raw = decompress(body, headers, limits)
    data = raw.removeprefix(b"\xef\xbb\xbf")
    if not data.strip():
        raise PayloadError("request body is empty; expected JSON")
    try:
        return raw, orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise PayloadError(f"malformed JSON: {exc}") from exc


def decompress(
    body: bytes,
    headers: Mapping[str, str] | None = None,
    limits: DecodeLimits = DEFAULT_LIMITS,
) -> bytes:
    """The body's bytes after undoing ``Content-Encoding`` (or sniffed gzip), within ``limits``."""
    _check_length(body, limits.max_body_bytes)
    encoding = (header(headers or {}, "content-encoding") or "").strip().lower()
    if encoding in _GZIP or (encoding in _IDENTITY and body.startswith(GZIP_MAGIC)):
        return _inflate(body, zlib.MAX_WBITS | 16, "gzip", limits)
    if encoding == "deflate":
        # RFC 9110 "deflate" is zlib-wrapped; some clients send raw deflate. Auto-detect the zlib header.
        zlib_header = len(body) >= 2 and (body[0] & 0x0F) == 8 and ((body[0] << 8) | body[1]) % 31 == 0
        wbits = zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS
        return _inflate(body, wbits, "deflate", limits)
    if encoding not in _IDENTITY:
        raise PayloadError(f"unsupported Content-Encoding {encoding!r} (use gzip or none)", status=415)
    _check_length(body, limits.max_decoded_bytes)
    return body


def _check_length(body: bytes, limit: int) -> None:
    if len(body) > limit:
        raise PayloadError(f"request body is {len(body)} bytes, over the limit of {limit}", status=413)


def _inflate(body: bytes, wbits: int, name: str, limits: DecodeLimits) -> bytes:
    """Inflate incrementally, never holding more than the decoded limit + one step of output.

    Gzip allows several concatenated members (``cat a.gz b.gz``); each one is inflated in turn, up
    to ``limits.max_gzip_members``. The input is fed in slices of a memoryview: zlib copies what a
    step leaves unread, and feeding it the whole rest of the body made many members quadratic.
    """
    out = bytearray()
    view = memoryview(body)
    pos = 0
    members = 0
    multi = wbits > 0 and bool(wbits & 16)
    while True:
        members += 1
        if members > limits.max_gzip_members:
            raise PayloadError(f"{name} body has more than {limits.max_gzip_members} members", status=413)
        inflater = zlib.decompressobj(wbits)
        pos = _inflate_member(inflater, view, pos, out, name, limits.max_decoded_bytes)
        if not (multi and view[pos:pos + 2] == GZIP_MAGIC):
            break  # anything after the last member is ignored, as gzip(1) does with a warning
    return bytes(out)


def _inflate_member(inflater: Any, view: memoryview, pos: int, out: bytearray, name: str, max_out: int) -> int:
    """Inflate the member starting at ``view[pos]`` into ``out``; returns where the next one starts."""
    pending: bytes | memoryview = b""
    try:
        while not inflater.eof:
            if not pending:
                if pos >= len(view):
                    out += inflater.flush()  # what the last step held back (at most one match)
                    _check_size(out, max_out)
                    if inflater.eof:
                        break
                    raise PayloadError(f"truncated {name} data (stream ended early)")
                pending = view[pos:pos + _IN_CHUNK]
                pos += len(pending)
            out += inflater.decompress(pending, _OUT_CHUNK)
            _check_size(out, max_out)
            pending = inflater.unconsumed_tail
    except zlib.error as exc:
        raise PayloadError(f"invalid {name} data: {exc}") from exc
    # The bytes of the last slice past the member's end belong to the next member.
    return pos - len(pending) - len(inflater.unused_data)


def _check_size(out: bytearray, max_out: int) -> None:
    if len(out) > max_out:
        raise PayloadError(f"decompressed body exceeds the limit of {max_out} bytes", status=413)
