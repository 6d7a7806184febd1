"""``lily contract diff OLD NEW``: every change between two versions of a contract, each breaking or not.

Breaking (a consumer that relied on OLD can break on NEW): a removed schema object or column, a
narrowed type (logical or physical: ``number`` → ``integer``, ``VARCHAR(255)`` → ``VARCHAR(50)``,
``BIGINT`` → ``INT``, a smaller ``maxLength``), a column newly ``required`` (or added required),
newly ``unique``, an enum that lost values (``invalidValues`` ``validValues``), a tighter SLA
(``freshness``/``latency`` shorter, or added). The rest (new optional columns, widened types,
grown enums, looser SLAs, descriptions) is not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lily.contracts.odcs import Contract, Property, SchemaObject

_INT_RANK = {"tinyint": 1, "int1": 1, "byteint": 1, "smallint": 2, "int2": 2, "int": 3, "integer": 3, "int4": 3,
             "mediumint": 3, "bigint": 4, "int8": 4, "long": 4, "hugeint": 5}
_FLOAT_RANK = {"real": 1, "float4": 1, "float": 2, "double": 2, "float8": 2, "double precision": 2}
_TEXT = {"varchar", "char", "character", "character varying", "nvarchar", "nchar", "string", "text", "varchar2"}
_DECIMAL = {"decimal", "numeric", "number"}
_WIDER = {("integer", "number"), ("date", "timestamp")}  # logical (old, new) pairs that widen
_INT_FORMATS = {"i8": 1, "i16": 2, "i32": 3, "i64": 4, "i128": 5, "u8": 1, "u16": 2, "u32": 3, "u64": 4, "u128": 5}
_PHYS = re.compile(r"^\s*([A-Za-z][A-Za-z0-9 ]*?)\s*(?:\(\s*([^)]*)\))?\s*$")
SLA_KINDS = ("freshness", "latency")


@dataclass(frozen=True)
class Change:
    kind: str  # removed_object, removed_column, narrowed_type, new_required, ... added_column, ...
    path: str  # e.g. "users.email", "slaProperties.freshness"
    breaking: bool
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "path": self.path, "breaking": self.breaking, "message": self.message}


def _physical(text: str | None) -> tuple[str, list[float]] | None:
    if not text:
        return None
    m = _PHYS.match(str(text))
    if not m:
        return None
    args = []
    for a in (m.group(2) or "").split(","):
        a = a.strip()
        if a.upper() == "MAX":
            args.append(float("inf"))
        elif a:
            try:
                args.append(float(a))
            except ValueError:
                return None
    return m.group(1).strip().lower(), args


def physical_narrowed(old: str | None, new: str | None) -> bool | None:
    """True if NEW holds fewer values than OLD, False if at least as many, None if unknown/unchanged."""
    a, b = _physical(old), _physical(new)
    if a is None or b is None or a == b:
        return None
    (na, aa), (nb, ab) = a, b
    if na in _INT_RANK and nb in _INT_RANK:
        return _INT_RANK[nb] < _INT_RANK[na]
    if na in _FLOAT_RANK and nb in _FLOAT_RANK:
        return _FLOAT_RANK[nb] < _FLOAT_RANK[na]
    if na in _TEXT and nb in _TEXT:
        la = aa[0] if aa else float("inf")
        lb = ab[0] if ab else float("inf")
        return lb < la
    if na in _DECIMAL and nb in _DECIMAL:
        pa, sa = ([*aa, 38, 0])[:2] if aa else (38, 0)
        pb, sb = ([*ab, 38, 0])[:2] if ab else (38, 0)
        return pb - sb < pa - sa or sb < sa
    if na in _INT_RANK and (nb in _DECIMAL or nb in _FLOAT_RANK or nb in _TEXT):
        return False  # every integer fits
    # Unbounded text holds anything; another family may not hold OLD's values.
    return not (nb in _TEXT and not ab)


def logical_narrowed(old: str | None, new: str | None) -> bool | None:
    if old is None or new is None or old == new:
        return None
    return not (new == "string" or (old, new) in _WIDER)


def _options_narrowed(old: Property, new: Property) -> str | None:
    oa, na = old.raw.get("logicalTypeOptions") or {}, new.raw.get("logicalTypeOptions") or {}
    if isinstance(oa, dict) and isinstance(na, dict):
        if isinstance(na.get("maxLength"), int) and (not isinstance(oa.get("maxLength"), int)
                                                     or na["maxLength"] < oa["maxLength"]):
            return f"maxLength {oa.get('maxLength', 'unbounded')} → {na['maxLength']}"
        fo, fn = _INT_FORMATS.get(str(oa.get("format"))), _INT_FORMATS.get(str(na.get("format")))
        if fo and fn and fn < fo:
            return f"format {oa['format']} → {na['format']}"
    return None


def _columns(old: Property, new: Property, path: str) -> list[Change]:
    out: list[Change] = []
    lt = logical_narrowed(old.logical_type, new.logical_type)
    pt = physical_narrowed(old.physical_type, new.physical_type)
    if lt or pt:
        what = (f"{old.logical_type} → {new.logical_type}" if lt else f"{old.physical_type} → {new.physical_type}")
        out.append(Change("narrowed_type", path, True, f"type narrowed: {what}"))
    elif lt is False or pt is False:
        what = (f"{old.logical_type} → {new.logical_type}" if lt is False else f"{old.physical_type} → {new.physical_type}")
        out.append(Change("widened_type", path, False, f"type widened: {what}"))
    options = _options_narrowed(old, new)
    if options:
        out.append(Change("narrowed_type", path, True, f"type narrowed: {options}"))
    if new.required and not old.required:
        out.append(Change("new_required", path, True, "now required (no nulls)"))
    elif old.required and not new.required:
        out.append(Change("relaxed_required", path, False, "no longer required"))
    if new.unique and not old.unique:
        out.append(Change("new_unique", path, True, "now unique"))
    ov, nv = old.valid_values(), new.valid_values()
    if nv is not None and ov is None:
        out.append(Change("shrunk_enum", path, True, f"values now limited to {nv}"))
    elif nv is not None and ov is not None:
        lost = [v for v in ov if v not in nv]
        gained = [v for v in nv if v not in ov]
        if lost:
            out.append(Change("shrunk_enum", path, True, f"values no longer allowed: {lost}"))
        if gained:
            out.append(Change("grown_enum", path, False, f"values added: {gained}"))
    elif ov is not None and nv is None:
        out.append(Change("grown_enum", path, False, "value list removed"))
    return out


def _objects(old: SchemaObject, new: SchemaObject) -> list[Change]:
    out: list[Change] = []
    new_props = {p.name.lower(): p for p in new.properties()}
    old_props = {p.name.lower(): p for p in old.properties()}
    for key, prop in old_props.items():
        path = f"{old.name}.{prop.name}"
        if key not in new_props:
            out.append(Change("removed_column", path, True, "column removed"))
        else:
            out += _columns(prop, new_props[key], path)
    for key, prop in new_props.items():
        if key not in old_props:
            path = f"{new.name}.{prop.name}"
            out.append(Change("added_column", path, prop.required,
                              "required column added" if prop.required else "optional column added"))
    return out


def diff(old: Contract, new: Contract) -> list[Change]:
    out: list[Change] = []
    new_objects = {o.name.lower(): o for o in new.schema()}
    old_objects = {o.name.lower(): o for o in old.schema()}
    for key, obj in old_objects.items():
        if key not in new_objects:
            out.append(Change("removed_object", obj.name, True, "schema object removed"))
        else:
            out += _objects(obj, new_objects[key])
    for key, obj in new_objects.items():
        if key not in old_objects:
            out.append(Change("added_object", obj.name, False, "schema object added"))
    for kind in SLA_KINDS:
        a, b = old.sla(kind), new.sla(kind)
        path = f"slaProperties.{kind}"
        if b is not None and b.seconds is not None and (a is None or a.seconds is None):
            out.append(Change("tighter_sla", path, True, f"{kind} SLA added: {b.raw.get('value')} {b.raw.get('unit', '')}"))
        elif a is not None and b is not None and a.seconds is not None and b.seconds is not None:
            if b.seconds < a.seconds:
                out.append(Change("tighter_sla", path, True, f"{kind} tightened: {a.seconds:g}s → {b.seconds:g}s"))
            elif b.seconds > a.seconds:
                out.append(Change("looser_sla", path, False, f"{kind} loosened: {a.seconds:g}s → {b.seconds:g}s"))
        elif a is not None and b is None:
            out.append(Change("looser_sla", path, False, f"{kind} SLA removed"))
    return out


def breaking(changes: list[Change]) -> list[Change]:
    return [c for c in changes if c.breaking]
