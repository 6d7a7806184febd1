"""Amazon S3 event notifications (PROTOCOLS §4) → bucket/object assets and deletes.

Accepted shapes: direct notifications (``{"Records": [...]}``), SQS-wrapped (``Records[].body`` is
the notification as a JSON string), SNS-wrapped (``Message`` string, also SQS → SNS → S3 and the
Lambda ``Records[].Sns.Message`` form) and EventBridge events. ``s3:TestEvent`` is acknowledged and
ignored. Object keys are form-URL-encoded by S3 and decoded with ``unquote_plus``.

Ordering: delivery is unordered and may duplicate. Each object event carries its ``sequencer`` in
the object's attributes; ``enrich`` compares it with the stored one (``is_newer``) and drops stale
events. Deletes therefore leave a tombstone (an upsert carrying the sequencer, then the delete) so a
late, older "created" event cannot resurrect a deleted object.

Authentication: notifications reach Lily through a relay (Lambda, SQS poller) holding an API key.
SNS HTTP deliveries would need the SNS certificate fetched from AWS: not supported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import unquote_plus

import orjson

from lily.inbound.sources._memo import Memo
from lily.inbound.sources.base import (
    ParseError,
    canonical_json,
    parse_timestamp,
    require_object,
    require_str,
    sha256_hex,
)
from lily.inbound.sources.contract import CatalogView, Enriched, Source, listed_under
from lily.model.asset import AssetType
from lily.model.events import DeleteAsset, MetadataEvent, UpsertAsset
from lily.model.identity import AssetRef

NAME = "s3"
_MAX_DEPTH = 5  # S3 → SNS → SQS → … envelopes; deeper nesting is not something AWS produces
_FORMATS = {"parquet": "parquet", "csv": "csv", "tsv": "tsv", "json": "json", "jsonl": "ndjson", "ndjson": "ndjson",
            "avro": "avro", "orc": "orc", "txt": "text", "log": "text", "xml": "xml", "xlsx": "xlsx", "pdf": "pdf",
            "jpg": "jpeg", "jpeg": "jpeg", "png": "png", "delta": "delta"}  # fmt: skip
_COMPRESSIONS = {"gz": "gzip", "gzip": "gzip", "bz2": "bzip2", "zst": "zstd", "zstd": "zstd", "snappy": "snappy",
                 "lz4": "lz4", "xz": "xz", "zip": "zip"}  # fmt: skip


# ---------------------------------------------------------------------------------------- identity


def infer_format(key: str) -> tuple[str | None, str | None]:
    """(format, compression) from the key's extensions: ``a.csv.gz`` → (csv, gzip)."""
    parts = key.rsplit("/", 1)[-1].lower().split(".")[1:]
    fmt = compression = None
    for ext in reversed(parts):
        if compression is None and fmt is None and ext in _COMPRESSIONS:
            compression = _COMPRESSIONS[ext]
        elif fmt is None and ext in _FORMATS:
            fmt = _FORMATS[ext]
        elif fmt is not None and compression is None and ext in _COMPRESSIONS:
            compression = _COMPRESSIONS[ext]  # part-0.snappy.parquet
            break
        else:
            break
    return fmt, compression


# ---------------------------------------------------------------------------------------- envelopes


def split(payload: Any) -> list[Any]:
    """The S3 records and EventBridge events inside any envelope; ``[]`` for ``s3:TestEvent``."""
    return _unwrap(payload, "", 0)


