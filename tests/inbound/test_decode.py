from __future__ import annotations

import gzip
import time
import zlib
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lily.inbound.accept import Prepared, RequestInfo, prepare
from lily.inbound.sources import get_source
from lily.inbound.sources.base import PayloadError
from lily.inbound.sources.decode import DEFAULT_LIMITS, DecodeLimits, decompress, read_body

EVENT = {"eventTime": "2024-01-01T00:00:00Z", "job": {"namespace": "n", "name": "j"}}
RAW = orjson.dumps(EVENT)
INFO = RequestInfo("default", None, None, datetime(2026, 1, 5, tzinfo=UTC), {})


def decode_body(body: bytes, headers: dict[str, str] | None = None, limits: DecodeLimits = DEFAULT_LIMITS) -> Any:
    return read_body(body, headers, limits)[1]


def test_plain_json() -> None:
    assert decode_body(RAW, {"Content-Type": "application/json; charset=UTF-8"}) == EVENT


def test_gzip_with_header_any_case() -> None:
    assert decode_body(gzip.compress(RAW, 3), {"content-encoding": "GZIP"}) == EVENT
    assert decode_body(gzip.compress(RAW), {"Content-Encoding": "x-gzip"}) == EVENT


def test_gzip_sniffed_without_header() -> None:
    # Older OpenLineage Java clients gzip without Content-Encoding (PROTOCOLS §1.4).
    assert decode_body(gzip.compress(RAW)) == EVENT
    assert decode_body(gzip.compress(RAW), {"Content-Encoding": "identity"}) == EVENT


def test_concatenated_gzip_members() -> None:
    body = gzip.compress(b'{"a": ') + gzip.compress(b"1}")
    assert decode_body(body, {"Content-Encoding": "gzip"}) == {"a": 1}


def test_deflate_zlib_and_raw() -> None:
    assert decode_body(zlib.compress(RAW), {"Content-Encoding": "deflate"}) == EVENT
    raw_deflate = zlib.compressobj(wbits=-15)
    body = raw_deflate.compress(RAW) + raw_deflate.flush()
    assert decode_body(body, {"Content-Encoding": "deflate"}) == EVENT


def test_body_over_limit_is_413() -> None:
    with pytest.raises(PayloadError, match="over the limit of 10") as info:
        decompress(b"x" * 11, limits=DecodeLimits(max_body_bytes=10, max_decoded_bytes=100))
    assert info.value.status == 413


def test_uncompressed_body_counts_against_decoded_limit() -> None:
    with pytest.raises(PayloadError) as info:
        decompress(b"x" * 50, limits=DecodeLimits(max_body_bytes=100, max_decoded_bytes=20))
    assert info.value.status == 413


def test_zip_bomb_stops_early() -> None:
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), 9)  # 64 MiB of zeros in ~64 KiB
    assert len(bomb) < 200_000
    limits = DecodeLimits(max_body_bytes=1_000_000, max_decoded_bytes=1_000_000)
    with pytest.raises(PayloadError, match="decompressed body exceeds the limit of 1000000 bytes") as info:
        decode_body(bomb, {"Content-Encoding": "gzip"}, limits)
    assert info.value.status == 413


def test_bomb_without_header_is_caught_too() -> None:
    bomb = gzip.compress(b"[" * 5_000_000)
    with pytest.raises(PayloadError, match="exceeds") as info:
        decode_body(bomb, None, DecodeLimits(max_decoded_bytes=100_000))
    assert info.value.status == 413


def test_corrupt_and_truncated_gzip() -> None:
    body = gzip.compress(RAW)
    with pytest.raises(PayloadError, match="truncated gzip"):
        decode_body(body[: len(body) // 2], {"Content-Encoding": "gzip"})
    with pytest.raises(PayloadError, match="invalid gzip data"):
        decode_body(b"\x1f\x8b" + b"garbage-not-gzip", {})


def test_unsupported_encoding_is_415() -> None:
    with pytest.raises(PayloadError, match="unsupported Content-Encoding 'br'") as info:
        decode_body(RAW, {"Content-Encoding": "br"})
    assert info.value.status == 415


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty"),
        (b"   ", "empty"),
        (b'{"a": 1', "malformed JSON"),
        (b"{'a': 1}", "malformed JSON"),
        (b"\xff\xfe{}", "malformed JSON"),
    ],
)
def test_malformed_json(body: bytes, message: str) -> None:
    with pytest.raises(PayloadError, match=message) as info:
        decode_body(body)
    assert info.value.status == 400


def test_utf8_bom_tolerated() -> None:
    assert decode_body(b"\xef\xbb\xbf" + RAW) == EVENT


# ------------------------------------------------------------------ limits checked while decoding

def _members(parts: list[bytes], level: int = 6) -> bytes:
    return b"".join(gzip.compress(part, level) for part in parts)


