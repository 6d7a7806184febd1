"""Request and response bodies of the native API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from lily.model import (
    Asset,
    AssetRef,
    AssetType,
    Classification,
    ClassificationSource,
    ClassificationStatus,
    ColumnSpec,
    Direction,
    LineageEdge,
    Owner,
    Provenance,
    Role,
    TransformationType,
)

T = TypeVar("T")
NAME = Field(min_length=1, max_length=1000)


def _json_integer(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError("int_type", "Input should be an integer")
    return value  # pydantic then takes 3 and 3.0 (both a JSON Schema integer) and refuses 3.5


# JSON booleans and integers only, as the schema's `boolean` and `integer` say: pydantic's lax mode
# would also take "yes", 0 or "7", and the API would accept what its document calls invalid.
Bool = StrictBool
# Use as Annotated[int, Field(ge=…, le=…), JSON_INTEGER]: bounds placed after the validator end up
# in the JSON schema as unknown `ge`/`le` keys instead of minimum/maximum.
JSON_INTEGER = BeforeValidator(_json_integer)


# Free-form JSON the API stores (attributes, facets, target settings): at most MAX_JSON_DEPTH levels,
# integers within what the store's JSON encoder (orjson) writes. Deeper or larger values were a 500
# when the row was written; now a 422 naming the place.
MAX_JSON_DEPTH = 64
JSON_INT_MIN, JSON_INT_MAX = -(2**63), 2**64 - 1


def _whole(node: Any) -> bool:
    """A JSON Schema integer: JSON Schema goes by value, so 1e156 is an integer as 10**156 is
    (schemathesis sends both), and the bounds the document states must hold for both."""
    if isinstance(node, bool):
        return False
    return isinstance(node, int) or (isinstance(node, float) and node.is_integer())


def _storable(value: dict[str, Any]) -> dict[str, Any]:
    stack: list[tuple[Any, str, int]] = [(value, "", 1)]
    while stack:
        node, where, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise PydanticCustomError("json_depth", "{where}: nested deeper than {limit} levels",
                                          {"where": (where[:60] + "…") if len(where) > 60 else where or "value",
                                           "limit": MAX_JSON_DEPTH})
            items = node.items() if isinstance(node, dict) else enumerate(node)
            stack.extend((v, f"{where}.{k}" if where else str(k), depth + 1) for k, v in items)
        elif _whole(node) and not JSON_INT_MIN <= node <= JSON_INT_MAX:
            raise PydanticCustomError("json_int_range", "{where}: whole numbers must lie within [-2**63, 2**64-1]",
                                      {"where": where})
    return value


JSON_VALUE_SCHEMA: dict[str, Any] = {
    "description": f"any JSON value, at most {MAX_JSON_DEPTH} levels deep; whole numbers (1e3 too) "
                   "within [-2**63, 2**64-1]",
    "anyOf": [{"type": "string"}, {"type": "boolean"}, {"type": "null"},
              {"type": "integer", "minimum": JSON_INT_MIN, "maximum": JSON_INT_MAX},
              {"type": "number", "not": {"type": "integer"}},
              {"type": "array", "items": {"$ref": "#/components/schemas/JsonValue"}},
              {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/JsonValue"}}],
}
# pydantic cannot point a schema at the document's components, so the field carries a marker that
# lily.api.openapi replaces with {"type": "object", "additionalProperties": {"$ref": …/JsonValue}}.
JSON_OBJECT_MARKER = "x-lily-json-object"
JsonObject = Annotated[dict[str, Any], AfterValidator(_storable),
                       WithJsonSchema({"type": "object", JSON_OBJECT_MARKER: True})]


def nul_at(value: Any) -> str | None:
    """Where the first NUL character is in a JSON value's strings (keys too), or None."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        node, where = stack.pop()
        if isinstance(node, str):
            if "\x00" in node:
                return where or "value"
        elif isinstance(node, dict | list):
            items = node.items() if isinstance(node, dict) else enumerate(node)
            for k, v in items:
                if isinstance(k, str) and "\x00" in k:
                    return f"{where}.{k!r}" if where else repr(k)
                stack.append((v, f"{where}.{k}" if where else str(k)))
    return None


class RequestModel(BaseModel):
    """A request body Lily stores: no string in it may hold NUL (U+0000), which PostgreSQL text
    and jsonb cannot store (it was a 500 there). The document says so on every string of a request
    body (lily.api.openapi)."""

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        where = nul_at(data)
        if where is not None:
            raise PydanticCustomError("string_nul", "{where}: strings must not contain NUL (U+0000)",
                                      {"where": where})
        return data


class RefIn(RequestModel):
    model_config = ConfigDict(extra="forbid")
    namespace: str = NAME
    name: str = NAME
    field: str = Field(default="", max_length=500)

    def ref(self) -> AssetRef:
        return AssetRef(namespace=self.namespace, name=self.name, field=self.field)


class ColumnIn(RequestModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=500)
    data_type: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=10000)

    def spec(self, ordinal: int) -> ColumnSpec:
        return ColumnSpec(name=self.name, data_type=self.data_type, description=self.description, ordinal=ordinal)


