"""Column lineage of a run, as edges (pure): source → bronze → silver → gold → ML-ready.

An edge into an anonymized silver column is marked ``masking``: the column holds a hash, a mask or
a placeholder, not the source's values, so a PII classification must not propagate across it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from lily.medallion.features import SPLIT_COLUMN, Fitted
from lily.medallion.gold_sql import CompiledSql
from lily.medallion.pii import Plan
from lily.medallion.results import ColumnEdge, DatasetRef
from lily.medallion.spec import DatasetSpec, MlSpec


def copied(source: DatasetRef, target: DatasetRef, columns: Iterable[str]) -> list[ColumnEdge]:
    return [ColumnEdge(source, c, target, c, "IDENTITY") for c in columns]


def silver_edges(bronze: DatasetRef, silver: DatasetRef, spec: DatasetSpec, plan: Plan,
                 present: Iterable[str]) -> list[ColumnEdge]:
    edges = []
    for column in present:
        if column not in spec.columns:
            continue
        treatment = plan.of(column)
        masking = treatment is not None and treatment.masks
        typed = spec.columns[column].column_type.duckdb != "VARCHAR"
        subtype = "TRANSFORMATION" if masking or typed else "IDENTITY"
        edges.append(ColumnEdge(bronze, column, silver, column, subtype, masking,
                                treatment.operator.operator if treatment is not None else None))
    return edges


def gold_edges(compiled: CompiledSql, relations: Mapping[str, DatasetRef], target: DatasetRef) -> list[ColumnEdge]:
    edges = []
    for column in compiled.columns:
        for src in compiled.lineage.get(column, ()):
            ref = relations.get(src.relation)
            if ref is not None:
                edges.append(ColumnEdge(ref, src.column, target, column, compiled.subtypes.get(column, "TRANSFORMATION")))
    return edges


def ml_edges(spec: MlSpec, fitted: Iterable[Fitted], source: DatasetRef, target: DatasetRef) -> list[ColumnEdge]:
    edges = [ColumnEdge(source, k, target, k, "IDENTITY") for k in spec.key]
    edges += [ColumnEdge(source, k, target, SPLIT_COLUMN, "TRANSFORMATION") for k in spec.key]
    for f in fitted:
        subtype = "IDENTITY" if f.transform == "passthrough" else "TRANSFORMATION"
        edges += [ColumnEdge(source, f.column, target, out, subtype) for out in f.outputs]
    if spec.label is not None:
        edges.append(ColumnEdge(source, spec.label, target, spec.label, "IDENTITY"))
    return edges
