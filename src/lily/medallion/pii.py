"""Silver, part two: which columns are anonymized and how (pure planning), and doing it.

A column's treatment comes from the pipeline file: its own entry under ``pii.columns`` first, else
the entry for the entity detection found in it under ``pii.entities``. A column detected as PII
with neither is reported as unprotected (phase of the run: a finding, not a failure); ``keep``
records a deliberate decision to leave a column as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import pyarrow as pa

from lily.anonymize import KeyRing, OperatorSpec, anonymization_tag, apply_operator
from lily.classify import ColumnResult, classify_table, scrub_text
from lily.medallion.spec import DatasetSpec, OperatorDecl

SCRUB_TAG = "anonymized.scrub"


@dataclass(frozen=True)
class Treatment:
    column: str
    operator: OperatorDecl
    entity: str | None  # what detection found in the column (None: not detected)
    origin: Literal["column", "entity"]  # which part of the policy chose the operator

    @property
    def masks(self) -> bool:
        """Whether the silver column no longer carries the source's values."""
        return self.operator.operator != "keep"

    @property
    def tag(self) -> str | None:
        """The tag the anonymized column carries (``anonymized.hash``, ...)."""
        if self.operator.operator == "keep":
            return None
        if self.operator.operator == "scrub":
            return SCRUB_TAG
        return anonymization_tag(operator_spec(self.operator))


@dataclass(frozen=True)
class Plan:
    treatments: tuple[Treatment, ...]
    unprotected: tuple[str, ...]  # detected as PII, no policy

    def of(self, column: str) -> Treatment | None:
        return next((t for t in self.treatments if t.column == column), None)


def operator_spec(decl: OperatorDecl) -> OperatorSpec:
    return OperatorSpec(kind=decl.operator, placeholder=decl.placeholder, keep_last=decl.keep_last,  # type: ignore[arg-type]
                        mask_char=decl.mask_char, deterministic=decl.deterministic)


def detect(spec: DatasetSpec, table: pa.Table) -> list[ColumnResult]:
    """Classify every source column (declared or not) from a sample of its values."""
    if not spec.pii.detect or table.num_columns == 0:
        return []
    return classify_table(table, sample=spec.pii.sample, threshold=spec.pii.threshold)


def plan(spec: DatasetSpec, detections: Sequence[ColumnResult], *, extra: Sequence[str] = ()) -> Plan:
    """Treatments of the declared columns, and of ``extra`` source columns (undeclared ones that
    silver drops but rejected rows still carry)."""
    found = {r.name: r.entity for r in detections if r.entity is not None}
    treatments, unprotected = [], []
    for column in [*spec.columns, *(c for c in extra if c not in spec.columns)]:
        entity = found.get(column)
        if column in spec.pii.columns:
            treatments.append(Treatment(column, spec.pii.columns[column], entity, "column"))
        elif entity is not None and entity in spec.pii.entities:
            treatments.append(Treatment(column, spec.pii.entities[entity], entity, "entity"))
        elif entity is not None:
            unprotected.append(column)
    return Plan(tuple(treatments), tuple(unprotected))


def anonymize_column(values: pa.Array | pa.ChunkedArray, treatment: Treatment, keys: KeyRing) -> pa.Array:
    decl = treatment.operator
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks else pa.array([], values.type)
    if decl.operator == "keep":
        return values
    if decl.operator == "scrub":
        text = values if pa.types.is_string(values.type) else values.cast(pa.string())
        return scrub_text(text, entities=decl.entities)
    return apply_operator(values, operator_spec(decl), keys=keys, entity=treatment.entity)


def anonymize(table: pa.Table, plan_: Plan, keys: KeyRing) -> pa.Table:
    """``table`` with every planned column replaced by its anonymized values (other columns as
    they are). Columns absent from ``table`` are skipped."""
    for treatment in plan_.treatments:
        if treatment.column not in table.column_names:
            continue
        i = table.schema.get_field_index(treatment.column)
        out = anonymize_column(table.column(i), treatment, keys)
        table = table.set_column(i, pa.field(treatment.column, out.type), out)
    return table


def scrub_lines(lines: Sequence[str]) -> pa.Array:
    """Raw lines that never became records (malformed rows), with every entity span replaced:
    they are kept for inspection without carrying PII past bronze."""
    return scrub_text(pa.array(list(lines), pa.string()))