def _unwrap(obj: Any, path: str, depth: int) -> list[dict[str, Any]]:
    if depth > _MAX_DEPTH:
        raise ParseError(path, f"envelopes nested deeper than {_MAX_DEPTH} levels")
    if isinstance(obj, str):
        try:
            obj = orjson.loads(obj)
        except orjson.JSONDecodeError as exc:
            raise ParseError(path, f"embedded message is not JSON: {exc}") from exc
    data = require_object(obj, path)
    prefix = f"{path}." if path else ""
    if data.get("Event") == "s3:TestEvent":
        return []
    if isinstance(data.get("Records"), list):
        found: list[dict[str, Any]] = []
        for index, record in enumerate(data["Records"]):
            where = f"{prefix}Records[{index}]"
            record = require_object(record, where)
            if "s3" in record:
                found.append(record)
            elif "body" in record:  # SQS
                found += _unwrap(record["body"], f"{where}.body", depth + 1)
            elif isinstance(record.get("Sns"), dict):  # Lambda subscribed to SNS
                found += _unwrap(record["Sns"].get("Message"), f"{where}.Sns.Message", depth + 1)
            else:
                raise ParseError(where, "not an S3, SQS or SNS record")
        return found
    if isinstance(data.get("Message"), str):  # SNS notification (HTTP delivery or raw in SQS)
        return _unwrap(data["Message"], f"{prefix}Message", depth + 1)
    if "detail-type" in data and "detail" in data:
        if data.get("source") != "aws.s3":
            raise ParseError(f"{prefix}source", f"expected 'aws.s3', got {data.get('source')!r}")
        return [data]
    if "s3" in data:  # one bare record, as returned by split()
        return [data]
    raise ParseError(path, "not an S3 notification (no Records, Message or EventBridge detail)")


# ---------------------------------------------------------------------------------------- records


@dataclass(frozen=True)
class ObjectEvent:
    """One object-level event, normalised across the notification and EventBridge formats."""

    kind: str  # "created", "removed" or "other"
    event_name: str  # e.g. ObjectCreated:Put, or the EventBridge detail-type
    bucket: str
    key: str
    event_time: datetime
    bucket_arn: str | None = None
    sequencer: str | None = None
    size: int | None = None
    etag: str | None = None
    version_id: str | None = None
    region: str | None = None
    request_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # kept on the object as attributes


def partition_key(item: Any) -> str:
    """The object (``bucket/key`` as sent): its events stay in order."""
    if not isinstance(item, dict):
        return ""
    inner = item.get("detail") if isinstance(item.get("detail"), dict) else item.get("s3")
    return f"{_get(inner, 'bucket', 'name')}/{_get(inner, 'object', 'key')}"


def _get(obj: Any, *path: str) -> Any:
    for part in path:
        obj = obj.get(part) if isinstance(obj, dict) else None  # type: ignore[assignment]
    return obj


def event_type(item: Any, checked: Any = None) -> Any:
    """``ObjectCreated:Put`` (notifications) or the EventBridge ``detail-type``."""
    del checked
    return (item.get("eventName") or item.get("detail-type")) if isinstance(item, dict) else None


def events(payload: Any) -> list[ObjectEvent]:
    """Every object event of a payload (any envelope)."""
    return [_from_eventbridge(r) if "detail-type" in r else _from_notification(r) for r in _unwrap(payload, "", 0)]


def _from_notification(record: dict[str, Any]) -> ObjectEvent:
    version = record.get("eventVersion")
    if isinstance(version, str) and version.split(".", 1)[0] != "2":
        raise ParseError("eventVersion", f"unsupported major version {version!r} (expected 2.x)")
    name = require_str(record, "eventName", "").removeprefix("s3:")
    s3 = require_object(record.get("s3"), "s3")
    bucket = require_object(s3.get("bucket"), "s3.bucket")
    if name.startswith("ObjectCreated:"):
        kind = "created"
    elif name.startswith(("ObjectRemoved:", "LifecycleExpiration:")):
        kind = "removed"
    else:
        kind = "other"
    glacier = record.get("glacierEventData")  # any JSON value: not necessarily an object
    restore = glacier.get("restoreEventData") if isinstance(glacier, dict) else None
    response = record.get("responseElements") or {}
    return ObjectEvent(
        kind=kind, event_name=name, **_object(s3, "s3", "eTag", "versionId"),
        event_time=parse_timestamp(record.get("eventTime"), "eventTime"),
        bucket_arn=bucket["arn"] if isinstance(bucket.get("arn"), str) else None,
        region=_str(record.get("awsRegion")),
        request_id=_str(response.get("x-amz-request-id")) if isinstance(response, dict) else None,
        extra={"restore": restore} if isinstance(restore, dict) else {},
    )


