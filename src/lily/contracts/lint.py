"""``lily contract lint``: what is wrong with a contract (errors) or questionable (warnings), each
with its line and field path. Unknown fields are warnings: they are kept, never dropped.

Two passes: Lily's own rules (what evaluating a contract needs, in plain words), then the standard's
own JSON Schema (``schemas/odcs-json-schema-v3.2.0.json`` for a v3.2.0 document, ``-v3.1.0.json`` for
the earlier v3 ones; both unchanged), so a document the standard refuses is refused here too, whatever
rule it breaks. A schema error on a field Lily's rules already
reported is left out; the schema's "additional properties" are warnings, as above."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft201909Validator
from jsonschema.exceptions import ValidationError, best_match

from lily.contracts.odcs import API_VERSIONS, seconds
from lily.yamlfile import Located, YamlError, load

ROOT = {"version", "kind", "apiVersion", "id", "name", "tenant", "tags", "status", "servers", "dataProduct",
        "description", "domain", "schema", "support", "price", "team", "roles", "slaDefaultElement",
        "slaProperties", "authoritativeDefinitions", "customProperties", "contractCreatedTs", "context"}
LOGICAL = {"string", "date", "timestamp", "time", "number", "integer", "object", "array", "boolean", "map"}
_SCHEMAS = {"v3.2.0": "v3.2.0"}  # apiVersion -> the JSON Schema it is checked against (else v3.1.0's)
METRICS = {"nullValues", "missingValues", "invalidValues", "duplicateValues", "rowCount"}
OPERATORS = {"mustBe", "mustNotBe", "mustBeGreaterThan", "mustBeGreaterOrEqualTo", "mustBeLessThan",
             "mustBeLessOrEqualTo", "mustBeBetween", "mustNotBeBetween"}
QUALITY_TYPES = {"text", "library", "sql", "custom"}
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$.\-]*$")


@dataclass(frozen=True)
class Finding:
    level: str  # error | warning
    field: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.level}: line {self.line or '?'}: {self.field or '(document)'}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"level": self.level, "field": self.field, "line": self.line, "message": self.message}


def _path(parts: tuple[str | int, ...]) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


class _Linter:
    def __init__(self, located: Located | None) -> None:
        self.located = located
        self.found: list[Finding] = []
        self.paths: list[tuple[str | int, ...]] = []  # each finding's path, as parts

    def add(self, level: str, path: tuple[str | int, ...], message: str) -> None:
        self.found.append(Finding(level, _path(path), self.located.line_of(path) if self.located else None, message))
        self.paths.append(path)

    def run(self, doc: dict[str, Any]) -> None:
        for key in ("version", "apiVersion", "kind", "id", "status"):
            if not doc.get(key):
                self.add("error", (key,), f"{key} is required")
        if doc.get("kind") and doc["kind"] != "DataContract":
            self.add("error", ("kind",), "kind must be DataContract")
        if doc.get("apiVersion") and doc["apiVersion"] not in API_VERSIONS:
            self.add("error", ("apiVersion",), f"apiVersion must be one of {', '.join(API_VERSIONS)}")
        for key in doc:
            if key not in ROOT:
                self.add("warning", (key,), _unknown(_minor(doc)))
        schema = doc.get("schema") or []
        if not isinstance(schema, list):
            self.add("error", ("schema",), "schema is a list of objects")
            schema = []
        names: set[str] = set()
        for i, obj in enumerate(schema):
            self.schema_object(i, obj, names)
        for i, sla in enumerate(doc.get("slaProperties") or []):
            self.sla(i, sla)
        for i, server in enumerate(doc.get("servers") or []):
            if not isinstance(server, dict) or not server.get("type"):
                self.add("error", ("servers", i, "type"), "a server needs a type (s3, postgres, snowflake, local...)")

    def schema_object(self, i: int, obj: Any, names: set[str]) -> None:
        at: tuple[str | int, ...] = ("schema", i)
        if not isinstance(obj, dict) or not obj.get("name"):
            self.add("error", (*at, "name"), "a schema object needs a name")
            return
        if obj["name"] in names:
            self.add("error", (*at, "name"), f"two schema objects are named {obj['name']!r}")
        names.add(obj["name"])
        seen: set[str] = set()
        for j, prop in enumerate(obj.get("properties") or []):
            p_at = (*at, "properties", j)
            if not isinstance(prop, dict) or not prop.get("name"):
                self.add("error", (*p_at, "name"), "a property needs a name")
                continue
            if str(prop["name"]).lower() in seen:
                self.add("error", (*p_at, "name"), f"two properties are named {prop['name']!r}")
            seen.add(str(prop["name"]).lower())
            if prop.get("logicalType") is not None and prop["logicalType"] not in LOGICAL:
                self.add("error", (*p_at, "logicalType"), f"logicalType must be one of {', '.join(sorted(LOGICAL))}")
            self.enum_and_map(p_at, prop)
            for key in ("required", "unique", "primaryKey", "partitioned"):
                if key in prop and not isinstance(prop[key], bool):
                    self.add("error", (*p_at, key), f"{key} is true or false")
            for k, rule in enumerate(prop.get("quality") or []):
                self.quality((*p_at, "quality", k), rule, column=True, enum=bool(prop.get("enum")))
        for k, rule in enumerate(obj.get("quality") or []):
            self.quality((*at, "quality", k), rule, column=False)

    def enum_and_map(self, at: tuple[str | int, ...], prop: dict[str, Any]) -> None:
        """v3.2.0's ``enum`` (allowed values, each an object with a ``value``) and ``map`` (a key/value
        type: ``logicalType: map`` needs its ``map`` with ``key`` and ``value``)."""
        if "enum" in prop:
            entries = prop["enum"]
            if not isinstance(entries, list) or not entries:
                self.add("error", (*at, "enum"), "enum lists at least one allowed value")
            else:
                seen: list[Any] = []
                for k, entry in enumerate(entries):
                    if not isinstance(entry, dict) or "value" not in entry:
                        self.add("error", (*at, "enum", k, "value"), "an enum entry needs a value")
                    elif entry["value"] in seen:
                        self.add("error", (*at, "enum", k, "value"), f"{entry['value']!r} is in the enum twice")
                    else:
                        seen.append(entry["value"])
        if prop.get("logicalType") == "map":
            block = prop.get("map")
            if not isinstance(block, dict):
                self.add("error", (*at, "map"), "logicalType map needs a map block with key and value")
            else:
                for part in ("key", "value"):
                    if not isinstance(block.get(part), dict):
                        self.add("error", (*at, "map", part), f"a map needs its {part} (a property shape)")

    def quality(self, at: tuple[str | int, ...], rule: Any, *, column: bool, enum: bool = False) -> None:
        if not isinstance(rule, dict):
            self.add("error", at, "a quality rule is a mapping")
            return
        kind = rule.get("type", "library")
        if kind not in QUALITY_TYPES:
            self.add("error", (*at, "type"), f"type must be one of {', '.join(sorted(QUALITY_TYPES))}")
            return
        ops = [k for k in OPERATORS if k in rule]
        if kind == "library":
            metric = rule.get("metric") or rule.get("rule")
            if metric not in METRICS:
                self.add("error", (*at, "metric"), f"metric must be one of {', '.join(sorted(METRICS))}")
            elif metric != "rowCount" and not column and (
                    metric != "duplicateValues" or not (rule.get("arguments") or {}).get("properties")):
                self.add("error", (*at, "metric"), f"{metric} is a property-level metric")
            if metric == "invalidValues" and not enum and not any(k in (rule.get("arguments") or {})
                                                                  for k in ("validValues", "pattern")):
                self.add("error", (*at, "arguments"),
                         "invalidValues needs arguments.validValues or arguments.pattern (or the property's enum)")
        if kind == "sql" and not str(rule.get("query") or "").strip():
            self.add("error", (*at, "query"), "a sql rule needs a query")
        if kind in ("library", "sql") and len(ops) != 1:
            self.add("error", at, f"give exactly one of {', '.join(sorted(OPERATORS))}")
        for op in ("mustBeBetween", "mustNotBeBetween"):
            if op in rule and (not isinstance(rule[op], list) or len(rule[op]) != 2):
                self.add("error", (*at, op), f"{op} is [low, high]")
        if kind == "custom":
            for key in ("engine", "implementation"):
                if not rule.get(key):
                    self.add("error", (*at, key), f"a custom rule needs its {key}")
            self.add("warning", at, "custom rules are kept but not evaluated by Lily")

    def sla(self, i: int, sla: Any) -> None:
        at: tuple[str | int, ...] = ("slaProperties", i)
        if not isinstance(sla, dict) or "property" not in sla or "value" not in sla:
            self.add("error", at, "an SLA property needs property and value")
            return
        if str(sla["property"]).lower() in ("freshness", "latency", "retention") and \
                seconds(sla["value"], sla.get("unit")) is None:
            self.add("error", (*at, "unit"), "value and unit must be a duration (unit: d, h, m, s, days, hours...)")


def lint_document(doc: dict[str, Any], located: Located | None = None) -> list[Finding]:
    linter = _Linter(located)
    linter.run(doc)
    if doc.get("apiVersion") in API_VERSIONS:  # another version's document: its own rules apply
        _against_schema(linter, doc)
    return linter.found


def _minor(doc: dict[str, Any]) -> str:
    """The standard's version whose schema and vocabulary a document is read with."""
    return _SCHEMAS.get(str(doc.get("apiVersion")), "v3.1.0")


