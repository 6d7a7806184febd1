"""Request and response bodies of the governance API (rules, targets, deliveries, preview)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from lily.api.schemas import Bool, JsonObject, RequestModel
from lily.api.schemas_query import WHITESPACE
from lily.model.asset import AssetType
from lily.model.policy import WAREHOUSE_TARGETS, MaskStrategy, TargetKind
from lily.model.rules import ActionType, ConditionField, EventKind, Operator, RuleType

TARGET_NAME = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_.\-]+$")


class RuleOut(BaseModel):
    rule_id: str
    asset_id: str | None
    rule_type: str
    description: str | None
    enabled: bool
    conditions: list[dict[str, Any]]
    actions: list[dict[str, Any]]
    version: int
    created_by: str | None
    updated_by: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: dict[str, Any]) -> RuleOut:
        return cls(**row["body"], version=row["version"], created_by=row["created_by"],
                   updated_by=row["updated_by"], created_at=row["created_at"], updated_at=row["updated_at"])


class TargetIn(RequestModel):
    # The schema states each kind's config and secrets; the route validates them with the same
    # models (lily.outbound.config), for messages that name the setting.
    model_config = ConfigDict(extra="forbid", json_schema_extra=lambda s: s.update(
        oneOf=_target_kinds(secrets_optional=False)))
    name: str = TARGET_NAME
    kind: TargetKind
    enabled: Bool = True
    config: JsonObject = Field(default_factory=dict)
    secrets: JsonObject = Field(default_factory=dict, description="encrypted at rest, never returned")


class TargetUpdate(RequestModel):
    """Replace a target's settings. ``secrets`` omitted keeps the stored ones."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=lambda s: s.update(
        oneOf=_target_kinds(secrets_optional=True)))
    name: str = TARGET_NAME
    kind: TargetKind
    enabled: Bool = True
    config: JsonObject = Field(default_factory=dict)
    secrets: JsonObject | None = None


class TargetOut(BaseModel):
    id: uuid.UUID
    name: str
    kind: TargetKind
    enabled: bool
    config: dict[str, Any]
    secret_keys: list[str] = Field(description="names of the stored secrets; their values are never returned")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: dict[str, Any]) -> TargetOut:
        return cls(id=row["id"], name=row["name"], kind=row["kind"], enabled=row["enabled"], config=row["config"],
                   secret_keys=list(row["secret_keys"] or []), created_at=row["created_at"],
                   updated_at=row["updated_at"])


class StatementOut(BaseModel):
    kind: str
    text: str
    destination: str | None = None


class DeliveryOut(BaseModel):
    id: uuid.UUID
    target_id: uuid.UUID
    target: str | None
    object: str
    namespace: str
    name: str
    status: Literal["pending", "failed", "applied", "dead", "superseded"]
    attempts: int
    replays: int
    next_attempt_at: datetime | None
    first_attempt_at: datetime | None
    last_error: str | None
    statements: list[StatementOut]
    cause_seq: int | None
    correlation_id: str | None
    created_at: datetime
    updated_at: datetime
    applied_at: datetime | None

    @classmethod
    def of(cls, row: dict[str, Any], target_name: str | None) -> DeliveryOut:
        keys = ("id", "target_id", "namespace", "name", "status", "attempts", "replays", "next_attempt_at",
                "first_attempt_at", "last_error", "statements", "cause_seq", "correlation_id", "created_at",
                "updated_at", "applied_at")
        return cls(**{k: row[k] for k in keys}, target=target_name, object=row["object_key"])


class PreviewIn(RequestModel):
    model_config = ConfigDict(extra="forbid")
    asset_id: uuid.UUID
    tag: str = Field(min_length=1, max_length=200)
    action: Literal["add", "remove"] = "add"
    propagate: Bool = True


class PreviewItem(BaseModel):
    asset_id: uuid.UUID
    qualified_name: str | None
    tag: str
    origin_asset_id: uuid.UUID
    origin_classification_id: uuid.UUID
    path: list[uuid.UUID]
    depth: int


class LimitHitOut(BaseModel):
    origin_classification_id: uuid.UUID
    asset_id: uuid.UUID
    limit: str
    value: int


class PreviewOut(BaseModel):
    to_add: list[PreviewItem]
    to_remove: list[PreviewItem]
    to_update: list[PreviewItem] = Field(description="kept, with a different provenance (path/depth)")
    limits_hit: list[LimitHitOut]
    deferred_origins: list[uuid.UUID]


# ------------------------------------------------------------------------------ security rules
# JSON Schema of what lily.model.rules.SecurityRule accepts (the route validates with that model,
# for its messages). Names are read leniently there, so they are here: enum values in any case with
# whitespace around, lists of names also as one comma-separated string.

_WS = f"[{WHITESPACE}]*"
_NON_BLANK: dict[str, Any] = {"type": "string", "pattern": f"[^{WHITESPACE}]"}


def _spelled(values: Iterable[str]) -> str:
    return "(?:" + "|".join("".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else re.escape(c) for c in v)
                            for v in values) + ")"