class AssetIn(RequestModel):
    """Create or update (upsert) an asset by its identity (namespace + name [+ field])."""

    # A column is named by its field: the schema says so, and the route refuses a column without one.
    model_config = ConfigDict(extra="forbid", json_schema_extra={"anyOf": [
        {"properties": {"type": {"enum": [t.value for t in AssetType if t is not AssetType.COLUMN]}}},
        {"required": ["field"], "properties": {"field": {"minLength": 1}}},
    ]})
    type: AssetType
    namespace: str = NAME
    name: str = NAME
    field: str = Field(default="", max_length=500)
    parent: RefIn | None = None
    display_name: str | None = Field(default=None, max_length=500)
    description: str | None = Field(default=None, max_length=100000)
    owners: list[Owner] | None = None
    attributes: JsonObject = Field(default_factory=dict)
    facets: JsonObject = Field(default_factory=dict)
    columns: list[ColumnIn] | None = None
    replace_columns: Bool = False


class ColumnsIn(RequestModel):
    model_config = ConfigDict(extra="forbid")
    columns: list[ColumnIn]


class ClassificationIn(RequestModel):
    model_config = ConfigDict(extra="forbid")
    tag: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.:\-/ ]*$")
    propagate: Bool = True


class ClassificationOut(BaseModel):
    id: uuid.UUID
    asset_id: uuid.UUID
    tag: str
    source: ClassificationSource
    propagate: bool
    provenance: Provenance | None = None
    confidence: float | None = None
    status: ClassificationStatus | None = None  # detected: suggested until a person confirms it
    evidence: dict[str, Any] | None = None  # detected: recognizer, score, sample size, classifier version, run
    created_by: str | None = None
    created_at: datetime

    @classmethod
    def of(cls, c: Classification) -> ClassificationOut:
        return cls(**c.model_dump(exclude={"tenant_id"}))


class AssetOut(BaseModel):
    id: uuid.UUID
    type: AssetType
    namespace: str
    name: str
    field: str
    qualified_name: str
    parent_id: uuid.UUID | None
    display_name: str | None
    description: str | None
    owners: list[Owner]
    attributes: dict[str, Any]
    facets: dict[str, Any] | None = None
    status: str
    version: int
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None
    columns: list[AssetOut] | None = None
    classifications: list[ClassificationOut] | None = None

    @classmethod
    def of(cls, a: Asset, *, facets: bool = False, columns: list[AssetOut] | None = None,
           classifications: list[ClassificationOut] | None = None) -> AssetOut:
        return cls(id=a.id, type=a.type, namespace=a.ref.namespace, name=a.ref.name, field=a.ref.field,
                   qualified_name=a.ref.qualified_name, parent_id=a.parent_id, display_name=a.display_name,
                   description=a.description, owners=a.owners, attributes=a.attributes,
                   facets=a.facets if facets else None, status=a.status.value, version=a.version,
                   created_at=a.created_at, updated_at=a.updated_at, deleted_at=a.deleted_at, columns=columns,
                   classifications=classifications)


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


class EdgeIn(RequestModel):
    model_config = ConfigDict(extra="forbid")
    source: RefIn
    target: RefIn
    transformation_type: TransformationType = TransformationType.DIRECT
    transformation_subtype: str | None = Field(default=None, max_length=64)
    masking: Bool = False
    block_list: list[str] | None = None
    job: RefIn | None = None
    description: str | None = Field(default=None, max_length=10000)


class EdgeOut(BaseModel):
    id: uuid.UUID
    source_id: uuid.UUID
    target_id: uuid.UUID
    level: str
    transformation_type: str
    transformation_subtype: str | None
    masking: bool
    block_list: list[str]
    job_id: uuid.UUID | None
    run_id: str | None
    attributes: dict[str, Any]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, e: LineageEdge) -> EdgeOut:
        return cls(**e.model_dump(exclude={"tenant_id"}))


class LineageNodeOut(BaseModel):
    asset: AssetOut
    depth: int
    direction: Direction


class LineageOut(BaseModel):
    root: AssetOut
    nodes: list[LineageNodeOut]
    edges: list[EdgeOut]


class ImpactOut(BaseModel):
    root: AssetOut
    total: int
    by_type: dict[str, int]
    owners: list[str]
    max_depth_reached: int
    nodes: list[LineageNodeOut]


class ChangeOut(BaseModel):
    seq: int
    kind: str
    entity_type: str
    entity_id: str
    asset_id: uuid.UUID | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    actor: str | None
    cause_event_id: str | None
    correlation_id: str | None
    at: datetime


class ChangesOut(BaseModel):
    items: list[ChangeOut]
    last_seq: int = Field(description="how far this page read the feed: the next page's `after` (past "
                                      "changes of other kinds too, when `kind` filters)")


class AuditOut(BaseModel):
    id: uuid.UUID
    actor: str
    action: str
    entity_type: str | None
    entity_id: str | None
    correlation_id: str | None
    details: dict[str, Any]
    at: datetime


class TokenRequest(RequestModel):
    model_config = ConfigDict(extra="forbid")
    tenant: str = Field(default="default", min_length=1, max_length=64)
    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1000)


class RefreshRequest(RequestModel):
    model_config = ConfigDict(extra="forbid")
    refresh_token: str = Field(min_length=1, max_length=500)


class TokenOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int


class PrincipalOut(BaseModel):
    id: uuid.UUID
    tenant_id: str
    kind: str
    name: str
    role: Role


class ApiKeyIn(RequestModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    role: Role
    expires_in_days: Annotated[int, Field(ge=1, le=3650), JSON_INTEGER] | None = None


class ApiKeyOut(BaseModel):
    id: uuid.UUID
    name: str
    prefix: str
    role: Role
    created_by: str | None
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The secret key. Shown once; only its digest is stored.")


class UserIn(RequestModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_.@\-]+$")
    password: str = Field(min_length=8, max_length=1000)
    role: Role


class UserOut(BaseModel):
    id: uuid.UUID
    username: str
    role: Role
    disabled: bool
    created_at: datetime