def _unknown(minor: str) -> str:
    return f"not an ODCS {minor[:4]} field (kept as it is; customProperties is the standard place for extensions)"


@cache
def _validator(minor: str) -> Draft201909Validator:
    path = f"schemas/odcs-json-schema-{minor}.json"
    return Draft201909Validator(json.loads(resources.files("lily.contracts").joinpath(path).read_text("utf-8")))


_REQUIRED = re.compile(r"^'(.+)' is a required property$")
_UNEXPECTED = re.compile(r"\((.+) (?:was|were) unexpected\)")
_EXTRA = ("additionalProperties", "unevaluatedProperties")


def _against_schema(linter: _Linter, doc: dict[str, Any]) -> None:
    minor = _minor(doc)
    errors = sorted(_validator(minor).iter_errors(_plain(doc)), key=lambda e: e.validator in _EXTRA)
    reported = linter.paths  # grows as findings are added below
    failed = [p for p, f in zip(linter.paths, linter.found, strict=True) if f.level == "error"]

    def near(path: tuple[str | int, ...], found: list[tuple[str | int, ...]]) -> bool:
        return any(path[:len(r)] == r or r[:len(path)] == path for r in found if r and path)

    for error in errors:
        if error.validator in _EXTRA:
            # An object whose own check failed has its fields "unevaluated" too: only its real error counts.
            names = _UNEXPECTED.search(error.message)
            where = tuple(error.absolute_path)
            if not names or (error.validator == "unevaluatedProperties"
                             and any(f[:len(where)] == where for f in failed if len(f) > len(where))):
                continue
            for name in re.findall(r"'([^']*)'", names.group(1)):
                if (path := (*where, name)) not in reported:
                    linter.add("warning", path, _unknown(minor))
            continue
        cause: ValidationError = best_match([error])  # the branch of an anyOf/oneOf that came closest
        path = tuple(cause.absolute_path)
        missing = _REQUIRED.match(cause.message) if cause.validator == "required" else None
        if missing:
            path = (*path, missing.group(1))
        if near(path, reported):
            continue
        linter.add("error", path, f"{'is required' if missing else cause.message[:300]} (ODCS {minor[:4]} schema)")
        failed.append(path)


def _plain(value: Any) -> Any:
    """The document as JSON has it (YAML dates as ISO strings), for the schema."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def lint_text(text: str) -> list[Finding]:
    try:
        located = load(text)
    except YamlError as e:
        return [Finding("error", "", e.line, e.message)]
    if not isinstance(located.value, dict):
        return [Finding("error", "", 1, "a data contract is a YAML mapping")]
    return lint_document(located.value, located)


def errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.level == "error"]
