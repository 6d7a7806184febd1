"""Request bodies of the event-ingestion routes, as JSON Schema for the OpenAPI document.

These routes read their bodies themselves (bytes → bounded decode → accept checks, see
``lily.inbound.accept``), so FastAPI knows nothing about them; the routes declare these schemas with
``openapi_extra``. Each states what the accept path refuses at once (4xx): the body's shape and the
identities an event is stored under. What only the worker's full parse finds out is not a request
error (the event is stored as ``failed``, ``GET /api/v1/events/{id}``), so it is not declared here.

What the schemas cannot state: the limits on the body's size, depth and event count (413/422,
``LILY_INBOUND_MAX_*``), and envelopes AWS delivers as JSON inside a string (an SQS ``body`` or SNS
``Message`` string), which S3 notifications accept too.
"""

from __future__ import annotations

from typing import Any

from lily.api.schemas_query import WHITESPACE
from lily.inbound.sources.decode import DecodeLimits
from lily.inbound.sources.generic import DELETE_TYPES, UPSERT_TYPES
from lily.model.asset import AssetType

Schema = dict[str, Any]

MAX_EVENTS = DecodeLimits.max_batch_events  # the default of LILY_INBOUND_MAX_BATCH_EVENTS
# A string the accept path takes as present: one character str.strip() keeps (NUL counts).
NON_BLANK: Schema = {"type": "string", "pattern": f"[^{WHITESPACE}]"}
TIME: Schema = {"type": "string", "format": "date-time"}


def _obj(required: list[str], properties: dict[str, Schema], **more: Any) -> Schema:
    return {"type": "object", "required": required, "properties": properties, **more}


def _not(schema: Schema) -> Schema:
    return {"not": schema}


def _events(item: Schema) -> Schema:
    return {"type": "array", "maxItems": MAX_EVENTS, "items": item}


def request_body(schema: Schema, description: str) -> dict[str, Any]:
    """``openapi_extra`` of a route that reads a required JSON body itself."""
    return {"requestBody": {"required": True, "description": description,
                            "content": {"application/json": {"schema": schema}}}}


# ---------------------------------------------------------------------------------- OpenLineage
# The kind is the last segment of `schemaURL` when that names one, else the structure decides:
# `run` → RunEvent, `dataset` → DatasetEvent, else JobEvent (lily.inbound.sources.openlineage.classify).

_KINDS = ("RunEvent", "DatasetEvent", "JobEvent")


def _schema_url_names(kind: str) -> Schema:
    return _obj(["schemaURL"], {"schemaURL": {"type": "string", "pattern": f"(?:^|/){kind}/*$"}})


_NO_KIND_NAMED = _not({"anyOf": [_schema_url_names(k) for k in _KINDS]})
_IDENTITY = _obj(["namespace", "name"], {"namespace": NON_BLANK, "name": NON_BLANK})
_JOB = _obj(["job"], {"job": _IDENTITY})
_RUN = _obj(["run"], {"run": _obj(["runId"], {"runId": NON_BLANK})})
_DATASET = _obj(["dataset"], {"dataset": _IDENTITY})
_HAS_RUN, _HAS_DATASET = {"required": ["run"]}, {"required": ["dataset"]}

OPENLINEAGE_EVENT: Schema = {
    "title": "OpenLineageEvent",
    "description": "A RunEvent, DatasetEvent or JobEvent (https://openlineage.io/spec). Required at once: "
                   "eventTime and the identities the event is stored under; the rest is parsed later.",
    **_obj(["eventTime"], {"eventTime": TIME, "schemaURL": {"description": "names the kind when its last "
                                                                           "segment is one (any JSON value)"}}),
    "anyOf": [
        {"allOf": [{"anyOf": [_schema_url_names("RunEvent"), {"allOf": [_NO_KIND_NAMED, _HAS_RUN]}]}, _JOB, _RUN]},
        {"allOf": [{"anyOf": [_schema_url_names("DatasetEvent"),
                              {"allOf": [_NO_KIND_NAMED, _not(_HAS_RUN), _HAS_DATASET]}]}, _DATASET]},
        {"allOf": [{"anyOf": [_schema_url_names("JobEvent"),
                              {"allOf": [_NO_KIND_NAMED, _not(_HAS_RUN), _not(_HAS_DATASET)]}]}, _JOB]},
    ],
}
# `{"events": [...]}` (some gateways wrap arrays): an object with an `events` array and no eventTime.
_WRAPPED = _obj(["events"], {"events": {"type": "array"}})
LINEAGE: Schema = {"anyOf": [
    OPENLINEAGE_EVENT,
    _events(OPENLINEAGE_EVENT),
    {"allOf": [_WRAPPED, _not({"required": ["eventTime"]}), {"properties": {"events": _events(OPENLINEAGE_EVENT)}}]},
]}
# A batch reports invalid events in its answer (200) instead of refusing the request; only its shape
# (an array of objects, or an object) is required.
LINEAGE_BATCH: Schema = {"anyOf": [
    _events({"type": "object"}),
    {"type": "object", "anyOf": [_not(_WRAPPED), {"required": ["eventTime"]},
                                 {"properties": {"events": _events({"type": "object"})}}]},
]}

# ------------------------------------------------------------------------------------------ S3
# Envelopes in the order lily.inbound.sources.s3 tries them: s3:TestEvent, Records, an SNS Message
# string, EventBridge, one bare record. A branch holds only when no earlier one applies.

