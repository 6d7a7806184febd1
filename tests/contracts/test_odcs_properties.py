"""ODCS documents round-trip exactly (unknown fields included); the diff classifier's rules hold."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lily.contracts.diff import breaking, diff, logical_narrowed, physical_narrowed
from lily.contracts.lint import errors, lint_document, lint_text
from lily.contracts.odcs import Contract, dumps, loads
from tests.contracts.conftest import contract_doc

keys = st.text(st.characters(codec="utf-8", categories=("L", "N"), include_characters="_-$"), min_size=1,
               max_size=12)
scalars = (st.none() | st.booleans() | st.integers(-10**12, 10**12)
           | st.floats(allow_nan=False, allow_infinity=False, width=64) | st.text(max_size=30))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
                      max_leaves=20)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(keys, values, max_size=6), values)
def test_load_export_load_is_the_identity_unknown_fields_included(extra: dict, nested: object) -> None:
    doc = {**contract_doc(), **{f"x-{k}": v for k, v in extra.items()}}
    doc["schema"][0]["properties"][0]["customThing"] = nested
    once = loads(dumps(doc))
    assert once == doc
    assert loads(dumps(once)) == once


def test_lint_names_line_and_field_and_keeps_unknown_fields_as_warnings() -> None:
    text = dumps(contract_doc())
    assert errors(lint_text(text)) == []
    assert [f.field for f in lint_text(text) if f.level == "warning"] == ["x-vendor-extension"]
    broken = text.replace("logicalType: integer", "logicalType: int").replace("kind: DataContract", "kind: Contract")
    found = {f.field: f.line for f in errors(lint_text(broken))}
    assert set(found) == {"kind", "schema[0].properties[0].logicalType"}
    lines = broken.splitlines()
    assert lines[found["schema[0].properties[0].logicalType"] - 1].strip() == "logicalType: int"
    bad_rule = contract_doc()
    bad_rule["schema"][0]["properties"][1]["quality"] = [{"metric": "nullValues"}]
    assert [f.field for f in errors(lint_document(bad_rule))] == ["schema[0].properties[1].quality[0]"]


def _with(props: list[dict], sla: float | None = None) -> Contract:
    doc = contract_doc()
    doc["schema"][0]["properties"] = props
    doc["slaProperties"] = [] if sla is None else [{"property": "freshness", "value": sla, "unit": "h"}]
    return Contract(doc)


prop_names = st.lists(st.sampled_from(["a", "b", "c", "d", "e", "f"]), unique=True, min_size=1, max_size=6)
logicals = st.sampled_from(["string", "integer", "number", "date", "timestamp", "boolean"])


@settings(max_examples=200, deadline=None)
@given(prop_names, st.data())
def test_removing_a_column_is_breaking_adding_an_optional_one_is_not(names: list[str], data) -> None:
    types = {n: data.draw(logicals) for n in names}
    old = [{"name": n, "logicalType": types[n]} for n in names]
    assert diff(_with(old), _with(old)) == []
    dropped = data.draw(st.sampled_from(names))
    changes = diff(_with(old), _with([p for p in old if p["name"] != dropped]))
    assert [(c.kind, c.breaking) for c in changes] == [("removed_column", True)]
    added = diff(_with(old), _with([*old, {"name": "zz_new", "logicalType": "string"}]))
    assert breaking(added) == [] and [c.kind for c in added] == ["added_column"]
    required = diff(_with(old), _with([*old, {"name": "zz_new", "logicalType": "string", "required": True}]))
    assert [c.breaking for c in required] == [True]


@settings(max_examples=200, deadline=None)
@given(logicals, logicals)
def test_a_logical_type_change_is_breaking_exactly_when_it_narrows(a: str, b: str) -> None:
    changes = diff(_with([{"name": "x", "logicalType": a}]), _with([{"name": "x", "logicalType": b}]))
    narrowed = logical_narrowed(a, b)
    assert bool(breaking(changes)) == bool(narrowed)
    if a != b:  # one direction at most narrows... unless the families are unrelated (both narrow)
        assert narrowed or logical_narrowed(b, a)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 4000), st.integers(1, 4000))
def test_varchar_lengths_and_integer_widths(n: int, m: int) -> None:
    assert physical_narrowed(f"VARCHAR({n})", f"VARCHAR({m})") == (m < n if m != n else None)
    changes = diff(_with([{"name": "x", "physicalType": f"varchar({n})"}]),
                   _with([{"name": "x", "physicalType": f"varchar({m})"}]))
    assert bool(breaking(changes)) == (m < n)
    assert physical_narrowed("BIGINT", "INT") is True and physical_narrowed("INT", "BIGINT") is False


@settings(max_examples=200, deadline=None)
@given(st.sets(st.sampled_from(list("ABCDEFG")), min_size=1), st.sets(st.sampled_from(list("ABCDEFG")), min_size=1),
       st.booleans())
def test_enum_changes_are_breaking_exactly_when_values_are_lost(old: set[str], new: set[str], v32: bool) -> None:
    def prop(vals: set[str]) -> dict:
        if v32:  # ODCS v3.2.0's enum
            return {"name": "x", "logicalType": "string", "enum": [{"value": v} for v in sorted(vals)]}
        return {"name": "x", "logicalType": "string", "quality": [
            {"metric": "invalidValues", "arguments": {"validValues": sorted(vals)}, "mustBe": 0}]}
    changes = diff(_with([prop(old)]), _with([prop(new)]))
    assert bool(breaking(changes)) == bool(old - new)
    assert any(c.kind == "grown_enum" for c in changes) == bool(new - old)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 1000), st.integers(1, 1000))
def test_a_tighter_sla_is_breaking_a_looser_one_is_not(old_h: int, new_h: int) -> None:
    changes = diff(_with([{"name": "x"}], sla=old_h), _with([{"name": "x"}], sla=new_h))
    assert bool(breaking(changes)) == (new_h < old_h)
    assert [c.kind for c in diff(_with([{"name": "x"}]), _with([{"name": "x"}], sla=new_h))] == ["tighter_sla"]
    assert breaking(diff(_with([{"name": "x"}], sla=old_h), _with([{"name": "x"}]))) == []


def test_the_standards_own_schema_refuses_what_lilys_rules_do_not_check() -> None:
    """The second pass: ODCS v3.1's JSON Schema, with the line and field of each refusal; an object
    that fails one of its own checks does not also report its fields as unknown."""
    doc = contract_doc()
    doc["servers"] = [{"server": "athena-prod", "type": "athena", "regionName": "eu-west-1"}]
    doc["schema"][0]["properties"][1]["quality"][0]["dimension"] = "validity"  # not one of the standard's
    doc["team"] = 42
    text = dumps(doc)
    found = {f.field: f for f in lint_text(text)}
    assert {f for f, v in found.items() if v.level == "error"} == {
        "servers[0].stagingDir", "servers[0].schema", "schema[0].properties[1].quality[0].dimension", "team"}
    assert "servers[0].regionName" not in found  # "unevaluated" only because the server failed its check
    assert all(v.message.endswith("(ODCS v3.1 schema)") for v in found.values() if v.level == "error")
    lines = text.splitlines()
    assert lines[found["schema[0].properties[1].quality[0].dimension"].line - 1].strip() == "dimension: validity"
    assert lines[found["team"].line - 1].startswith("team:")
    # A field Lily's own rules already reported is not reported twice.
    doc = contract_doc()
    doc["schema"][0]["properties"][0]["required"] = "yes"
    assert [(f.field, f.message) for f in errors(lint_document(doc))] == [
        ("schema[0].properties[0].required", "required is true or false")]
    # A document of another version is left to that version's rules.
    assert [f.field for f in errors(lint_document({**contract_doc(), "apiVersion": "v2.2.2"}))] == ["apiVersion"]


def test_lint_prints_what_the_file_says_as_text(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Brackets in a message or a field name are the file's text, not terminal markup to swallow."""
    from typer.testing import CliRunner

    from lily.cli import app

    doc = contract_doc()
    doc["schema"][0]["quality"] = [{"type": "library", "metric": "rowCount", "mustBeBetween": [100]}]
    doc["[red]x"] = 1
    path = tmp_path / "c.odcs.yaml"
    path.write_text(dumps(doc))
    result = CliRunner().invoke(app, ["contract", "lint", str(path)], env={"COLUMNS": "300"})
    assert result.exit_code == 1
    assert "mustBeBetween is [low, high]" in result.stdout
    assert "[red]x: not an ODCS v3.1 field" in result.stdout


