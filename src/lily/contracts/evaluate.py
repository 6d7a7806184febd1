"""Evaluating a contract against what is known of its dataset: pure over the observations.

Three kinds of finding, each failing the contract: ``schema`` (a contracted column is missing, or
its catalog type is not the contracted logical type), ``freshness`` (the dataset's last update is
older than the ``freshness`` SLA at the evaluation time) and ``quality`` (a check compiled from the
contract's rules failed in the one-scan quality run). A dataset the catalog does not know yet is
``unknown``, never a breach: nothing can be said about it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from lily.contracts.odcs import Contract, SchemaObject
from lily.model import AssetRef

if TYPE_CHECKING:  # the quality package imports DuckDB and sqlglot: not at `lily serve`'s start
    from lily.quality import QualityReport

PASSING, FAILING, UNKNOWN = "passing", "failing", "unknown"
_LOGICAL_FAMILY = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean",
                   "date": "date", "timestamp": "timestamp"}
# Arrow / Parquet type names as schema facets and scans report them, in DuckDB's words.
_ARROW = {"int8": "TINYINT", "int16": "SMALLINT", "int32": "INTEGER", "int64": "BIGINT", "uint8": "UTINYINT",
          "uint16": "USMALLINT", "uint32": "UINTEGER", "uint64": "UBIGINT", "string": "VARCHAR",
          "large_string": "VARCHAR", "utf8": "VARCHAR", "large_utf8": "VARCHAR", "double": "DOUBLE",
          "float": "FLOAT", "float64": "DOUBLE", "float32": "FLOAT", "bool": "BOOLEAN", "boolean": "BOOLEAN",
          "date32": "DATE", "date32[day]": "DATE", "date64": "DATE", "byte_array": "VARCHAR",
          "character varying": "VARCHAR", "text": "VARCHAR", "number": "DECIMAL", "timestamp_ntz": "TIMESTAMP",
          "timestamp_tz": "TIMESTAMPTZ", "timestamp_ltz": "TIMESTAMPTZ", "variant": "JSON"}


@dataclass(frozen=True)
class Finding:
    kind: str  # schema | freshness | quality
    check: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "check": self.check, "message": self.message}


@dataclass
class Observed:
    """What the catalog (and a quality run) says about the dataset now."""

    known: bool
    columns: dict[str, str | None] = field(default_factory=dict)  # name -> data type (None: not given)
    last_update: datetime | None = None
    quality: QualityReport | None = None
    quality_error: str | None = None
    partition: str | None = None  # the partition the quality run read
    process_date: str | None = None  # the processing date it was checked for


@dataclass
class DatasetEvaluation:
    schema_object: str
    dataset: AssetRef | None
    status: str
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    quality: list[dict[str, Any]] = field(default_factory=list)  # per check: name, status, value, message
    partition: str | None = None
    process_date: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"schema_object": self.schema_object,
                "dataset": None if self.dataset is None else {"namespace": self.dataset.namespace,
                                                              "name": self.dataset.name},
                "status": self.status, "findings": [f.as_dict() for f in self.findings], "notes": self.notes,
                "quality": self.quality, "partition": self.partition, "process_date": self.process_date}


def normalise_type(actual: str) -> str:
    text = actual.strip()
    base = re.sub(r"\(.*\)$", "", text).strip().lower()
    if base.startswith("timestamp[") or base.startswith("timestamp("):
        return "TIMESTAMP"
    return _ARROW.get(text.lower(), _ARROW.get(base, text))


def type_agrees(logical: str | None, actual: str | None) -> bool:
    family = _LOGICAL_FAMILY.get(str(logical or "").lower())
    if family is None or not actual:
        return True  # nothing to compare
    normalised = normalise_type(actual)
    if family == "number" and normalised.upper().startswith("DECIMAL"):
        return True
    from lily.quality.schema import type_matches

    return type_matches(family, normalised)


def evaluate(contract: Contract, obj: SchemaObject, dataset: AssetRef | None, observed: Observed,
             now: datetime) -> DatasetEvaluation:
    out = DatasetEvaluation(obj.name, dataset, UNKNOWN, partition=observed.partition,
                            process_date=observed.process_date)
    if dataset is None:
        out.notes.append("no dataset identity: give the contract a server (s3, postgres, snowflake, local) or a "
                         "lilyDataset custom property")
        return out
    if not observed.known:
        out.notes.append(f"dataset {dataset} is not in the catalog yet")
        return out
    if observed.columns:
        actual = {k.lower(): (k, v) for k, v in observed.columns.items()}
        for prop in obj.properties():
            found = actual.get(prop.physical_name.lower())
            if found is None:
                out.findings.append(Finding("schema", f"column {prop.physical_name}",
                                            f"column {prop.physical_name} is missing from {dataset}"))
            elif not type_agrees(prop.logical_type, found[1]):
                out.findings.append(Finding("schema", f"column {prop.physical_name}",
                                            f"column {prop.physical_name} is {found[1]}, the contract says "
                                            f"{prop.logical_type}"))
    else:
        out.notes.append("the catalog knows no columns of the dataset yet: schema not checked")
    sla = contract.sla("freshness")
    if sla is not None and sla.seconds is not None and not sla.element_is_column():
        if observed.last_update is None:
            out.notes.append("no update of the dataset recorded yet: freshness not checked")
        else:
            age = (now - observed.last_update).total_seconds()
            if age > sla.seconds:
                out.findings.append(Finding("freshness", "freshness",
                                            f"last updated {age / 3600:.1f} h before {now.isoformat()}, the SLA "
                                            f"allows {sla.seconds / 3600:g} h"))
    if observed.quality_error:
        out.notes.append(f"quality not checked: {observed.quality_error}")
    if observed.quality is not None:
        for r in observed.quality.results:
            out.quality.append({"name": r.name, "status": r.status, "value": r.value, "expected": r.expected,
                                "message": r.message})
            if r.status == "fail":
                kind = "freshness" if r.type == "freshness" else "quality"
                out.findings.append(Finding(kind, r.name, r.message))
    out.status = FAILING if out.findings else PASSING
    return out


def overall(results: list[DatasetEvaluation]) -> str:
    statuses = {r.status for r in results}
    if FAILING in statuses:
        return FAILING
    return PASSING if statuses == {PASSING} else UNKNOWN
