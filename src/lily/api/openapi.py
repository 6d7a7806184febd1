"""OpenAPI document: every error an operation can return is documented as problem+json."""

from __future__ import annotations

import copy
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from lily.api import schemas_inbound
from lily.api.permissions import V1
from lily.api.schemas import JSON_OBJECT_MARKER, JSON_VALUE_SCHEMA
from lily.api.schemas_query import TEXT

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
# Routes that read their bodies themselves (lily.api.schemas_inbound) and keep whatever JSON they
# are sent, NUL characters included (the body is stored as bytes).
_INGEST = {"/lineage", "/lineage/batch", "/events", "/webhooks/s3", "/webhooks/monte-carlo",
           "/sources/{name}/events"}
# Bodies not validated by a lily.api.schemas.RequestModel.
_NUL_ALLOWED = {*_INGEST, "/sources/monte-carlo/config"}


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        # A copy: the routes' openapi_extra schemas are module constants, and this function edits.
        schema = copy.deepcopy(get_openapi(title=app.title, version=app.version, description=app.description,
                                           routes=app.routes))
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = PROBLEM_SCHEMA
        components.update(schemas_inbound.COMPONENTS)  # referenced by the ingestion routes' bodies
        components["JsonValue"] = JSON_VALUE_SCHEMA  # free-form JSON in request bodies
        _point_at_json_value(schema)
        _strings_without_nul(schema)
        ref = {"$ref": "#/components/schemas/Problem"}
        for path, item in schema.get("paths", {}).items():
            if path in _PUBLIC:
                continue
            for operation in item.values():
                responses = operation.setdefault("responses", {})
                for status, text in _ERRORS.items():
                    # Not ready (/readyz), or the events could not be made durable (retry).
                    if status == 503 and path != "/readyz" and path.removeprefix(V1) not in _INGEST:
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


def _strings_without_nul(document: dict[str, Any]) -> None:
    """Every string of a request body a RequestModel validates says what the model enforces: no NUL."""
    components = document.get("components", {}).get("schemas", {})
    seen: set[str] = set()
    stack: list[Any] = []
    for path, item in document.get("paths", {}).items():
        if path.removeprefix(V1) in _NUL_ALLOWED:
            continue
        for operation in item.values():
            stack += [c.get("schema") for c in operation.get("requestBody", {}).get("content", {}).values()]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        if not isinstance(node, dict):
            continue
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/") and ref not in seen:
            seen.add(ref)
            stack.append(components.get(ref.rsplit("/", 1)[-1]))
        if node.get("type") == "string" and not {"enum", "const", "format"} & set(node) \
                and "\\u0000" not in node.get("pattern", ""):
            if "pattern" in node:
                node.setdefault("allOf", []).append({"pattern": TEXT})
            else:
                node["pattern"] = TEXT
        stack.extend(v for k, v in node.items() if k not in ("$ref", "examples", "example", "default"))
