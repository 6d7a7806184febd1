"""Whole-request limits of the accept path (event count, nesting, what cannot be serialized) and
the batch answer's summary."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lily.api.routes.inbound import MAX_FAILED_DETAILS, batch_out
from lily.inbound.accept import MAX_REASON_CHARS, Prepared, Rejected, RequestInfo, prepare
from lily.inbound.sources import get_source
from lily.inbound.sources.base import PayloadError
from lily.inbound.sources.decode import DecodeLimits

INFO = RequestInfo(tenant_id="default", actor="a", correlation_id=None, received_at=datetime(2026, 1, 5, tzinfo=UTC),
                   headers={})
LIMITS = DecodeLimits(max_batch_events=10, max_depth=8)


def ol_event(n: int, **extra: Any) -> dict[str, Any]:
    return {"eventType": "COMPLETE", "eventTime": "2026-01-05T10:00:00Z", "producer": "p",
            "run": {"runId": str(uuid.UUID(int=n))}, "job": {"namespace": "ns", "name": "job"}, **extra}


def run(source: str, payload: Any, partial: bool = False, limits: DecodeLimits = LIMITS) -> Prepared:
    return prepare(get_source(source), orjson.dumps(payload), payload, INFO, partitions=4, partial=partial,
                   limits=limits)


def s3_record(n: int) -> dict[str, Any]:
    return {"eventName": "ObjectCreated:Put", "eventTime": "2026-01-05T10:00:00Z",
            "s3": {"bucket": {"name": "b"}, "object": {"key": f"k{n}", "sequencer": f"{n:016X}"}}}


@pytest.mark.parametrize(("source", "payload"), [
    ("openlineage", [1] * 11),  # not even events: counted before split looks at them
    ("openlineage", {"events": [{}] * 11}),
    ("generic", [{}] * 11),
    ("s3", {"Records": [s3_record(n) for n in range(11)]}),
    # SQS envelopes: the count after split finds every record they hold
    ("s3", {"Records": [{"body": json.dumps({"Records": [s3_record(n), s3_record(n + 100)]})} for n in range(6)]}),
])
def test_too_many_events_are_413_before_any_is_looked_at(source: str, payload: Any) -> None:
    with pytest.raises(PayloadError, match="over the limit of 10 per request") as info:
        run(source, payload, partial=True)
    assert info.value.status == 413


def test_at_the_event_limit_all_pass() -> None:
    prepared = run("openlineage", [ol_event(n) for n in range(10)], partial=True)
    assert len(prepared.messages) == 10


def test_a_monte_carlo_webhook_is_one_event_whatever_its_arrays() -> None:
    webhook = {"incident_id": "i1", "type": "incident", "events": list(range(50)), "Records": list(range(50))}
    assert len(run("monte_carlo", webhook).messages) == 1


def test_deep_event_is_422_naming_its_path() -> None:
    deep: Any = {}
    for _ in range(10):
        deep = {"a": deep}
    with pytest.raises(PayloadError) as info:
        run("openlineage", ol_event(1, job={"namespace": "ns", "name": "j", "facets": {"custom": deep}}))
    assert info.value.status == 422
    assert str(info.value) == "JSON nested deeper than 8 levels: level 9 at job.facets.custom.a.a.a.a.a"


def test_what_cannot_be_serialized_is_422_not_a_retryable_error() -> None:
    """An S3 SQS envelope carries its notification as a JSON string, parsed only by split: a record
    nested past what orjson serializes is refused, like any other unreadable event."""
    deep = "[" * 300 + "]" * 300
    body = '{"Records": [' + json.dumps(s3_record(1))[:-1] + f', "extra": {deep}}}]}}'
    assert json.loads(body)["Records"][0]["extra"]
    payload = {"Records": [{"body": body}]}
    with pytest.raises(PayloadError) as info:
        run("s3", payload, limits=DecodeLimits())
    assert info.value.status == 422
    assert str(info.value) == "the s3 event cannot be serialized: Recursion limit reached"
    prepared = run("s3", {"Records": [{"body": body}, s3_record(2)]}, partial=True, limits=DecodeLimits())
    assert [r.index for r in prepared.rejected] == [0] and len(prepared.messages) == 1


def test_long_reasons_are_shortened() -> None:
    prepared = run("openlineage", [ol_event(1, eventTime="x" * 100_000)], partial=True)
    (rejected,) = prepared.rejected
    assert len(rejected.reason) == MAX_REASON_CHARS + 1 and rejected.reason.endswith("…")


@settings(max_examples=60, deadline=None)
@given(accepted=st.integers(0, 5), failed=st.integers(0, 3 * MAX_FAILED_DETAILS))
def test_batch_answer_summarizes(accepted: int, failed: int) -> None:
    prepared = Prepared(messages=[object()] * accepted,  # type: ignore[list-item]
                        rejected=[Rejected(accepted + i, f"reason {i}", 422) for i in range(failed)])
    out = batch_out(prepared)
    assert out.summary.received == accepted + failed
    assert out.summary.successful == accepted
    assert out.summary.failed == out.summary.non_retriable == failed
    assert [f.index for f in out.failed_events] == [accepted + i for i in range(min(failed, MAX_FAILED_DETAILS))]
    assert out.failed_events_omitted == max(0, failed - MAX_FAILED_DETAILS)
    assert len(out.failed_events) + out.failed_events_omitted == failed
    assert out.status == ("success" if not failed else "partial_success" if accepted else "failure")