def _choice(values: Iterable[str]) -> dict[str, Any]:
    return {"type": "string", "pattern": f"^{_WS}{_spelled(values)}{_WS}$"}


def _names(*, at_least_one: bool, of: Iterable[str] | None = None) -> dict[str, Any]:
    """A list of names, or one string of comma-separated names (blank pieces are dropped)."""
    item = _choice(of) if of is not None else _NON_BLANK
    if of is not None:
        piece, blank = f"{_WS}{_spelled(of)}{_WS}", _WS
        text = f"^(?:{blank},)*{piece}(?:,(?:{piece}|{blank}))*$" if at_least_one else \
            f"^(?:{piece}|{blank})(?:,(?:{piece}|{blank}))*$"
    else:
        text = f"[^{WHITESPACE},]" if at_least_one else ""
    listed: dict[str, Any] = {"type": "array", "items": item, **({"minItems": 1} if at_least_one else {})}
    return {"anyOf": [listed, {"type": "string", **({"pattern": text} if text else {})}]}


def _params(properties: dict[str, Any], required: Iterable[str] = (), *, targets: bool = True,
            **more: Any) -> dict[str, Any]:
    if targets:
        properties = {"targets": _names(at_least_one=True, of=[t.value for t in WAREHOUSE_TARGETS]), **properties}
    return {"type": "object", "additionalProperties": False, "required": list(required), "properties": properties,
            **more}


# A single SQL predicate: no ';', '--' or '/*' (lily.model.rules._check_predicate), written as the
# strings that avoid them: '-' never follows '-', '*' never follows '/'.
_A, _B = "[^;\\-/\\u0000]", "[^;\\-/*\\u0000]"
_PREDICATE = f"^(?:{_A}|(?:-?/)*-{_A}|(?:-?/)+{_B})*(?:-?/)*-?$"
_ROLE_NAMES = _names(at_least_one=False)
_ROW_FILTER_BY = {
    "column": {"anyOf": [{"type": "string", "pattern": "^[^\\u0000;]{1,255}$"}, {"type": "null"}]},
    "values": {"anyOf": [{"type": "array", "minItems": 1, "items": {"anyOf": [_NON_BLANK, {"type": "number"}]}},
                         {"type": "string", "pattern": f"[^{WHITESPACE},]"}]},
}
_NO_VALUES = {"anyOf": [{"type": "array", "maxItems": 0}, {"type": "string", "pattern": f"^[{WHITESPACE},]*$"}]}
_PARAMETERS: dict[ActionType, dict[str, Any]] = {
    ActionType.MASK: _params({"strategy": _choice(s.value for s in MaskStrategy), "exempt_roles": _ROLE_NAMES},
                             ["strategy"]),
    ActionType.TAG: _params({"tags": _names(at_least_one=True)}),
    ActionType.ROW_FILTER: _params(
        {**_ROW_FILTER_BY, "allowed_roles": _ROLE_NAMES,
         "expression": {"anyOf": [{"type": "string", "allOf": [{"pattern": _PREDICATE}, {"pattern": f"[^{WHITESPACE}]"}]},
                                  {"type": "null"}],
                        "description": "one SQL predicate over the table's columns, e.g. region = 'EU' "
                                       "(a statement, subquery or comment is refused, 422)"}},
        description="exactly one of: `column` with `values`, or `expression`",
        anyOf=[{"required": ["column", "values"], "properties": {"column": {"type": "string"},
                                                                 "expression": {"type": "null"}}},
               {"required": ["expression"], "properties": {"expression": {"type": "string"}, "column": {"type": "null"},
                                                           "values": _NO_VALUES}}]),
    ActionType.DENY: _params({"roles": _names(at_least_one=True)}, ["roles"]),
    ActionType.NOTIFY: _params({"subscribers": _names(at_least_one=True),
                                "events": _names(at_least_one=False, of=[e.value for e in EventKind])},
                               ["subscribers"], targets=False),
}


def _when(name: str, value: str | Iterable[str]) -> dict[str, Any]:
    return {"properties": {name: {"pattern": _choice([value] if isinstance(value, str) else value)["pattern"]}}}


def _unless(name: str, value: str) -> dict[str, Any]:
    return {"properties": {name: {"not": _when(name, value)["properties"][name]}}}


