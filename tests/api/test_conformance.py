"""The API matches its OpenAPI document: 405s list every method of the path, numeric and time query
parameters are validated, blank and oversize strings are 422, and the document declares the
constraints the handlers rely on (checked across every route, not route by route)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.conftest import Env, make_env

V1 = "/api/v1"
SOME_ID = "e3e70682-c209-1cac-a29f-6fbed82c07cd"


@pytest.fixture(scope="module")
def sqlite_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    """One app for the module: these tests only read (and a 405 or 422 writes nothing)."""
    from lily.store.db import make_engine
    from lily.store.migrate import upgrade

    data = tmp_path_factory.mktemp("conformance")
    url = f"sqlite:///{data / 'lily.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    env = make_env(url, data)
    yield env
    env.client.close()
    env.store.dispose()


@pytest.fixture(scope="module")
def openapi(sqlite_env: Env) -> dict[str, Any]:
    return sqlite_env.client.get("/openapi.json").json()


def _documented(openapi: dict[str, Any], path: str) -> set[str]:
    return {m.upper() for m in openapi["paths"][path]}


@pytest.mark.parametrize(("method", "path", "template"), [
    ("OPTIONS", f"{V1}/assets", f"{V1}/assets"),
    ("PATCH", f"{V1}/lineage", f"{V1}/lineage"),  # POST (OpenLineage) and GET (Marquez) are two routers
    ("OPTIONS", f"{V1}/targets/{SOME_ID}", f"{V1}/targets/{{target_id}}"),
    ("DELETE", f"{V1}/assets/{SOME_ID}/columns", f"{V1}/assets/{{asset_id}}/columns"),
    ("DELETE", f"{V1}/security/rules", f"{V1}/security/rules"),
    ("OPTIONS", f"{V1}/events", f"{V1}/events"),
    ("POST", "/healthz", "/healthz"),
])
def test_405_lists_every_method_of_the_path(sqlite_env: Env, openapi: dict[str, Any], method: str, path: str,
                                             template: str) -> None:
    resp = sqlite_env.client.request(method, path, headers=sqlite_env.admin_headers)
    if method in _documented(openapi, template):
        pytest.fail(f"{method} {template} is documented; pick a method the path does not serve")
    assert resp.status_code == 405, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    allowed = {m.strip() for m in resp.headers["allow"].split(",")}
    assert allowed - {"HEAD"} == _documented(openapi, template)
    assert resp.json()["detail"].startswith(f"{method} is not allowed here")


def test_405_needs_no_credentials(sqlite_env: Env) -> None:
    # Which methods a path serves is no secret (the OpenAPI document is public).
    resp = sqlite_env.client.request("OPTIONS", f"{V1}/tokens")
    assert resp.status_code == 405 and set(resp.headers["allow"].split(", ")) == {"GET", "POST"}


# ------------------------------------------------------------------------------ query parameters

@pytest.mark.parametrize(("path", "param"), [
    ("/audit", "limit"), ("/changes", "after"), ("/changes", "limit"), ("/deliveries", "limit"),
    ("/events", "limit"), ("/assets", "limit"), ("/namespaces", "offset"), ("/jobs", "limit"),
    ("/lineage", "depth"), ("/events/lineage", "offset"),
])
@pytest.mark.parametrize("value", ["0.5", "1e3", "x", "", "true"])
def test_integer_query_parameters_take_only_integers(sqlite_env: Env, path: str, param: str, value: str) -> None:
    params = {param: value, **({"nodeId": "dataset:ns:name"} if path == "/lineage" else {})}
    resp = sqlite_env.client.get(f"{V1}{path}", params=params, headers=sqlite_env.admin_headers)
    assert resp.status_code == 422, resp.text
    assert resp.json()["detail"].startswith(f"query.{param}: ")


@pytest.mark.parametrize(("path", "param"), [
    ("/audit", "since"), ("/audit", "before"), ("/deliveries", "before"), ("/events", "since"),
    ("/events", "until"), ("/events/lineage", "before"), ("/events/lineage", "after"),
])
def test_time_query_parameters_are_rfc3339_date_times(sqlite_env: Env, path: str, param: str) -> None:
    def status(value: str) -> int:
        return sqlite_env.client.get(f"{V1}{path}", params={param: value}, headers=sqlite_env.admin_headers).status_code

    # A number is not a date-time (pydantic would read 0.5 as a Unix time), nor is a time without
    # an offset, a date alone or an impossible day.
    for bad in ("0.5", "1700000000", "2024-05-01T12:00:00", "2024-05-01", "2024-02-30T00:00:00Z", "yesterday", ""):
        assert status(bad) == 422, bad
    # Whatever `format: date-time` admits: offsets, lower case, fractions, a leap second, the
    # extremes of the calendar once the offset is applied.
    for good in ("2024-05-01T12:00:00Z", "2024-05-01t12:00:00.123456789+02:00", "2016-12-31T23:59:60Z",
                 "0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59"):
        assert status(good) == 200, good


def test_blank_oversize_and_nul_strings_are_422_naming_the_parameter(sqlite_env: Env) -> None:
    for path, params in [
        ("/lineage", {"nodeId": ""}), ("/lineage", {"nodeId": "  "}), ("/column-lineage", {"nodeId": "dataset:a"}),
        ("/lineage", {"nodeId": "dataset:ns:" + "x" * 2000}), ("/assets", {"q": "x" * 501}),
        ("/assets", {"cursor": "not-a-cursor"}), ("/incidents", {"cursor": "0" * 100}),
        ("/audit", {"actor": "a\x00"}), ("/events", {"type": "x" * 121}), ("/events", {"source": ""}),
        ("/jobs", {"lastRunStates": ""}), ("/search", {"q": "x", "namespace": "\x00"}),
        ("/deliveries", {"target": "t\x00"}), ("/changes", {"kind": "k" * 101}),
    ]:
        resp = sqlite_env.client.get(f"{V1}{path}", params=params, headers=sqlite_env.admin_headers)
        assert resp.status_code == 422, (path, params, resp.text)
        name = list(params)[-1]
        assert re.match(rf"query\.{name}(\.0)?: ", resp.json()["detail"]), resp.json()["detail"]


def test_an_empty_cursor_is_the_first_page(sqlite_env: Env) -> None:
    for path in ("/assets", "/events", "/incidents"):
        resp = sqlite_env.client.get(f"{V1}{path}", params={"cursor": ""}, headers=sqlite_env.admin_headers)
        assert resp.status_code == 200, resp.text


def test_every_cursor_the_patterns_admit_decodes() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from lily.api.schemas_query import ID_CURSOR, SEQ_CURSOR, id_after, id_cursor, seq_after, seq_cursor

    @settings(max_examples=300, deadline=None)
    @given(st.from_regex(SEQ_CURSOR, fullmatch=True), st.from_regex(ID_CURSOR, fullmatch=True),
           st.integers(0, 2**63 - 1), st.uuids())
    def check(seq_text: str, id_text: str, seq: int, aid: Any) -> None:
        if seq_text:
            assert 0 <= seq_after(seq_text) < 2**63  # a database integer
        if id_text:
            id_after(id_text)
        assert re.fullmatch(SEQ_CURSOR, seq_cursor(seq)) and seq_after(seq_cursor(seq)) == seq
        assert re.fullmatch(ID_CURSOR, id_cursor(aid)) and id_after(id_cursor(aid)) == aid

    check()


def test_the_whitespace_class_is_what_strip_removes() -> None:
    import sys

    from lily.api.schemas_query import WHITESPACE

    expected = {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}
    assert {chr(c) for c in range(sys.maxunicode + 1) if re.fullmatch(f"[{WHITESPACE}]", chr(c))} == expected


# ---------------------------------------------------------------------------- the document itself

def _operations(openapi: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m.upper(), p, op) for p, item in openapi["paths"].items() for m, op in item.items()]


def _resolve(openapi: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = openapi["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _alternatives(openapi: dict[str, Any], schema: dict[str, Any]) -> list[dict[str, Any]]:
    schema = _resolve(openapi, schema)
    return [_resolve(openapi, s) for s in schema.get("anyOf", [schema]) if s.get("type") != "null"]


# Routes that take no body although they write: the path names everything.
BODILESS = {("POST", f"{V1}/events/{{event_id}}/replay"), ("POST", f"{V1}/deliveries/{{delivery_id}}/replay"),
            # reviews of a detected classification: the path says everything (actions, like replay)
            ("POST", f"{V1}/assets/{{asset_id}}/classifications/{{tag}}/confirm"),
            ("POST", f"{V1}/assets/{{asset_id}}/classifications/{{tag}}/reject")}


def test_every_write_route_declares_a_required_json_body(openapi: dict[str, Any]) -> None:
    missing = []
    for method, path, op in _operations(openapi):
        if method not in ("POST", "PUT", "PATCH") or (method, path) in BODILESS:
            continue
        body = op.get("requestBody")
        if not body or not body.get("required") or "application/json" not in body.get("content", {}):
            missing.append(f"{method} {path}")
    assert not missing, missing


def test_every_ingestion_route_states_what_it_accepts_at_once(openapi: dict[str, Any]) -> None:
    for path in ("/lineage", "/lineage/batch", "/events", "/webhooks/s3", "/webhooks/monte-carlo"):
        schema = openapi["paths"][f"{V1}{path}"]["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert schema.get("anyOf") or _resolve(openapi, schema).get("anyOf"), path


def test_every_string_and_integer_parameter_is_bounded(openapi: dict[str, Any]) -> None:
    loose = []
    for method, path, op in _operations(openapi):
        for param in op.get("parameters", []):
            for schema in _alternatives(openapi, param["schema"]):
                items = [schema] if schema.get("type") != "array" else [_resolve(openapi, schema["items"])]
                if schema.get("type") == "array" and "maxItems" not in schema:
                    loose.append(f"{method} {path} {param['name']}: an array without maxItems")
                for s in items:
                    if s.get("type") == "string" and not ({"maxLength", "enum", "format", "const"} & set(s)) \
                            and not (s.get("pattern", "").startswith("^") and s.get("pattern", "").endswith("$")):
                        loose.append(f"{method} {path} {param['name']}: a string without a bound")
                    if s.get("type") == "integer" and not {"minimum", "maximum"} <= set(s):
                        loose.append(f"{method} {path} {param['name']}: an integer without minimum and maximum")
    assert not loose, loose


def test_request_models_that_refuse_unknown_fields_say_so(openapi: dict[str, Any]) -> None:
    from pydantic import BaseModel

    from lily.api import schemas, schemas_governance
    from lily.api.routes import pipelines

    declared = openapi["components"]["schemas"]
    for module in (schemas, schemas_governance, pipelines):
        for name, model in vars(module).items():
            if isinstance(model, type) and issubclass(model, BaseModel) and model.model_config.get("extra") == "forbid" \
                    and name in declared:
                assert declared[name].get("additionalProperties") is False, name


def test_no_constraint_is_lost_on_the_way_into_the_document(openapi: dict[str, Any]) -> None:
    # pydantic writes constraints it cannot place (after a validator) as unknown keys: they would
    # be enforced but not stated.
    text = json.dumps(openapi)
    for key in ('"ge":', '"le":', '"gt":', '"lt":', '"min_length":', '"max_length":', '"x-lily-'):
        assert key not in text, key


def test_free_form_json_is_bounded_and_stated(sqlite_env: Env, openapi: dict[str, Any]) -> None:
    attributes = openapi["components"]["schemas"]["AssetIn"]["properties"]["attributes"]
    assert attributes["additionalProperties"] == {"$ref": "#/components/schemas/JsonValue"}
    h = sqlite_env.admin_headers
    # -2.9e156 is a whole number to JSON Schema (out of the integer bounds) although Python reads a float.
    for attrs, where in (({"n": 2**64}, "n"), ({"f": -2.956330425670057e156}, "f"),
                         ({"d": json.loads("[" * 70 + "]" * 70)}, "d.0.0")):
        resp = sqlite_env.client.post(f"{V1}/assets", headers=h, json={"type": "table", "namespace": "n", "name": "t",
                                                                       "attributes": attrs})
        assert resp.status_code == 422 and resp.json()["detail"].startswith(f"body.attributes: {where}"), resp.text
    fine = {"type": "table", "namespace": "n", "name": "t", "attributes": {"f": 1.5e-300, "w": 3.0, "i": -(2**63)}}
    assert sqlite_env.client.post(f"{V1}/assets", headers=h, json=fine).status_code == 201


def test_request_bodies_take_json_booleans_and_integers_only(sqlite_env: Env) -> None:
    h = sqlite_env.admin_headers
    for body in ({"type": "table", "namespace": "n", "name": "t", "replace_columns": 0},
                 {"type": "table", "namespace": "n", "name": "t", "replace_columns": "true"}):
        assert sqlite_env.client.post(f"{V1}/assets", headers=h, json=body).status_code == 422, body
    for days in ("7", True, 7.5):
        resp = sqlite_env.client.post(f"{V1}/tokens", headers=h, json={"name": "k", "role": "viewer",
                                                                        "expires_in_days": days})
        assert resp.status_code == 422, days
    assert sqlite_env.client.post(f"{V1}/tokens", headers=h, json={"name": "k", "role": "viewer",
                                                                   "expires_in_days": 7.0}).status_code == 201
