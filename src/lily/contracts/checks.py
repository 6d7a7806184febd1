"""A contract's rules for one schema object → Lily quality checks, compiled to ONE aggregate scan.

ODCS states what is valid (``mustBe: 0``, ``mustBeLessThan: 5``); a Lily check states what fails,
so each operator becomes its negation. ``required`` becomes a missing-count check, ``unique`` a
duplicate check, ``logicalTypeOptions`` (pattern, lengths, bounds), an ``enum`` (v3.2.0) and the
``invalidValues`` metric invalid-count checks, ``rowCount`` a row-count check, a ``sql`` rule a custom metric, and a
``freshness`` SLA whose ``element`` names a column a freshness check against the processing date.
"""

from __future__ import annotations

from typing import Any

from lily.contracts.odcs import Contract, Property, SchemaObject
from lily.quality import Check, parse_checks

_NEGATION = {"mustBe": "ne", "mustNotBe": "eq", "mustBeGreaterThan": "le", "mustBeGreaterOrEqualTo": "lt",
             "mustBeLessThan": "ge", "mustBeLessOrEqualTo": "gt", "mustBeBetween": "not_between",
             "mustNotBeBetween": "between"}
_DIMENSIONS = {"accuracy", "completeness", "consistency", "timeliness", "uniqueness", "validity"}


def fail_threshold(rule: dict[str, Any]) -> dict[str, Any] | None:
    for op, neg in _NEGATION.items():
        if op in rule:
            return {neg: rule[op]}
    return None


def _common(rule: dict[str, Any], name: str) -> dict[str, Any]:
    out: dict[str, Any] = {"name": str(rule.get("name") or name)}
    threshold = fail_threshold(rule)
    if threshold is not None:
        out["fail"] = threshold
    dim = rule.get("dimension")
    if dim in _DIMENSIONS:
        out["dimension"] = dim
    elif dim == "conformity":
        out["dimension"] = "validity"
    return out


def _property_checks(prop: Property) -> list[dict[str, Any]]:
    col = prop.physical_name
    out: list[dict[str, Any]] = []
    if prop.required:
        out.append({"type": "missing_count", "column": col, "name": f"{col} is required"})
    if prop.unique:
        out.append({"type": "duplicate_count", "columns": [col], "name": f"{col} is unique"})
    enum = [v for v in prop.enum_values() or [] if v is not None]  # a null is missing, not invalid
    if enum and not any(_reads_enum(rule) for rule in prop.raw.get("quality") or []):
        # An enum alone allows nothing else; an invalidValues rule reading it says how much is tolerated.
        out.append({"type": "invalid_count", "column": col, "name": f"{col} is one of its enum values",
                    "valid_values": enum})
    opts = prop.raw.get("logicalTypeOptions") or {}
    if isinstance(opts, dict) and prop.logical_type == "string":
        rule = {k: opts[k] for k, key in (("pattern", "regex"), ("minLength", "min_length"),
                                          ("maxLength", "max_length")) if k in opts}
        if rule:
            out.append({"type": "invalid_count", "column": col, "name": f"{col} matches its type options",
                        **{dict(pattern="regex", minLength="min_length", maxLength="max_length")[k]: v
                           for k, v in rule.items()}})
    if isinstance(opts, dict) and prop.logical_type in ("integer", "number"):
        bounds = {key: opts[k] for k, key in (("minimum", "valid_min"), ("maximum", "valid_max")) if k in opts}
        if bounds:
            out.append({"type": "invalid_count", "column": col, "name": f"{col} within its bounds", **bounds})
    for i, rule in enumerate(prop.raw.get("quality") or []):
        if not isinstance(rule, dict):
            continue
        kind = rule.get("type", "library")
        metric = rule.get("metric") or rule.get("rule")
        args = rule.get("arguments") or {}
        name = f"{col}.quality[{i}] {metric or kind}"
        percent = rule.get("unit") == "percent"
        if kind == "library" and metric == "nullValues":
            out.append({"type": "missing_percent" if percent else "missing_count", "column": col,
                        **_common(rule, name)})
        elif kind == "library" and metric == "missingValues":
            out.append({"type": "missing_percent" if percent else "missing_count", "column": col,
                        "missing_values": list(args.get("missingValues") or []), **_common(rule, name)})
        elif kind == "library" and metric == "invalidValues":
            check = {"type": "invalid_percent" if percent else "invalid_count", "column": col, **_common(rule, name)}
            if "validValues" in args:
                check["valid_values"] = list(args["validValues"])
            if "pattern" in args:
                check["regex"] = args["pattern"]
            if _reads_enum(rule) and enum:  # v3.2.0: the property's enum
                check["valid_values"] = enum
            out.append(check)
        elif kind == "library" and metric == "duplicateValues":
            out.append({"type": "duplicate_percent" if percent else "duplicate_count", "columns": [col],
                        **_common(rule, name)})
        elif kind == "sql" and rule.get("query"):
            out.append({"type": "sql_metric", "query": _sql(str(rule["query"]), col), **_common(rule, name)})
    return out


def _reads_enum(rule: Any) -> bool:
    """An ``invalidValues`` rule without values or a pattern of its own: it checks the property's enum."""
    if not isinstance(rule, dict) or (rule.get("metric") or rule.get("rule")) != "invalidValues":
        return False
    args = rule.get("arguments") or {}
    return "validValues" not in args and "pattern" not in args


def _sql(query: str, column: str | None = None) -> str:
    # ODCS examples write ${table} / {model} / {object} for the checked relation, ${column} for the column.
    for token in ("${table}", "${object}", "{model}", "{object}", "{table}"):
        query = query.replace(token, "{relation}")
    return query.replace("${column}", column or "").replace("{column}", column or "")


def check_dicts(contract: Contract, obj: SchemaObject) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for prop in obj.properties():
        out += _property_checks(prop)
    for i, rule in enumerate(obj.raw.get("quality") or []):
        if not isinstance(rule, dict):
            continue
        kind, metric = rule.get("type", "library"), rule.get("metric") or rule.get("rule")
        name = f"{obj.name}.quality[{i}] {metric or kind}"
        if kind == "library" and metric == "rowCount":
            out.append({"type": "row_count", **_common(rule, name)})
        elif kind == "library" and metric == "duplicateValues":
            cols = list((rule.get("arguments") or {}).get("properties") or [])
            if cols:
                out.append({"type": "duplicate_percent" if rule.get("unit") == "percent" else "duplicate_count",
                            "columns": cols, **_common(rule, name)})
        elif kind == "sql" and rule.get("query"):
            out.append({"type": "sql_metric", "query": _sql(str(rule["query"])), **_common(rule, name)})
    sla = contract.sla("freshness")
    if sla is not None and sla.seconds is not None and sla.element_is_column():
        element = str(sla.element).split(",")[0].strip()
        table, _, column = element.rpartition(".")
        if table.lower() in (obj.name.lower(), obj.physical_name.lower()):
            out.append({"type": "freshness", "column": column, "name": f"freshness of {column}",
                        "fail": {"gt": sla.seconds / 3600}})
    return out


def compile_contract_checks(contract: Contract, obj: SchemaObject) -> list[Check]:
    """The checks as Lily quality checks (``ValueError``/``ValidationError`` for a broken rule)."""
    return parse_checks(check_dicts(contract, obj))
