"""The seed's generic event schema for ``POST /api/v1/events`` → asset upserts and deletes.

``{event_id, event_type, timestamp, source, tenant_id, payload{asset_id, asset_type, metadata}}``,
validated strictly (unknown top-level fields are an error) because this schema is ours: a typo in a
field name should fail loudly instead of being ignored.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from lily.inbound.sources.base import ParseError, TenantMismatch, nonblank, sha256_hex
from lily.inbound.sources.contract import Source
from lily.model.asset import AssetType, ColumnSpec, Owner
from lily.model.classification import ClassificationSource
from lily.model.events import AddClassification, DeleteAsset, MetadataEvent, UpsertAsset
from lily.model.identity import AssetRef

NAME = "generic"

UPSERT_TYPES = frozenset({"asset.created", "asset.updated", "asset.upserted", "asset.discovered", "metadata.updated",
                          "schema.changed"})  # fmt: skip
DELETE_TYPES = frozenset({"asset.deleted", "asset.removed"})
# metadata keys with a meaning of their own; every other key becomes an attribute
_KNOWN_METADATA = ("description", "display_name", "owners", "columns", "tags", "classifications", "parent")


class GenericPayload(BaseModel):
    model_config = ConfigDict(extra="allow")  # extra payload keys are kept as attributes

    asset_id: str = Field(min_length=1)
    asset_type: AssetType | None = None  # required for upserts, optional for deletes
    metadata: dict[str, Any] = Field(default_factory=dict)

    @field_validator("asset_type", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value


class GenericEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event_id: str = Field(min_length=1)
    event_type: str = Field(min_length=1)
    timestamp: datetime
    source: str = Field(min_length=1)
    tenant_id: str = Field(min_length=1)
    payload: GenericPayload

    @field_validator("event_type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        normalised = value.strip().lower().replace("_", ".")
        if normalised not in UPSERT_TYPES | DELETE_TYPES:
            allowed = ", ".join(sorted(UPSERT_TYPES | DELETE_TYPES))
            raise ValueError(f"unsupported event_type {value!r}; expected one of {allowed}")
        return normalised

    @field_validator("timestamp")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def validate(payload: Any) -> GenericEvent:
    """The validated event; the API uses it to check ``tenant_id`` against the caller's tenant."""
    try:
        event = GenericEvent.model_validate(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        path = ".".join(str(p) for p in first["loc"])
        extra = first["type"] == "extra_forbidden"
        message = "unknown field (extra fields are not allowed)" if extra else first["msg"]
        raise ParseError(path, message) from exc
    if event.event_type in UPSERT_TYPES and event.payload.asset_type is None:
        raise ParseError("payload.asset_type", f"is required for {event.event_type}")
    return event


def parse_asset_id(asset_id: str, source: str) -> AssetRef:
    """``asset_id`` → identity, the inverse of ``AssetRef.qualified_name``.

    - a URI ``scheme://authority/path[#field]`` → namespace ``scheme://authority``, name ``path``
      (``postgres://db:5432/shop.public.users`` → ``postgres://db:5432`` + ``shop.public.users``);
    - ``namespace/name[#field]`` → split at the first ``/`` (names may contain more slashes);
    - a bare name → namespace is the event's ``source``.
    """
    text = asset_id.strip()
    field = ""
    if "#" in text:
        text, field = text.split("#", 1)
    if "://" in text:
        scheme, rest = text.split("://", 1)
        authority, _, name = rest.partition("/")
        namespace = f"{scheme}://{authority}"
    elif "/" in text:
        namespace, _, name = text.partition("/")
    else:
        namespace, name = source, text
    if not namespace or not name:
        raise ParseError("payload.asset_id", f"cannot derive a namespace and a name from {asset_id!r}")
    return AssetRef(namespace=namespace, name=name, field=field)


def split(payload: Any) -> list[Any]:
    """One event per request, or a JSON array of events."""
    return list(payload) if isinstance(payload, list) else [payload]


def idempotency_key(payload: Any) -> str:
    """The producer's ``event_id`` within its ``source`` (re-sending an event id is a duplicate)."""
    if isinstance(payload, dict) and isinstance(payload.get("event_id"), str):
        return sha256_hex(NAME, str(payload.get("source") or ""), payload["event_id"])
    raise ParseError("event_id", "is required")


def check(item: Any, tenant_id: str) -> GenericEvent:
    """The whole event is validated at once (the schema is ours), and it must name the caller's tenant."""
    event = validate(item)
    if event.tenant_id != tenant_id:
        raise TenantMismatch(f"tenant_id {event.tenant_id!r} is not the caller's tenant {tenant_id!r}")
    return event


def partition_key(item: Any) -> str:
    """The asset: its events stay in order."""
    payload = item.get("payload") if isinstance(item, dict) else None
    return str(payload.get("asset_id") or "") if isinstance(payload, dict) else ""


def event_type(item: Any, checked: GenericEvent) -> str:
    """``asset.created`` and so on, as ``check`` normalised it (any case, ``_`` for ``.``)."""
    del item
    return checked.event_type


def parse(payload: Any, *, received_at: datetime | None = None, options: Any = None) -> list[MetadataEvent]:
    del received_at, options
    event = validate(payload)
    ref = parse_asset_id(event.payload.asset_id, event.source)
    if event.event_type in DELETE_TYPES:
        return [DeleteAsset(ref=ref)]
    metadata = event.payload.metadata
    assert event.payload.asset_type is not None  # guaranteed by validate()
    parent = metadata.get("parent")
    attributes = {k: v for k, v in metadata.items() if k not in _KNOWN_METADATA} | dict(
        event.payload.model_extra or {}
    )
    ops: list[MetadataEvent] = [
        UpsertAsset(
            ref=ref,
            type=event.payload.asset_type,
            parent=parse_asset_id(parent, event.source) if isinstance(parent, str) else None,
            display_name=nonblank(metadata.get("display_name")),
            description=nonblank(metadata.get("description")),
            owners=_owners(metadata.get("owners")),
            attributes=attributes,
            columns=_columns(metadata.get("columns")),
        )
    ]
    for key in ("tags", "classifications"):
        ops += [
            AddClassification(ref=ref, tag=tag, source=ClassificationSource.IMPORTED)
            for tag in _tags(metadata.get(key), f"payload.metadata.{key}")
        ]
    return ops


def _owners(value: Any) -> list[Owner] | None:
    """Owners as strings (``"alice@x"``) or objects (``{"name", "type"}``); absent leaves them unchanged."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise ParseError("payload.metadata.owners", "expected an array")
    try:
        return [Owner(name=o) if isinstance(o, str) else Owner.model_validate(o) for o in value]
    except ValidationError as exc:
        raise ParseError("payload.metadata.owners", str(exc.errors()[0]["msg"])) from exc


def _columns(value: Any) -> list[ColumnSpec] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise ParseError("payload.metadata.columns", "expected an array")
    result = []
    for index, item in enumerate(value):
        try:
            data = {"name": item} if isinstance(item, str) else dict(item)
            if "type" in data and "data_type" not in data:
                data["data_type"] = data.pop("type")
            if "ordinal_position" in data and "ordinal" not in data:
                data["ordinal"] = data.pop("ordinal_position")
            # The list is the table's column order (as OpenLineage's schema facet is): without a
            # position, a warehouse target's masking view could not list them as the table does.
            data.setdefault("ordinal", index)
            result.append(ColumnSpec.model_validate(data))
        except (ValidationError, TypeError, ValueError) as exc:
            raise ParseError(f"payload.metadata.columns[{index}]", "expected a name or {name, type, ...}") from exc
    return result


def _tags(value: Any, path: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ParseError(path, "expected an array of tag strings")
    for index, tag in enumerate(value):
        if not isinstance(tag, str) or not 0 < len(tag.strip()) <= 200:
            raise ParseError(f"{path}[{index}]", "expected a tag string of 1 to 200 characters")
    return [tag.strip() for tag in value]


SOURCE = Source(
    name=NAME, title="generic events", split=split, check=check, idempotency_key=idempotency_key,
    partition_key=partition_key, event_type=event_type, parse=parse,
)