def _from_eventbridge(event: dict[str, Any]) -> ObjectEvent:
    detail_type = require_str(event, "detail-type", "")
    detail = require_object(event.get("detail"), "detail")
    kind = {"Object Created": "created", "Object Deleted": "removed"}.get(detail_type, "other")
    return ObjectEvent(
        kind=kind, event_name=detail_type, **_object(detail, "detail", "etag", "version-id"),
        event_time=parse_timestamp(event.get("time"), "time"),
        region=_str(event.get("region")),
        request_id=_str(detail.get("request-id")),
        extra={name.replace("-", "_"): detail[name] for name in ("reason", "deletion-type")
               if isinstance(detail.get(name), str)},
    )


def _object(parent: dict[str, Any], path: str, etag: str, version_id: str) -> dict[str, Any]:
    """The bucket and object fields of a notification's ``s3`` or an EventBridge ``detail`` (the
    two formats spell the etag and version id differently)."""
    bucket = require_object(parent.get("bucket"), f"{path}.bucket")
    obj = require_object(parent.get("object"), f"{path}.object")
    return {
        "bucket": require_str(bucket, "name", f"{path}.bucket"),
        # S3 form-URL-encodes notification keys (space → ``+``, ``+`` → ``%2B``); Powertools decodes
        # EventBridge keys too (whether AWS encodes them is unverified).
        "key": unquote_plus(require_str(obj, "key", f"{path}.object")),
        "sequencer": _str(obj.get("sequencer")), "size": _int(obj.get("size")), "etag": _etag(obj.get(etag)),
        "version_id": _str(obj.get(version_id)),
    }


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _etag(value: Any) -> str | None:
    return value.strip('"') if isinstance(value, str) and value else None


# ---------------------------------------------------------------------------------------- operations


def parse(payload: Any, *, received_at: datetime | None = None, options: Any = None) -> list[MetadataEvent]:
    """Operations for every object event in the payload (S3 events carry their own time)."""
    del received_at, options
    return [op for event in events(payload) for op in operations(event)]


def operations(event: ObjectEvent) -> list[MetadataEvent]:
    """created → bucket + object upserts; removed → tombstone upsert + delete; anything else → nothing.

    Restore, tagging, ACL, replication and tiering events change nothing Lily models.
    """
    if event.kind not in ("created", "removed"):
        return []
    bucket = bucket_ref(event.bucket)
    obj = object_ref(event.bucket, event.key)
    time = event.event_time.isoformat()
    attributes = _drop_none({"sequencer": event.sequencer, "last_event": event.event_name, "last_event_time": time,
                             "version_id": event.version_id})
    if event.kind == "removed":
        attributes |= {"deleted_at": time} | _drop_none(event.extra)
    else:
        fmt, compression = infer_format(event.key)
        attributes |= _drop_none({"size": event.size, "etag": event.etag, "format": fmt, "compression": compression,
                                  "last_modified": time, **event.extra})
        # A re-created object must not keep the tombstone fields of an earlier delete.
        attributes |= {"deleted_at": None, "deletion_type": None}
    upsert = UpsertAsset(ref=obj, type=AssetType.S3_OBJECT, parent=bucket, display_name=basename(event.key),
                         attributes=attributes)
    if event.kind == "removed":
        return [upsert, DeleteAsset(ref=obj)]
    return [_bucket_upsert(event.bucket, event.region, event.bucket_arn), upsert]


# The bucket upserts of earlier records (``_memo``): a bucket's records all restate it, and the apply
# path recognises the very same operation as a restatement at once.
_BUCKETS: Memo[UpsertAsset] = Memo()


