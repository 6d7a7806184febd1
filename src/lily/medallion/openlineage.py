"""OpenLineage for declared pipelines (pure): each step's inputs and outputs as the log pipeline's
``StepRun``, rendered by its ``run_event``.

START names the datasets a step is about to read and write; COMPLETE and FAIL describe them: the
schema, the column lineage (``masking: true`` on anonymized columns), the rows written
(``outputStatistics``, COMPLETE only) and the quality reports — a dataset's bronze checks as
``inputFacets`` of the silver step's bronze input, its silver checks (and a gold table's checks) as
``outputFacets`` of the output: ``dataQualityAssertions`` and ``dataQualityMetrics``. A
quarantined partition's step FAILs with the reason, and its reports are on the event too.
Job: ``<pipeline>.<step>`` in namespace ``lily``, child of the run ``<pipeline>`` (parent facet).
"""

from __future__ import annotations

from lily.medallion.describe import Described, gold_inputs, relation_ref, run_tables
from lily.medallion.layout import Layout
from lily.medallion.results import DatasetRef, PipelineRun
from lily.medallion.validate import Pipeline
from lily.pipelines.datasets import Dataset
from lily.pipelines.openlineage import Io, StepRun
from lily.pipelines.runs import RunRecord
from lily.quality import QualityReport

JOB_NAMESPACE = "lily"


def _bare(ref: DatasetRef, result: PipelineRun, fmt: str = "delta") -> Io:
    namespace = None if ref.namespace == result.namespace else ref.namespace
    return Io(Dataset(ref.name, fmt, ""), namespace=namespace)


def _io(ref: DatasetRef, result: PipelineRun, tables: dict[str, Described], *, ended: bool,
        report: QualityReport | None = None, output: bool = True) -> Io:
    described = tables.get(ref.name) if ended and ref.namespace == result.namespace else None
    if described is None:
        return _bare(ref, result)
    facets = report.to_openlineage() if report is not None else {}
    return Io(described.dataset, row_count=described.rows if output else None, facets=facets)


def step_io(step: str, pipeline: Pipeline, layout: Layout, result: PipelineRun, *, ended: bool
            ) -> tuple[list[Io], list[Io]]:
    """(inputs, outputs) of ``step``: names only before it ran, described after."""
    tables = {t.ref.name: t for t in run_tables(pipeline, layout, result)} if ended else {}
    ns = result.namespace
    kind, _, name = step.partition(".")
    if kind in ("bronze", "silver") and name in result.datasets:
        out = result.datasets[name]
        bronze = DatasetRef(ns, layout.name(layout.bronze(name)))
        if kind == "bronze":
            return [_bare(out.source, result, "source")], [_io(bronze, result, tables, ended=ended)]
        silver = DatasetRef(ns, layout.name(layout.silver(name)))
        rejected = DatasetRef(ns, layout.name(layout.rejected(name)))
        inputs = [_io(bronze, result, tables, ended=ended, report=out.quality.get("bronze"), output=False)]
        return inputs, [_io(silver, result, tables, ended=ended, report=out.quality.get("silver")),
                        _io(rejected, result, tables, ended=ended)]
    if kind == "gold" and name in result.gold:
        target = DatasetRef(ns, layout.name(layout.gold(name)))
        inputs = [_io(r, result, tables, ended=False) for r in gold_inputs(pipeline, layout, name, ns)]
        return inputs, [_io(target, result, tables, ended=ended, report=result.gold[name].quality.get("gold"))]
    if kind == "ml" and name in result.ml:
        source = relation_ref(layout, ns, pipeline.spec.ml[name].source)
        target = DatasetRef(ns, layout.name(layout.ml(name)))
        return [_io(source, result, tables, ended=False)], [_io(target, result, tables, ended=ended)]
    return [], []


def step_run(step: str, pipeline: Pipeline, layout: Layout, result: PipelineRun, run: RunRecord, *,
             ended: bool, job_namespace: str = JOB_NAMESPACE) -> StepRun:
    inputs, outputs = step_io(step, pipeline, layout, result, ended=ended)
    return StepRun(pipeline.name, step, run.process_date, run.attempt, job_namespace, result.namespace,
                   inputs, outputs)
