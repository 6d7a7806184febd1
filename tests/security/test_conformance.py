"""No 5xx from input: every operation of the OpenAPI document, sent malformed, wrong-typed, oversized,
deeply nested and NUL-carrying input in its path, query and body, answers 4xx (or 2xx), never 5xx.

Through the ASGI app on SQLite and PostgreSQL (thousands of requests in seconds); schemathesis covers the same
ground against a live server with generated input (tests/e2e/test_schemathesis.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from tests.api.conftest import Env

NUL = "a\x00b"
LONG = "x" * 20_000
DEEP = "[" * 300 + "]" * 300
TOO_DEEP = "[" * 50_000 + "]" * 50_000
# Values for a path segment, a query parameter or a body field, each wrong for something.
WRONG: list[Any] = [None, True, 0, -1, 0.5, 1e308, 2**70, -(2**70), "", " ", "0.5", "x", NUL, LONG, "../../etc/passwd",
                    "%00", "\u202e\ufeff", [], [1, "a"], {}, {"a": {"b": None}}, {"a": 2**70}, {"a": json.loads(DEEP)}]
RAW_BODIES: list[bytes] = [b"", b"{", b"[", b"null", b"\xff\xfe", b'"\x00"', b"1e999999", b"[" * 10 + b"]" * 9,
                           DEEP.encode(), TOO_DEEP.encode(), b'{"a": ' + str(2**80).encode() + b"}",
                           json.dumps({"a": LONG * 10}).encode()]


def _operations(env: Env) -> list[tuple[str, str, dict[str, Any]]]:
    doc = env.client.get("/openapi.json").json()
    return [(method.upper(), path, op) for path, item in doc["paths"].items() for method, op in item.items()]


def _declared_properties(op: dict[str, Any], doc: dict[str, Any]) -> list[str]:
    schema = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    ref = schema.get("$ref")
    if ref:
        schema = doc["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return list(schema.get("properties", {}))


def _path(path: str, value: str) -> str:
    import re
    from urllib.parse import quote

    return re.sub(r"\{[^}]+\}", quote(value, safe=""), path)


def _send(env: Env, method: str, url: str, **kwargs: Any) -> tuple[int, str]:
    try:
        resp = env.client.request(method, url, headers={**env.admin_headers, **kwargs.pop("headers", {})}, **kwargs)
    except Exception as exc:  # the test client re-raises what the app did not handle: a 500
        return 500, f"{type(exc).__name__}: {str(exc)[:200]}"
    return resp.status_code, resp.text[:300]


def test_no_operation_answers_5xx_to_malformed_input(env: Env) -> None:
    doc = env.client.get("/openapi.json").json()
    some_id = "e3e70682-c209-1cac-a29f-6fbed82c07cd"
    server_errors: list[str] = []

    def check(method: str, url: str, **kwargs: Any) -> None:
        status, text = _send(env, method, url, **kwargs)
        if status >= 500:
            shown = {k: (str(v)[:80] if k in ("content", "json") else v) for k, v in kwargs.items()}
            server_errors.append(f"{method} {url[:120]} {shown} -> {status} {text}")

    for method, path, op in _operations(env):
        params = [p for p in op.get("parameters", []) if p["in"] == "query"]
        # Path segments: unknown, malformed, oversized, NUL, traversal.
        for value in ("nope", NUL, LONG[:3000], "../..", "%2F", some_id):
            check(method, _path(path, value))
        url = _path(path, some_id)
        # Query parameters, one at a time, each with every wrong value (repeated, too).
        for param in params:
            for value in WRONG:
                check(method, url, params={param["name"]: json.dumps(value) if isinstance(value, list | dict)
                                           else value})
            check(method, url, params=[(param["name"], "1"), (param["name"], "x")] * 3)
        if method in ("POST", "PUT", "PATCH", "DELETE"):
            # Bodies that are not JSON, or not what the operation reads.
            for raw in RAW_BODIES:
                check(method, url, content=raw, headers={"content-type": "application/json"})
            check(method, url, content=b"{}", headers={"content-type": "text/plain"})
            check(method, url, content=b"\x1f\x8b\x08garbage", headers={"content-type": "application/json",
                                                                       "content-encoding": "gzip"})
            for value in WRONG:
                check(method, url, json=value)
            # Every declared field, one at a time, with every wrong value, nested deep too.
            for name in _declared_properties(op, doc):
                for value in [*WRONG, json.loads(DEEP)]:
                    check(method, url, json={name: value})
    assert not server_errors, "\n".join(server_errors[:40])


T = "2024-05-01T12:00:00Z"
# A valid body per operation: every value in it, nested ones too, is then replaced by each wrong value.
VALID: dict[tuple[str, str], Any] = {
    ("POST", "/api/v1/assets"): {"type": "table", "namespace": "pg://db", "name": "s.t", "attributes": {"a": 1},
                                 "facets": {"f": {"x": [1]}}, "owners": [{"name": "o"}], "columns": [{"name": "c"}],
                                 "parent": {"namespace": "pg://db", "name": "s"}},
    ("POST", "/api/v1/edges"): {"source": {"namespace": "n", "name": "a"}, "target": {"namespace": "n", "name": "b"},
                                "block_list": ["x"], "job": {"namespace": "n", "name": "j"}},
    ("POST", "/api/v1/lineage"): {"eventType": "START", "eventTime": T, "producer": "p",
                                  "run": {"runId": "00000000-0000-4000-8000-000000000001", "facets": {}},
                                  "job": {"namespace": "n", "name": "j", "facets": {}},
                                  "inputs": [{"namespace": "n", "name": "a", "facets": {"schema": {"fields": []}}}],
                                  "outputs": []},
    ("POST", "/api/v1/webhooks/s3"): {"Records": [{"eventVersion": "2.1", "eventName": "ObjectCreated:Put",
                                                   "eventTime": T, "awsRegion": "r", "responseElements": {},
                                                   "glacierEventData": {"restoreEventData": {}},
                                                   "s3": {"bucket": {"name": "b", "arn": "a"},
                                                          "object": {"key": "k", "size": 1, "eTag": "e",
                                                                     "sequencer": "01"}}}]},
    ("POST", "/api/v1/events"): {"event_id": "e1", "event_type": "asset.created", "timestamp": T, "source": "s",
                                 "tenant_id": "default", "payload": {"asset_id": "n/a", "asset_type": "table",
                                                                     "metadata": {"owners": ["o"], "columns": ["c"]}}},
    ("POST", "/api/v1/webhooks/monte-carlo"): {"type": "incident", "payload": {
        "incident_id": "i1", "alert_feedback": "investigating", "event_list": [{"table": "t"}],
        "updated_time": T}},
    ("POST", "/api/v1/targets"): {"name": "t", "kind": "webhook", "config": {"subscribers": {"s": {
        "url": "https://x"}}, "timeout_s": 1}, "secrets": {"subscribers": {"s": "secret"}}},
    ("POST", "/api/v1/security/rules"): {"rule_id": "r", "rule_type": "masking", "conditions": [
        {"field": "classification", "operator": "in", "value": ["PII"]}], "actions": [
        {"type": "row_filter", "parameters": {"expression": "region = 'EU'", "targets": ["postgres"]}}]},
    ("POST", "/api/v1/pipelines/p/runs"): {"from": "2024-01-01", "to": "2024-01-02", "parallel": 2},
    ("PUT", "/api/v1/sources/monte-carlo/config"): {"secret": "s" * 20, "mapping": {
        "tables": [{"table": "t", "ref": {"namespace": "n", "name": "x"}}],
        "warehouses": [{"warehouse": "w", "namespace": "n", "case": "upper"}], "default_namespace": "n"}},
    ("POST", "/api/v1/tokens"): {"name": "k", "role": "viewer", "expires_in_days": 1},
}


def _mutations(body: Any) -> Iterator[Any]:
    """``body`` with one value (at any depth) replaced by each wrong value, or removed."""
    import copy

    def paths(node: Any, at: tuple[Any, ...]) -> Iterator[tuple[Any, ...]]:
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in items:
            yield (*at, key)
            yield from paths(value, (*at, key))

    for path in list(paths(body, ())):
        for value in [*WRONG, "__remove__"]:
            mutated = copy.deepcopy(body)
            parent = mutated
            for key in path[:-1]:
                parent = parent[key]
            if value == "__remove__":
                del parent[path[-1]]
            else:
                parent[path[-1]] = value
            yield mutated


def test_no_operation_answers_5xx_to_a_valid_body_with_one_wrong_value(env: Env) -> None:
    server_errors: list[str] = []
    for (method, url), body in VALID.items():
        for mutated in _mutations(body):
            status, text = _send(env, method, url, json=mutated)
            if status >= 500:
                server_errors.append(f"{method} {url} {json.dumps(mutated)[:200]} -> {status} {text}")
    assert not server_errors, "\n".join(server_errors[:40])