def _bucket_upsert(bucket: str, region: str | None, arn: str | None) -> UpsertAsset:
    key = (bucket, region, arn)
    return _BUCKETS.get(key) or _BUCKETS.put(key, UpsertAsset(
        ref=bucket_ref(bucket), type=AssetType.S3_BUCKET, display_name=bucket,
        attributes=_drop_none({"region": region, "arn": arn})))


def bucket_ref(bucket: str) -> AssetRef:
    """As OpenLineage names S3 datasets: a bucket is the root of the namespace ``s3://<bucket>``
    (empty name). The S3 connector's scans name buckets and objects through these two as well, so
    a scan and an event agree on every identity."""
    return AssetRef(namespace=f"s3://{bucket}", name="")


def object_ref(bucket: str, key: str) -> AssetRef:
    """An object: ``s3://<bucket>`` + its (decoded) key."""
    return AssetRef(namespace=f"s3://{bucket}", name=key)


def basename(key: str) -> str:
    return key.rstrip("/").rsplit("/", 1)[-1] or key


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    # Attributes are shallow-merged: a None would erase a stored value the event simply did not carry.
    return {k: v for k, v in values.items() if v is not None}


# ---------------------------------------------------------------------------------------- ordering


def is_newer(seq_a: str, seq_b: str) -> bool:
    """True when the event with sequencer ``seq_a`` happened after the one with ``seq_b`` (of one
    key). AWS: right-pad the shorter hex string with ``0`` and compare lexicographically."""
    width = max(len(seq_a), len(seq_b))
    return seq_a.upper().ljust(width, "0") > seq_b.upper().ljust(width, "0")


def enrich(operations: list[MetadataEvent], catalog: CatalogView) -> Enriched:
    """Drop a record whose ``sequencer`` is not newer than the one stored on its object (deleted
    objects included: that is what the tombstone is for), upsert and delete alike."""
    objects = [op for op in operations if isinstance(op, UpsertAsset) and op.type is AssetType.S3_OBJECT]
    if not objects:
        return Enriched(operations)
    found = catalog.attributes([op.ref for op in objects])
    stored = {op.ref: (found.get(op.ref) or {}).get("sequencer") for op in objects}
    stale = {op.ref for op in objects if (incoming := op.attributes.get("sequencer")) and stored[op.ref]
             and not is_newer(str(incoming), str(stored[op.ref]))}
    if not stale:
        return Enriched(operations)
    # One record is one object: a stale record is dropped whole (its bucket upsert too).
    kept = [op for op in operations if not (isinstance(op, UpsertAsset | DeleteAsset) and op.ref in stale)]
    if all(isinstance(op, UpsertAsset) and op.type is AssetType.S3_BUCKET for op in kept):
        kept = []
    names = ", ".join(sorted(f"{r.namespace}/{r.name}@{stored[r]}" for r in stale))
    return Enriched(kept, note=f"stale S3 event skipped: a newer or equal sequencer is stored ({names})")


# ---------------------------------------------------------------------------------------- idempotency


def event_key(event: ObjectEvent) -> str:
    """bucket + key + sequencer + event name; events without a sequencer fall back to time + request id."""
    order = event.sequencer or f"{event.event_time.isoformat()}|{event.request_id or ''}"
    return sha256_hex(NAME, event.bucket, event.key, order, event.event_name, event.version_id or "")


def idempotency_key(payload: Any) -> str:
    """Key of one record (``split`` output); a multi-record body hashes its records' keys in order."""
    found = events(payload)
    if len(found) == 1:
        return event_key(found[0])
    if not found:  # test events and empty Records: the body itself identifies the delivery
        return sha256_hex(NAME, canonical_json(payload))
    return sha256_hex(NAME, *(event_key(e) for e in found))


SOURCE = Source(
    name=NAME, title="S3", split=split, count=listed_under("Records"), idempotency_key=idempotency_key,
    partition_key=partition_key, event_type=event_type, parse=parse, enrich=enrich,
)