@settings(max_examples=120, deadline=None)
@given(parts=st.lists(st.binary(max_size=3000), min_size=1, max_size=8),
       level=st.integers(0, 9), sniffed=st.booleans())
def test_gzip_members_decode_as_gzip_does(parts: list[bytes], level: int, sniffed: bool) -> None:
    """Any split of the input slices across members and slices (the feed is 64 KiB at a time)."""
    body = _members(parts, level)
    headers = {} if sniffed else {"Content-Encoding": "gzip"}
    assert decompress(body, headers) == gzip.decompress(body) == b"".join(parts)


def test_members_spanning_input_slices() -> None:
    """Incompressible members larger than one input slice, and many members inside one slice."""
    import random

    rng = random.Random(7)
    parts = [rng.randbytes(rng.choice([10, 70_000, 200_000])) for _ in range(12)] + [b""] * 40
    body = _members(parts, 1)
    assert decompress(body, {"Content-Encoding": "gzip"}, DecodeLimits(max_decoded_bytes=8 * 1024 * 1024)) \
        == b"".join(parts)


@settings(max_examples=40, deadline=None)
@given(members=st.integers(1, 80), limit=st.integers(1, 80))
def test_member_limit(members: int, limit: int) -> None:
    body = _members([b"{}"] * members)
    limits = DecodeLimits(max_gzip_members=limit)
    if members <= limit:
        assert decompress(body, {"Content-Encoding": "gzip"}, limits) == b"{}" * members
    else:
        with pytest.raises(PayloadError, match=f"gzip body has more than {limit} members") as info:
            decompress(body, {"Content-Encoding": "gzip"}, limits)
        assert info.value.status == 413


def test_many_empty_members_cost_nothing() -> None:
    """245,000 empty members (4.9 MB) once took 70 s: the limit stops them after 64."""
    body = gzip.compress(b"") * 245_000
    started = time.process_time()
    with pytest.raises(PayloadError, match="more than 64 members"):
        decompress(body, {"Content-Encoding": "gzip"})
    assert time.process_time() - started < 0.05


def test_trailing_garbage_after_the_last_member_is_ignored() -> None:
    body = gzip.compress(RAW) + b"\x00\x00trailing"
    assert decode_body(body, {"Content-Encoding": "gzip"}) == EVENT


@settings(max_examples=60, deadline=None)
@given(size=st.integers(0, 300_000), limit=st.integers(1, 300_000),
       encoding=st.sampled_from(["gzip", "deflate", "raw-deflate", "identity"]))
def test_decoded_limit_is_exact(size: int, limit: int, encoding: str) -> None:
    """At most ``limit`` decoded bytes pass, whatever the encoding; one more is a 413."""
    data = b"a" * size
    if encoding == "gzip":
        body, headers = gzip.compress(data), {"Content-Encoding": "gzip"}
    elif encoding == "deflate":
        body, headers = zlib.compress(data), {"Content-Encoding": "deflate"}
    elif encoding == "raw-deflate":
        packer = zlib.compressobj(wbits=-15)
        body, headers = packer.compress(data) + packer.flush(), {"Content-Encoding": "deflate"}
    else:
        body, headers = data, {}
    limits = DecodeLimits(max_body_bytes=10 * 1024 * 1024, max_decoded_bytes=limit)
    if size <= limit:
        assert decompress(body, headers, limits) == data
    else:
        with pytest.raises(PayloadError) as info:
            decompress(body, headers, limits)
        assert info.value.status == 413


def test_bomb_stops_one_step_past_the_limit() -> None:
    """The decoder never holds more than the limit plus one 64 KiB step of output."""
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), 9)
    started = time.process_time()
    with pytest.raises(PayloadError, match=f"exceeds the limit of {2 * 1024 * 1024} bytes"):
        decompress(bomb, {"Content-Encoding": "gzip"})
    assert time.process_time() - started < 0.1


def test_default_limits() -> None:
    assert DecodeLimits() == DecodeLimits(max_body_bytes=10 * 1024 * 1024, max_decoded_bytes=2 * 1024 * 1024,
                                          max_gzip_members=64, max_depth=64, max_batch_events=1000)


def test_accept_refuses_deep_documents() -> None:
    def accept(body: bytes) -> Prepared:
        raw, payload = read_body(body)
        return prepare(get_source("generic"), raw, payload, INFO, partitions=1, partial=True)

    deep = b'{"a":' * 70 + b"1" + b"}" * 70
    with pytest.raises(PayloadError) as info:
        accept(deep)
    assert info.value.status == 422
    assert str(info.value) == "JSON nested deeper than 64 levels: level 65 at a.a.a.a.a.a.a.a…"
    within = b'{"a":' * 64 + b"1" + b"}" * 64
    assert len(accept(b"[" + within + b"]").rejected) == 1  # a batch's array does not count: parsed, then refused
