"""Every input bounded in memory and CPU: reproductions 1, 4, 5 and 8 of the hardening issue, each
against a live ``lily serve`` with its default limits.

Each probe must be answered 4xx with a clear message, use at most 1 s of the server's CPU, leave
its RSS within 50 MB of where it was, never keep a concurrent ``/healthz`` waiting more than
200 ms, and leave the server accepting a real OpenLineage event. On the code before these limits:
the gzip batch was answered 200 after 27 s (RSS +1.5 GB, a 167 MB answer), the deep event 503
(retried forever by OpenLineage clients), the gzip members 400 after 70 s of CPU, and the chunked
oversize body 400 "There was an error parsing the body".
"""

from __future__ import annotations

import gzip
import json
import time
import zlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import SHARED
from tests.security.probes import Footprint, HealthLoop, footprint, healthz_loop, make_key
from tests.support.live import LiveLily

MiB = 1024 * 1024
SAMPLES = SHARED / "samples" / "openlineage"
MAX_CPU_S = 1.0
MAX_RSS_GROWTH_MB = 50.0
MAX_HEALTHZ_MS = 200.0


@pytest.fixture(scope="module")
def engineer(live: LiveLily) -> Iterator[httpx.Client]:
    """A client with a data_engineer key (the role the reproductions name), the server warmed up:
    a first event and a first batch through the thread pool, so their one-time costs (imports,
    threads, caches) are not counted against a probe."""
    key = make_key(live, "data_engineer")
    with httpx.Client(base_url=live.url, headers={"Authorization": f"Bearer {key}"}, timeout=120) as client:
        assert_accepts_events(client)
        batch = [_sample("marquez_test_run_event_full_facets.json")] * 20
        assert client.post("/api/v1/lineage/batch", content=gzip.compress(json.dumps(batch).encode()),
                           headers={"Content-Encoding": "gzip"}).status_code == 200
        yield client


