"""ODCS v3.x documents: loaded as they are written (every field kept, unknown ones too), read
through a few accessors, and written back in the same order.

Lily never rebuilds a contract from a model: the stored document is the imported one, so export
gives back every field (``customProperties``, vendor extensions, fields of a newer minor version),
and load → export → load is the identity.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML

from lily.yamlfile import load

API_VERSIONS = ("v3.2.0", "v3.1.0", "v3.0.2", "v3.0.1", "v3.0.0")
UNITS_S = {"s": 1, "sec": 1, "second": 1, "seconds": 1, "m": 60, "min": 60, "minute": 60, "minutes": 60,
           "h": 3600, "hr": 3600, "hour": 3600, "hours": 3600, "d": 86400, "day": 86400, "days": 86400,
           "w": 604800, "week": 604800, "weeks": 604800, "y": 31536000, "yr": 31536000, "year": 31536000,
           "years": 31536000}


def loads(text: str) -> dict[str, Any]:
    """The document as plain JSON-able data (raises ``YamlError`` with a line)."""
    value = load(text).value
    if not isinstance(value, dict):
        raise ValueError("a data contract is a YAML mapping")
    return value


def dumps(document: dict[str, Any]) -> str:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.sort_base_mapping_type_on_output = False  # the document's own order
    yaml.allow_unicode = True
    yaml.width = 4096
    yaml.representer.add_representer(str, _represent_str)
    out = io.StringIO()
    yaml.dump(document, out)
    return out.getvalue()


_BREAKS = ("\x85", "\u2028", "\u2029")


def _represent_str(representer: Any, value: str) -> Any:
    # YAML reads NEL and the Unicode line/paragraph separators as line breaks, and the emitter
    # writes them raw in plain and single-quoted scalars, where folding turns them into spaces:
    # only a double-quoted scalar escapes them, so only these strings are written that way.
    style = '"' if any(b in value for b in _BREAKS) else None
    return representer.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def seconds(value: Any, unit: Any) -> float | None:
    """An SLA duration in seconds (``value`` in ``unit``: d, day, h, hours, m, ...); None if unreadable."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    factor = UNITS_S.get(str(unit or "d").strip().lower())
    return None if factor is None else number * factor


@dataclass(frozen=True)
class Property:
    name: str
    raw: dict[str, Any]

    @property
    def logical_type(self) -> str | None:
        return self.raw.get("logicalType")

    @property
    def physical_type(self) -> str | None:
        return self.raw.get("physicalType")

    @property
    def required(self) -> bool:
        return bool(self.raw.get("required", False))

    @property
    def unique(self) -> bool:
        return bool(self.raw.get("unique", False))

    @property
    def physical_name(self) -> str:
        return str(self.raw.get("physicalName") or self.name)

    def enum_values(self) -> list[Any] | None:
        """The values of the property's ``enum`` (ODCS v3.2.0), if it has one."""
        entries = self.raw.get("enum")
        if not isinstance(entries, list) or not entries:
            return None
        return [e["value"] for e in entries if isinstance(e, dict) and "value" in e]

    def valid_values(self) -> list[Any] | None:
        """The values the property may hold: its ``enum`` (v3.2.0), else an ``invalidValues`` rule's
        ``validValues``, if any."""
        enum = self.enum_values()
        if enum is not None:
            return enum
        for rule in self.raw.get("quality") or []:
            if isinstance(rule, dict) and rule.get("metric") == "invalidValues":
                values = (rule.get("arguments") or {}).get("validValues")
                if isinstance(values, list):
                    return values
        return None


@dataclass(frozen=True)
class SchemaObject:
    name: str
    raw: dict[str, Any]

    @property
    def physical_name(self) -> str:
        return str(self.raw.get("physicalName") or self.name)

    def properties(self) -> list[Property]:
        return [Property(str(p.get("name")), p) for p in self.raw.get("properties") or [] if isinstance(p, dict)]


@dataclass(frozen=True)
class Sla:
    property: str
    seconds: float | None
    element: str | None
    raw: dict[str, Any]

    def element_is_column(self) -> bool:
        """``element: table.column``: freshness measured on the data's values (a bare ``table`` is
        the dataset: freshness of its last update)."""
        return "." in str(self.element or "")


@dataclass(frozen=True)
class Contract:
    document: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.document.get("id") or "")

    @property
    def version(self) -> str:
        return str(self.document.get("version") or "")

    def schema(self) -> list[SchemaObject]:
        return [SchemaObject(str(s.get("name")), s) for s in self.document.get("schema") or [] if isinstance(s, dict)]

    def servers(self) -> list[dict[str, Any]]:
        return [s for s in self.document.get("servers") or [] if isinstance(s, dict)]

    def slas(self) -> list[Sla]:
        out = []
        for s in self.document.get("slaProperties") or []:
            if isinstance(s, dict) and s.get("property"):
                out.append(Sla(str(s["property"]).lower(), seconds(s.get("value"), s.get("unit")),
                               s.get("element"), s))
        return out

    def sla(self, name: str) -> Sla | None:
        return next((s for s in self.slas() if s.property == name), None)

    def owners(self) -> list[str]:
        team = self.document.get("team")
        members = team.get("members") if isinstance(team, dict) else team if isinstance(team, list) else []
        names = [m.get("username") or m.get("name") for m in members or [] if isinstance(m, dict)
                 and str(m.get("role", "owner")).lower() in ("owner", "data owner", "product owner")]
        if not names and isinstance(team, dict) and team.get("name"):
            names = [team["name"]]
        return [str(n) for n in names if n]

    def support(self) -> list[dict[str, Any]]:
        return [s for s in self.document.get("support") or [] if isinstance(s, dict)]

    def custom(self, name: str) -> Any:
        for item in self.document.get("customProperties") or []:
            if isinstance(item, dict) and item.get("property") == name:
                return item.get("value")
        return None

    def retention(self) -> str | None:
        """A retention period, where the contract states one (SLA ``retention``, or a custom property)."""
        sla = self.sla("retention")
        if sla is not None:
            return f"{sla.raw.get('value')} {sla.raw.get('unit') or ''}".strip()
        value = self.custom("retention")
        return None if value is None else str(value)


def walk_quality(contract: Contract) -> Iterator[tuple[SchemaObject, Property | None, dict[str, Any]]]:
    """Every quality rule: (schema object, property or None for a table-level one, the rule)."""
    for obj in contract.schema():
        for rule in obj.raw.get("quality") or []:
            if isinstance(rule, dict):
                yield obj, None, rule
        for prop in obj.properties():
            for rule in prop.raw.get("quality") or []:
                if isinstance(rule, dict):
                    yield obj, prop, rule