def _value(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": ["value"], "properties": {"value": schema}}


_ASSET_TYPES = [t.value for t in AssetType]
_TRUE_OR_FALSE = {"anyOf": [{"type": "null"}, {"type": "boolean"}, _choice(["true", "false"])]}
CONDITION: dict[str, Any] = {
    "title": "RuleCondition",
    "type": "object", "additionalProperties": False, "required": ["field", "operator"],
    "properties": {"field": _choice(f.value for f in ConditionField), "operator": _choice(o.value for o in Operator),
                   "value": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}},
                                       {"type": "boolean"}, {"type": "null"}]}},
    # What `value` must be depends on the operator (and, for asset types, on the field).
    "anyOf": [
        {"allOf": [_when("operator", "exists"), {"properties": {"value": _TRUE_OR_FALSE}}]},
        {"allOf": [_when("operator", ["in", "not_in"]), _unless("field", "type"), _value(_names(at_least_one=True))]},
        {"allOf": [_when("operator", ["in", "not_in"]), _when("field", "type"),
                   _value(_names(at_least_one=True, of=_ASSET_TYPES))]},
        {"allOf": [_when("operator", ["equals", "not_equals"]), _unless("field", "type"), _value(_NON_BLANK)]},
        {"allOf": [_when("operator", ["equals", "not_equals"]), _when("field", "type"), _value(_choice(_ASSET_TYPES))]},
        {"allOf": [_when("operator", "matches"), _value(_NON_BLANK)]},
        {"allOf": [_when("operator", "regex"), _value({**_NON_BLANK, "format": "regex"})]},
    ],
}
ACTION: dict[str, Any] = {
    "title": "RuleAction",
    "type": "object", "additionalProperties": False, "required": ["type"],
    "properties": {"type": _choice(a.value for a in ActionType), "parameters": {"type": "object"}},
    "anyOf": [{"allOf": [_when("type", kind.value), {"properties": {"parameters": params}}]}
              for kind, params in _PARAMETERS.items()],
}


def rule_schema(*, rule_id_required: bool) -> dict[str, Any]:
    """A security rule (PUT takes the rule_id from the path, so the body may omit it)."""
    return {
        "title": "SecurityRule",
        "type": "object", "additionalProperties": False,
        "required": ["rule_id", "rule_type", "actions"] if rule_id_required else ["rule_type", "actions"],
        "properties": {
            "rule_id": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[A-Za-z0-9_.:\\-]+$"},
            "asset_id": {"anyOf": [{"type": "string"}, {"type": "null"}],
                         "description": "scope: an asset id or qualified name"},
            "rule_type": _choice(t.value for t in RuleType),
            "description": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "enabled": {"type": "boolean"},
            "conditions": {"type": "array", "items": CONDITION},
            "actions": {"type": "array", "minItems": 1, "items": ACTION},
        },
        # A rule with neither conditions nor an asset would govern every asset of the tenant.
        "anyOf": [{"required": ["conditions"], "properties": {"conditions": {"minItems": 1}}},
                  {"required": ["asset_id"], "properties": {"asset_id": {"type": "string", "minLength": 1}}}],
    }


# ------------------------------------------------------------------------------------- targets
# A target's config and secrets per kind, from the models lily.outbound.config validates them with.
# Not stated here (checked by the route, 422): a webhook needs a signing secret for each subscriber
# it names, a relation between config and secrets that JSON Schema cannot express.


def inlined(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with its ``$defs`` references replaced by the definitions (it is used inline)."""
    defs = schema.get("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return walk(defs[ref.removeprefix("#/$defs/")])
            return {k: walk(v) for k, v in node.items() if k != "$defs"}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(schema)


# A namespace must keep a character once stripped of whitespace and then of trailing '/'.
_NAMESPACE = {"type": "string", "pattern": f"[^{WHITESPACE}/]|[^{WHITESPACE}][{WHITESPACE}]+[^{WHITESPACE}]"}


def _config(kind: TargetKind) -> dict[str, Any]:
    from lily.outbound.config import CONFIGS

    schema = inlined(CONFIGS[kind][0].model_json_schema())
    schema["properties"]["namespaces"]["items"] = _NAMESPACE
    return schema


def _secrets(kind: TargetKind) -> dict[str, Any]:
    from lily.outbound.config import CONFIGS

    return inlined(CONFIGS[kind][1].model_json_schema())


def _target_kinds(*, secrets_optional: bool) -> list[dict[str, Any]]:
    """One branch per kind. Secrets a kind needs are required unless the body may omit them (PUT:
    omitted or null keeps the stored ones)."""
    def secrets(kind: TargetKind) -> dict[str, Any]:
        return {"anyOf": [_secrets(kind), {"type": "null"}]} if secrets_optional else _secrets(kind)

    def needs(*required: dict[str, Any]) -> list[dict[str, Any]]:
        if secrets_optional:  # with no secrets in the body, the stored ones are checked (422)
            return [{"anyOf": [{"not": {"required": ["secrets"]}}, {"properties": {"secrets": {"type": "null"}}},
                               *required]}]
        return [{"anyOf": list(required)}] if len(required) > 1 else list(required)

    has_params = {"required": ["secrets"], "properties": {"secrets": {
        "type": "object", "required": ["connect_params"], "properties": {"connect_params": {"minProperties": 1}}}}}
    recording = {"required": ["config"], "properties": {"config": {
        "required": ["connection"], "properties": {"connection": {"const": "recording"}}}}}
    out = []
    for kind in TargetKind:
        branch: list[dict[str, Any]] = [{"properties": {"kind": {"const": kind.value}, "config": _config(kind),
                                                        "secrets": secrets(kind)}}]
        if kind is TargetKind.POSTGRES:
            branch += [{"required": ["config"]}, *needs({"required": ["secrets"]})]
        elif kind is TargetKind.WEBHOOK:
            branch += [{"required": ["config"]}]
        else:  # a live connection needs its parameters; "recording" captures statements instead
            branch += needs(recording, has_params)
        out.append({"allOf": branch})
    return out