def _v32() -> dict:
    """A v3.2.0 document using what that version adds: enum, map, semanticType, synonyms, context."""
    doc = contract_doc(apiVersion="v3.2.0")
    del doc["x-vendor-extension"]
    props = doc["schema"][0]["properties"]
    props[2]["enum"] = [{"value": "DE", "label": "Germany"}, {"value": "FR"}, {"value": "US"}]
    props[2]["synonyms"] = [{"synonym": "nation", "locale": "en"}]
    props.append({"name": "prefs", "logicalType": "map", "map": {"key": {"logicalType": "string"},
                                                                 "value": {"logicalType": "integer"}}})
    props.append({"name": "orders", "logicalType": "integer", "semanticType": "measure",
                  "transformLogic": "count(*)"})
    doc["context"] = {"instructions": "One row per user; emails are personal data."}
    return doc


def _at(doc: dict, path: tuple, value: object) -> dict:
    node = doc
    for p in path[:-1]:
        node = node[p]
    if value is None:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return doc


P = ("schema", 0, "properties")


@pytest.mark.parametrize(("path", "value", "field"), [
    ((*P, 2, "enum"), [], "schema[0].properties[2].enum"),
    ((*P, 2, "enum"), [{"value": "DE"}, {"value": "DE", "label": "again"}], "schema[0].properties[2].enum[1].value"),
    ((*P, 2, "enum"), [{"label": "Germany"}], "schema[0].properties[2].enum[0].value"),
    ((*P, 3, "map"), None, "schema[0].properties[3].map"),
    ((*P, 3, "map", "key"), None, "schema[0].properties[3].map.key"),
    ((*P, 3, "map", "value"), None, "schema[0].properties[3].map.value"),
    ((*P, 2, "synonyms"), [{"locale": "en"}], "schema[0].properties[2].synonyms[0].synonym"),
    ((*P, 4, "semanticType"), "metric", "schema[0].properties[4].semanticType"),
    ((*P, 1, "quality"), [{"type": "custom", "engine": "soda"}], "schema[0].properties[1].quality[0].implementation"),
])
def test_v3_2_documents_are_read_with_their_own_rules(path: tuple, value: object, field: str) -> None:
    clean = lint_document(_v32())
    assert clean == [], clean
    found = errors(lint_document(_at(_v32(), path, value)))
    assert field in {f.field for f in found}, found
    # What v3.2.0 adds is not a field of v3.1: there it is kept and warned about, as any unknown field.
    older = lint_document({**_v32(), "apiVersion": "v3.1.0"})
    warned = {f.field for f in older if f.level == "warning"}
    assert {"context", "schema[0].properties[2].enum", "schema[0].properties[4].semanticType"} <= warned, older


def test_an_invalid_values_rule_on_an_enum_needs_no_arguments() -> None:
    doc = _v32()
    doc["schema"][0]["properties"][2]["quality"] = [{"metric": "invalidValues", "unit": "percent", "mustBe": 0}]
    assert errors(lint_document(doc)) == []
    del doc["schema"][0]["properties"][2]["enum"]
    assert [f.field for f in errors(lint_document(doc))] == ["schema[0].properties[2].quality[0].arguments"]


def test_lint_strict_fails_on_warnings_too(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from lily.cli import app

    path = tmp_path / "c.odcs.yaml"
    path.write_text(dumps(contract_doc()))  # clean but for one unknown field: a warning
    assert CliRunner().invoke(app, ["contract", "lint", str(path)]).exit_code == 0
    strict = CliRunner().invoke(app, ["contract", "lint", "--strict", str(path)], env={"COLUMNS": "300"})
    assert strict.exit_code == 1 and "x-vendor-extension: not an ODCS v3.1 field" in strict.stdout
