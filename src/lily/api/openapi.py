"""OpenAPI document: every error an operation can return is documented as problem+json."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from lily.api import schemas_inbound
from lily.api.schemas import JSON_OBJECT_MARKER, JSON_VALUE_SCHEMA

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}
_ERRORS = {400: "Bad request", 401: "Not authenticated", 403: "Not permitted", 404: "Not found",
           409: "Conflict", 413: "Body too large", 422: "Invalid input", 429: "Rate limited",
           503: "Not ready"}
_PUBLIC = {"/healthz", "/metrics"}


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = PROBLEM_SCHEMA
        components.update(schemas_inbound.COMPONENTS)  # referenced by the ingestion routes' bodies
        components["JsonValue"] = JSON_VALUE_SCHEMA  # free-form JSON in request bodies
        _point_at_json_value(schema)
        ref = {"$ref": "#/components/schemas/Problem"}
        for path, item in schema.get("paths", {}).items():
            if path in _PUBLIC:
                continue
            for operation in item.values():
                responses = operation.setdefault("responses", {})
                for status, text in _ERRORS.items():
                    if status == 503 and path != "/readyz":
                        continue
                    responses[str(status)] = {"description": text,
                                              "content": {"application/problem+json": {"schema": ref}}}
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _point_at_json_value(node: Any) -> None:
    """Free-form JSON objects (marked by lily.api.schemas.JsonObject) get their values' schema."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if item.pop(JSON_OBJECT_MARKER, False):
                item["additionalProperties"] = {"$ref": "#/components/schemas/JsonValue"}
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
