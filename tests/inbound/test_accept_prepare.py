"""The accept path's shortcuts give what the plain helpers give: ids, keys, kinds, messages."""

from __future__ import annotations

import uuid
import zlib
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lily.bus.base import InboundMessage
from lily.inbound.accept import KEPT_HEADERS, RequestInfo, label, partitioner, prepare
from lily.inbound.sources import InboundError, openlineage
from lily.inbound.sources.base import canonical_json, header, sha256_hex
from lily.model.identity import EventIds, event_id

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


@given(tenant=st.text(max_size=20), source=st.sampled_from(["openlineage", "generic", "s3", "ü"]),
       keys=st.lists(st.text(max_size=70), max_size=5))
def test_event_ids_are_uuid5(tenant: str, source: str, keys: list[str]) -> None:
    ids = EventIds(tenant, source)  # the accept path's, one prefix hash per request
    for key in keys:
        got = ids(key)
        assert got == event_id(tenant, source, key)
        assert got == uuid.uuid5(uuid.UUID("5d1c2b8e-4f0a-4b8e-9a51-7c1f3e2d9b60"), f"{tenant}\x1f{source}\x1f{key}")
        assert got.version == 5 and got.variant == uuid.RFC_4122


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=12)


@given(value=json_values)
def test_openlineage_key_is_sha256_of_canonical_json(value: Any) -> None:
    assert openlineage.idempotency_key(value) == sha256_hex(openlineage.NAME, canonical_json(value))


def _classify_by_iteration(event: dict[str, Any]) -> openlineage.EventKind:
    """The classification as it was written before (iterating the enum)."""
    schema_url = event.get("schemaURL")
    if isinstance(schema_url, str):
        last = schema_url.rstrip("/").rsplit("/", 1)[-1]
        for kind in openlineage.EventKind:
            if last == kind.value:
                return kind
    if "run" in event:
        return openlineage.EventKind.RUN
    if "dataset" in event:
        return openlineage.EventKind.DATASET
    return openlineage.EventKind.JOB


segments = st.sampled_from(["RunEvent", "DatasetEvent", "JobEvent", "runevent", "RunEvent ", "", "x"])


@given(url=st.none() | st.integers() | st.builds(lambda a, b, slash: f"{a}#/$defs/{b}{slash}", st.text(max_size=8),
                                                  segments, st.sampled_from(["", "/", "//"])) | st.text(max_size=12),
       run=st.booleans(), dataset=st.booleans())
def test_classify_matches_enum_iteration(url: Any, run: bool, dataset: bool) -> None:
    event: dict[str, Any] = {"schemaURL": url}
    if run:
        event["run"] = {}
    if dataset:
        event["dataset"] = {}
    assert openlineage.classify(event) is _classify_by_iteration(event)


def ol_event(n: int, **extra: Any) -> dict[str, Any]:
    return {"eventType": "COMPLETE", "eventTime": "2026-01-05T10:00:00Z", "producer": "p",
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
            "run": {"runId": str(uuid.UUID(int=n))}, "job": {"namespace": "ns", "name": f"job{n % 3}"}, **extra}


events = st.one_of(
    st.integers(0, 50).map(ol_event),
    st.integers(0, 50).map(lambda n: {"eventTime": "2026-01-05T10:00:00", "dataset": {"namespace": "d", "name": f"t{n}"},
                                      "schemaURL": "x#/$defs/DatasetEvent"}),
    st.integers(0, 50).map(lambda n: {"eventTime": "2026-01-05", "job": {"namespace": "j", "name": f"j{n}"}}),
    st.integers(0, 50).map(lambda n: ol_event(n, eventTime="yesterday")),  # rejected
    st.integers(0, 50).map(lambda n: {**ol_event(n), "job": {"namespace": "", "name": "x"}}),  # rejected
    json_values.filter(lambda v: isinstance(v, dict)),
)


def _expected(raw: bytes, payload: Any, info: RequestInfo, partitions: int) -> list[Any]:
    """Per event, what prepare builds: the source's functions and the plain helpers called one by one
    (the event type from a fresh classification, not from the check's)."""
    source = openlineage.SOURCE
    kept = {k: v for k in KEPT_HEADERS if (v := header(info.headers, k)) is not None}
    out: list[Any] = []
    for index, item in enumerate(source.split(payload)):
        try:
            source.check(item, info.tenant_id)
            key = source.idempotency_key(item)
        except InboundError as exc:
            out.append((index, str(exc), exc.status))
            continue
        out.append((index, InboundMessage(
            id=event_id(info.tenant_id, source.name, key), tenant_id=info.tenant_id, source=source.name, key=key,
            partition=partitioner(info.tenant_id, partitions)(source.partition_key(item)),
            payload=raw if item is payload else orjson.dumps(item), received_at=info.received_at,
            event_type=label(source.event_type(item, None)), headers=kept, actor=info.actor,
            correlation_id=info.correlation_id)))
    return out


@given(tenant=st.text(max_size=10), key=st.text(max_size=30), partitions=st.sampled_from([0, 1, 7, 64]))
def test_partitions_are_crc32_of_tenant_and_key(tenant: str, key: str, partitions: int) -> None:
    got = partitioner(tenant, partitions)(key)
    assert got == zlib.crc32(f"{tenant}\x1f{key}".encode()) % max(1, partitions)


@settings(max_examples=100, deadline=None)
@given(batch=st.lists(events, max_size=8), single=st.booleans(), partitions=st.sampled_from([0, 1, 16, 64]))
def test_prepare_matches_the_helpers(batch: list[dict[str, Any]], single: bool, partitions: int) -> None:
    payload: Any = batch[0] if single and batch else batch
    raw = orjson.dumps(payload)
    info = RequestInfo("acme", "api_key:x", "rid", T0, {"Content-Type": "application/json", "User-Agent": "u",
                                                      "Authorization": "secret"})
    try:
        want = _expected(raw, payload, info, partitions)
    except InboundError:
        want = None  # the body itself is refused (split)
    if want is None:
        with pytest.raises(InboundError):
            prepare(openlineage.SOURCE, raw, payload, info, partitions=partitions, partial=True)
        return
    prepared = prepare(openlineage.SOURCE, raw, payload, info, partitions=partitions, partial=True)
    refused = {r.index for r in prepared.rejected}
    indexes = [i for i in range(len(prepared.messages) + len(refused)) if i not in refused]
    got = [(i, m) for i, m in zip(indexes, prepared.messages, strict=True)]
    got += [(r.index, r.reason, r.status) for r in prepared.rejected]
    assert sorted(got, key=lambda x: x[0]) == want
    for m in prepared.messages:
        assert m.headers == {"content-type": "application/json", "user-agent": "u"}