def _sample(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((SAMPLES / name).read_text())
    return event


def assert_accepts_events(client: httpx.Client) -> None:
    """A real OpenLineage event (a sample as producers send it) is still accepted."""
    for name in ("airflow_dag_start.json", "spark_dataproc_insert_complete.json"):
        event = _sample(name)
        event["run"]["runId"] = event["run"]["runId"][:-12] + f"{time.time_ns() % 10**12:012d}"
        response = client.post("/api/v1/lineage", json=event)
        assert response.status_code == 201, response.text[:500]


def check_bounded(fp: Footprint, health: HealthLoop, max_healthz_ms: float = MAX_HEALTHZ_MS) -> None:
    assert fp.cpu_used <= MAX_CPU_S, f"server CPU {fp.cpu_used:.2f} s"
    assert fp.rss_growth_mb <= MAX_RSS_GROWTH_MB, f"RSS {fp.rss_before:.0f} -> {fp.rss_after:.0f} MB"
    assert not health.errors, health.errors
    assert health.worst_ms <= max_healthz_ms, f"/healthz waited {health.worst_ms:.0f} ms"


def probe(live: LiveLily, send: Any) -> tuple[httpx.Response, Footprint, HealthLoop]:
    """Send one abusive request while measuring the server; prints what was measured."""
    with healthz_loop(live) as health, footprint(live, settle=0.5) as fp:
        response = send()
    print(f"status {response.status_code}, {len(response.content)} bytes; CPU {fp.cpu_used:.2f} s "
          f"(the server's total {fp.cpu_after:.2f} s); "
          f"RSS {fp.rss_before:.0f} -> {fp.rss_after:.0f} MB; /healthz worst {health.worst_ms:.0f} ms")
    return response, fp, health


def empty_objects(size: int) -> bytes:
    """``[{},{},…]`` of at most ``size`` bytes: the most Python objects per byte of JSON."""
    count = (size - 1) // 3  # "[" + count * "{}," with the last comma a "]"
    return b"[" + b"{}," * (count - 1) + b"{}]"


def gzip_stream(data: bytes) -> bytes:
    """gzip of ``data`` at the highest ratio (5 MiB of ``[{},…]`` is about 5 KiB)."""
    return gzip.compress(data, 9)


# ----------------------------------------------------------------------- 1: decoded-size amplification

@pytest.mark.parametrize("decoded_mib", [5, 15])
def test_gzip_batch_amplification_is_refused(live: LiveLily, engineer: httpx.Client, decoded_mib: int) -> None:
    body = gzip_stream(empty_objects(decoded_mib * MiB))
    assert len(body) < 40 * 1024
    response, fp, health = probe(live, lambda: engineer.post(
        "/api/v1/lineage/batch", content=body, headers={"Content-Encoding": "gzip"}))
    assert response.status_code == 413, response.text[:500]
    # Inflating stops one 64 KiB step past the decoded limit: the body is never held whole.
    assert response.json()["detail"] == f"decompressed body exceeds the limit of {2 * MiB} bytes"
    check_bounded(fp, health)
    assert_accepts_events(engineer)


def test_gzip_batch_within_the_decoded_limit_is_refused_by_its_event_count(
        live: LiveLily, engineer: httpx.Client) -> None:
    """Just under the decoded limit, the body is parsed (the worst shape for the parser) and
    refused by its number of events before any of them is looked at."""
    body = gzip_stream(empty_objects(2 * MiB))
    response, fp, health = probe(live, lambda: engineer.post(
        "/api/v1/lineage/batch", content=body, headers={"Content-Encoding": "gzip"}))
    assert response.status_code == 413, response.text[:500]
    assert response.json()["detail"] == ("the request holds 699050 events, over the limit of 1000 per "
                                         "request; send them in smaller batches")
    # Parsing 699,050 objects holds the GIL: 30-60 ms alone, but in four full CI runs 223-634 ms
    # (with 0.5-0.66 s of server CPU against 0.07 s alone; the cause is not found). Bounded at 1 s
    # here, which still fails the code before the limits (27 s).
    check_bounded(fp, health, max_healthz_ms=1000.0)
    assert_accepts_events(engineer)


def test_plain_5_mib_batch_is_refused(live: LiveLily, engineer: httpx.Client) -> None:
    body = empty_objects(5 * MiB)  # within the API-wide body limit (5 MiB), over the decoded one
    assert len(body) <= 5 * MiB
    response, fp, health = probe(live, lambda: engineer.post("/api/v1/lineage/batch", content=body))
    assert response.status_code == 413, response.text[:500]
    assert response.json()["detail"] == f"request body is {len(body)} bytes, over the limit of {2 * MiB}"
    check_bounded(fp, health)
    assert_accepts_events(engineer)


def test_batch_answer_summarizes_failed_events(engineer: httpx.Client) -> None:
    """A batch at the event limit, all failing: counts for all, details for the first 100 only."""
    response = engineer.post("/api/v1/lineage/batch", content=b"[" + b",".join([b"{}"] * 1000) + b"]")
    assert response.status_code == 200, response.text[:500]
    body = response.json()
    assert body["status"] == "failure"
    assert body["summary"] == {"received": 1000, "successful": 0, "failed": 1000, "retriable": 0,
                               "non_retriable": 1000}
    assert [f["index"] for f in body["failed_events"]] == list(range(100))
    assert body["failed_events_omitted"] == 900
    assert len(response.content) < 20_000


# ------------------------------------------------------------------------------------ 4: deep nesting

def deep_event(levels: int) -> dict[str, Any]:
    """A real sample with a custom job facet nested ``levels`` levels deep (``{"a": {"a": …}}``)."""
    event = _sample("airflow_dag_start.json")
    deep: dict[str, Any] = {}
    for _ in range(levels - 1):
        deep = {"a": deep}
    event["job"].setdefault("facets", {})["deep_custom"] = deep
    return event


@pytest.mark.parametrize("levels", [252, 600])
def test_deep_event_is_refused_with_its_path(live: LiveLily, engineer: httpx.Client, levels: int) -> None:
    body = json.dumps(deep_event(levels)).encode()
    response, fp, health = probe(live, lambda: engineer.post("/api/v1/lineage", content=body))
    assert response.status_code == 422, response.text[:500]
    assert "Retry-After" not in response.headers
    detail = response.json()["detail"]
    assert detail.startswith("JSON nested deeper than 64 levels: level 65 at job.facets.deep_custom.a.a.a.a.a…")
    check_bounded(fp, health)
    assert_accepts_events(engineer)


def test_deep_event_in_a_batch_is_refused(engineer: httpx.Client) -> None:
    batch = [_sample("airflow_dag_start.json"), deep_event(252)]
    response = engineer.post("/api/v1/lineage/batch", json=batch)
    assert response.status_code == 422, response.text[:500]
    assert response.json()["detail"] == ("JSON nested deeper than 64 levels: level 65 at "
                                         "[1].job.facets.deep_custom.a.a.a.a…")


def test_event_within_the_depth_limit_is_accepted(engineer: httpx.Client) -> None:
    event = deep_event(61)  # the event, job, facets and 61 levels: 64
    assert engineer.post("/api/v1/lineage", json=event).status_code == 201
    response = engineer.post("/api/v1/lineage/batch", json=[event])  # the batch's array does not count
    assert response.status_code == 200, response.text[:500]
    assert response.json()["status"] == "success"


# -------------------------------------------------------------------------------- 5: many gzip members

def test_many_gzip_members_are_refused_quickly(live: LiveLily, engineer: httpx.Client) -> None:
    body = gzip.compress(b"") * 245_000  # 4.9 MB of empty members
    response, fp, health = probe(live, lambda: engineer.post(
        "/api/v1/lineage", content=body, headers={"Content-Encoding": "gzip"}))
    assert response.status_code == 413, response.text[:500]
    assert response.json()["detail"] == "gzip body has more than 64 members"
    check_bounded(fp, health)
    assert_accepts_events(engineer)


def test_many_members_without_header_are_refused_too(engineer: httpx.Client) -> None:
    body = gzip.compress(b"{}") * 1000  # sniffed as gzip by its magic bytes
    response = engineer.post("/api/v1/lineage", content=body)
    assert response.status_code == 413, response.text[:500]


def test_raw_deflate_bomb_is_refused(engineer: httpx.Client) -> None:
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    body = deflate.compress(b" " * (64 * MiB)) + deflate.flush()
    response = engineer.post("/api/v1/lineage", content=body, headers={"Content-Encoding": "deflate"})
    assert response.status_code == 413, response.text[:500]


# ----------------------------------------------------------------------------- 8: chunked oversize body

def chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    """``total`` bytes of a JSON string, streamed: httpx sends it chunked, without Content-Length."""
    yield b'{"name": "'
    sent = 10
    while sent < total - 2:
        part = b"x" * min(size, total - 2 - sent)
        sent += len(part)
        yield part
    yield b'"}'


@pytest.mark.parametrize("path", ["/api/v1/assets", "/api/v1/lineage"])
def test_chunked_oversize_body_is_413(live: LiveLily, path: str) -> None:
    headers = {"Authorization": f"Bearer {live.api_key}", "Content-Type": "application/json"}
    with httpx.Client(base_url=live.url, headers=headers, timeout=60) as admin:
        response, fp, health = probe(live, lambda: admin.post(path, content=chunks(6 * MiB)))
        assert response.status_code == 413, response.text[:500]
        assert response.json()["detail"] == f"request body exceeds {5 * MiB} bytes"
        assert "x-request-id" in response.headers
        check_bounded(fp, health)
    with httpx.Client(base_url=live.url, headers=headers, timeout=60) as admin:
        assert_accepts_events(admin)


def test_chunked_body_within_the_limit_is_read(live: LiveLily) -> None:
    """The limit counts bytes, not chunks: a chunked body under it reaches the route (here a 422
    from the asset schema, which a chunked ``{"name": …}`` does not satisfy)."""
    headers = {"Authorization": f"Bearer {live.api_key}", "Content-Type": "application/json"}
    response = httpx.post(f"{live.url}/api/v1/assets", content=chunks(MiB), headers=headers, timeout=60)
    assert response.status_code == 422, response.text[:500]