_TEST = _obj(["Event"], {"Event": {"const": "s3:TestEvent"}})
_RECORDS = _obj(["Records"], {"Records": {"type": "array"}})
_MESSAGE = _obj(["Message"], {"Message": {"type": "string"}})
_EVENTBRIDGE = {"required": ["detail-type", "detail"]}
_BUCKET_AND_OBJECT = _obj(["bucket", "object"], {"bucket": _obj(["name"], {"name": NON_BLANK}),
                                                 "object": _obj(["key"], {"key": NON_BLANK})})
S3_RECORD: Schema = {
    "title": "S3EventRecord",
    **_obj(["eventName", "eventTime", "s3"], {
        "eventVersion": {"anyOf": [_not({"type": "string"}), {"type": "string", "pattern": "^2(?:\\.|$)"}]},
        "eventName": NON_BLANK, "eventTime": TIME, "s3": _BUCKET_AND_OBJECT,
    }),
}
_REF = {"$ref": "#/components/schemas/S3Notification"}
S3_NOTIFICATION: Schema = {
    "title": "S3Notification",
    "description": "An S3 event notification (Records), one record, an EventBridge event, or an SQS message "
                   "wrapping one (`body`; AWS also sends it, and an SNS `Message`, as a JSON string).",
    "type": "object",
    "anyOf": [
        _TEST,
        {"allOf": [_not(_TEST), _RECORDS, {"properties": {"Records": _events({"anyOf": [
            S3_RECORD, {"allOf": [_not({"required": ["s3"]}), _obj(["body"], {"body": _REF})]},
        ]})}}]},
        {"allOf": [_not(_TEST), _not(_RECORDS), _not(_MESSAGE), _EVENTBRIDGE, _obj(
            ["source", "detail-type", "detail", "time"],
            {"source": {"const": "aws.s3"}, "detail-type": NON_BLANK, "detail": _BUCKET_AND_OBJECT, "time": TIME})]},
        {"allOf": [_not(_TEST), _not(_RECORDS), _not(_MESSAGE), _not(_EVENTBRIDGE), S3_RECORD]},
    ],
}

# -------------------------------------------------------------------------------- Monte Carlo
# The incident id sits in `payload` or at the top level (`payload` wins when it has one).
MONTE_CARLO: Schema = {
    "title": "MonteCarloWebhook",
    "description": "A Monte Carlo incident webhook; fields may sit in `payload` or at the top level.",
    "type": "object",
    "anyOf": [
        _obj(["payload"], {"payload": _obj(["incident_id"], {"incident_id": NON_BLANK})}),
        _obj(["incident_id"], {"incident_id": NON_BLANK, "payload": {"anyOf": [
            {"type": "null"}, {"type": "object", "not": {"required": ["incident_id"]}}]}}),
    ],
}

# ------------------------------------------------------------------------------------- generic


def _any_case_type(names: frozenset[str]) -> str:
    """event_type as lily.inbound.sources.generic reads it: any case, `_` for `.`, spaces around."""
    def spell(name: str) -> str:
        return "".join("[._]" if c == "." else f"[{c.upper()}{c.lower()}]" if c.isalpha() else c for c in name)
    return f"^[{WHITESPACE}]*(?:{'|'.join(spell(n) for n in sorted(names))})[{WHITESPACE}]*$"


_ASSET_TYPE = {"type": "string", "pattern": f"^[{WHITESPACE}]*(?:" + "|".join(
    "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else c for c in t.value) for t in AssetType)
    + f")[{WHITESPACE}]*$"}
_PAYLOAD = _obj(["asset_id"], {"asset_id": {"type": "string", "minLength": 1},
                               "asset_type": {"anyOf": [_ASSET_TYPE, {"type": "null"}]}, "metadata": {"type": "object"}})
GENERIC_EVENT: Schema = {
    "title": "GenericEvent",
    "description": "Lily's own event: an asset upserted or deleted. Unknown top-level fields are refused; "
                   "`tenant_id` must be the caller's (403).",
    **_obj(["event_id", "event_type", "timestamp", "source", "tenant_id", "payload"], {
        "event_id": {"type": "string", "minLength": 1},
        "event_type": {"type": "string", "pattern": _any_case_type(UPSERT_TYPES | DELETE_TYPES)},
        "timestamp": TIME,
        "source": {"type": "string", "minLength": 1},
        "tenant_id": {"type": "string", "minLength": 1},
        "payload": _PAYLOAD,
    }, additionalProperties=False),
    # An upsert needs the asset's type; a delete does not.
    "anyOf": [{"properties": {"event_type": {"pattern": _any_case_type(DELETE_TYPES)}}},
              {"properties": {"payload": {"required": ["asset_type"], "properties": {"asset_type": _ASSET_TYPE}}}}],
}
GENERIC: Schema = {"anyOf": [GENERIC_EVENT, _events(GENERIC_EVENT)]}

# ------------------------------------------------------------------------------ any source
# POST /sources/{name}/events: what a body must be is the source's to say (its split and check).
SOURCE_EVENTS: Schema = {"description": "Any JSON: the named source's split and check decide what it accepts."}

# Added to the document's components (referenced, S3 envelopes nest).
COMPONENTS: dict[str, Schema] = {"S3Notification": S3_NOTIFICATION}
