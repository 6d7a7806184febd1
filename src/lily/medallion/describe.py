"""What a run wrote, as the log pipeline's dataset descriptions (pure).

One ``lily.pipelines.datasets.Dataset`` per table of the run — schema, partitions, upstream
datasets, and column inputs (with their namespace and the ``masking`` flag of anonymized columns) —
so the catalog operations and the OpenLineage events are rendered from the same description and
cannot disagree about a column or an edge, as for the log pipeline.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyarrow as pa

from lily.medallion.layout import PARTITION_COLUMN, Layout
from lily.medallion.results import ColumnEdge, DatasetRef, DatasetRun, Layer, PipelineRun, TableOutput
from lily.medallion.silver import arrow_schema
from lily.medallion.validate import Pipeline
from lily.pipelines.datasets import ColumnInput, Dataset
from lily.pipelines.storage import TableRef

COLUMN_NOTES = {
    "source_system": "Source system the row came from",
    "ingestion_timestamp": "When the run that ingested the row started (injected, UTC)",
    "source_file": "Source file the row came from",
    "record_count": "Records in that source file",
    "checksum": "sha256 of the source file's bytes",
    "schema_version": "Schema version of the pipeline file",
    "ingest_run_id": "Run that ingested the row (partition)",
    PARTITION_COLUMN: "Process date (partition)",
    "line": "Line in the source file, for rows that never were records",
    "reason": "Why the row was rejected",
    "record": "The row as read (JSON), PII anonymized as in silver",
    "split": "train, validation or test: keyed hash of the key",
}
DESCRIPTIONS: dict[Layer, str] = {
    "bronze": "Bronze: exact copy of the source with ingestion metadata, append-only per ingest run",
    "silver": "Silver: typed, de-duplicated and anonymized rows behind the quality gate",
    "rejected": "Rows silver refused, with every reason",
    "gold": "Gold: declared SQL over silver",
    "ml": "ML-ready features with their split",
}


@dataclass(frozen=True)
class Described:
    """A table of the run: its layer, identity, description and the Delta facts the catalog keeps."""

    layer: Layer
    ref: DatasetRef
    dataset: Dataset
    table: TableRef
    rows: int | None = None  # rows the run wrote for its process date (None: nothing written)
    version: int | None = None
    held: bool = False  # a silver or gold table whose partition the run quarantined

    @property
    def uri(self) -> str:
        return self.table.uri


def _columns(schema: pa.Schema) -> list[tuple[str, pa.DataType, str]]:
    return [(f.name, f.type, COLUMN_NOTES.get(f.name, "")) for f in schema]


def column_inputs(edges: Iterable[ColumnEdge], target: DatasetRef, lake_namespace: str
                  ) -> dict[str, list[ColumnInput]]:
    out: dict[str, list[ColumnInput]] = {}
    for e in edges:
        if e.target != target:
            continue
        namespace = None if e.source.namespace == lake_namespace else e.source.namespace
        out.setdefault(e.target_column, []).append(
            ColumnInput(e.source.name, e.source_column, e.subtype, e.masking, namespace))
    return out


def _describe(layer: Layer, ref: DatasetRef, schema: pa.Schema, partitions: Iterable[str],
              result: PipelineRun, inputs: Iterable[DatasetRef], note: str) -> Dataset:
    description = DESCRIPTIONS[layer] + (f" — {note}" if note else "")
    return Dataset(ref.name, "delta", description, _columns(schema), list(partitions),
                   [r.name for r in dict.fromkeys(inputs)], column_inputs(result.lineage, ref, result.namespace))


def _table(out: TableOutput, result: PipelineRun, inputs: Iterable[DatasetRef], note: str) -> Described:
    ds = _describe(out.layer, out.ref, out.schema, out.partitions, result, inputs, note)
    return Described(out.layer, out.ref, ds, out.table, out.rows, out.version)


def held_silver(pipeline: Pipeline, layout: Layout, name: str, result: PipelineRun) -> Described:
    """Silver of a dataset whose partition was quarantined: its declared schema (nothing written)."""
    uri = layout.silver(name)
    ref = DatasetRef(result.namespace, layout.name(uri))
    schema = arrow_schema(pipeline.spec.datasets[name]).append(pa.field(PARTITION_COLUMN, pa.date32()))
    out = result.datasets[name]
    bronze = [out.bronze.ref] if out.bronze else []
    ds = _describe("silver", ref, schema, (PARTITION_COLUMN,), result, bronze,
                   pipeline.spec.datasets[name].description)
    return Described("silver", ref, ds, uri, held=True)


def dataset_tables(pipeline: Pipeline, layout: Layout, name: str, out: DatasetRun, result: PipelineRun
                   ) -> list[Described]:
    note = pipeline.spec.datasets[name].description
    tables: list[Described] = []
    if out.bronze is not None:
        tables.append(_table(out.bronze, result, [out.source], note))
        if out.silver is not None:
            tables.append(_table(out.silver, result, [out.bronze.ref], note))
        elif out.decision is not None and not out.decision.published:
            tables.append(held_silver(pipeline, layout, name, result))
        if out.rejected is not None:
            tables.append(_table(out.rejected, result, [out.bronze.ref], note))
    return tables


def relation_ref(layout: Layout, namespace: str, relation: str) -> DatasetRef:
    """``silver.<dataset>`` / ``gold.<name>`` as the lake dataset that holds it."""
    zone, name = relation.split(".", 1)
    return DatasetRef(namespace, layout.name(layout.silver(name) if zone == "silver" else layout.gold(name)))


def gold_inputs(pipeline: Pipeline, layout: Layout, name: str, namespace: str) -> list[DatasetRef]:
    return [relation_ref(layout, namespace, r) for r in pipeline.gold[name].relations]


def run_tables(pipeline: Pipeline, layout: Layout, result: PipelineRun) -> list[Described]:
    """Every table the run wrote (and silver tables it held), in the order the run went."""
    tables: list[Described] = []
    for name, out in result.datasets.items():
        tables += dataset_tables(pipeline, layout, name, out, result)
    for name, g in result.gold.items():
        if g.table is not None:
            inputs = gold_inputs(pipeline, layout, name, result.namespace)
            tables.append(_table(g.table, result, inputs, pipeline.spec.gold[name].description))
    for name, m in result.ml.items():
        if m.table is not None:
            source = relation_ref(layout, result.namespace, pipeline.spec.ml[name].source)
            tables.append(_table(m.table, result, [source], pipeline.spec.ml[name].description))
    return tables
