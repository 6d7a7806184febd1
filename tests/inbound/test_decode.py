from __future__ import annotations

import gzip
import zlib

import orjson
import pytest

from lily.inbound.sources.base import PayloadError
from lily.inbound.sources.decode import DecodeLimits, decode_body, decompress

EVENT = {"eventTime": "2024-01-01T00:00:00Z", "job": {"namespace": "n", "name": "j"}}
RAW = orjson.dumps(EVENT)


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
