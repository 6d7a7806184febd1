"""What a run of a declared pipeline writes to the catalog, as operations (pure).

In this order, one change set per run (the apply path: state, change feed and audit at once):

1. the pipeline as a job, then every table the run wrote — bronze, silver (or the held silver of a
   quarantined partition, with its declared schema), rejects, gold, ML-ready — with its schema,
   partitions, owners, location, rows, Delta version (and an ML table's manifest);
2. lineage: dataset edges (source → bronze → silver/rejects → gold → ML-ready) and column edges,
   those into anonymized silver columns marked ``masking`` (a PII tag does not cross them), and
   bronze → rejects too when every detected PII column is anonymized in the rejected records;
3. detected classifications: ``SyncDetectedClassifications`` on bronze and on the source (whose
   columns are tagged only if someone declared them), from the run's detections, with evidence;
4. the anonymized silver columns' tags (``anonymized.hash``, ...) as ``imported`` classifications
   of the pipeline (``propagate: false``), pruned to the current policy on every run;
5. quality results per dataset and layer (``RecordQuality``: the checks as OpenLineage assertions,
   the metrics, 0-100 per dimension, pass/warn/fail and the run's context);
6. incidents: a partition held by a blocking check opens one on its table (its blast radius is
   computed by the store from the lineage above); the run that publishes that day resolves it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from lily.classify import CLASSIFIER_VERSION, ColumnResult
from lily.medallion.describe import Described, run_tables
from lily.medallion.layout import Layout
from lily.medallion.openlineage import JOB_NAMESPACE
from lily.medallion.results import DatasetRef, Decision, PipelineRun
from lily.medallion.validate import Pipeline
from lily.model import (
    AddClassification,
    AddLineage,
    AssetRef,
    AssetType,
    ClassificationSource,
    DetectedTag,
    MetadataEvent,
    Owner,
    PruneImportedClassifications,
    RecordQuality,
    SyncDetectedClassifications,
    TransformationType,
    UpsertAsset,
    UpsertIncident,
)
from lily.pipelines.catalog import describe_dataset, lineage_of
from lily.pipelines.datasets import Dataset
from lily.pipelines.openlineage import run_id_for
from lily.quality import QualityReport

DETECTOR = "lily.classify"
INCIDENT_SOURCE = "lily"


def ref_of(ref: DatasetRef) -> AssetRef:
    return AssetRef(namespace=ref.namespace, name=ref.name)


def owners_of(pipeline: Pipeline) -> list[Owner]:
    return [Owner(name=o, type="team") for o in pipeline.spec.owners]


def job_ref(pipeline: Pipeline) -> AssetRef:
    return AssetRef(namespace=JOB_NAMESPACE, name=pipeline.name)


# -- 1. tables ----------------------------------------------------------------------------------
def table_asset(t: Described, pipeline: Pipeline, result: PipelineRun, row_count: int | None,
                extra: Mapping[str, Any] | None = None) -> UpsertAsset:
    asset = describe_dataset(t.dataset, namespace=t.ref.namespace, row_count=row_count, owners=owners_of(pipeline))
    attributes = {**asset.attributes, "location": t.uri, "layer": t.layer, "pipeline": pipeline.name}
    if t.rows is not None:
        attributes.update(last_process_date=result.process_date.isoformat(), last_rows_written=t.rows,
                          delta_version=t.version)
    if t.held:
        attributes["held_process_date"] = result.process_date.isoformat()
    return asset.model_copy(update={"type": AssetType.TABLE, "attributes": {**attributes, **(extra or {})}})


def _ml_extra(result: PipelineRun, layout: Layout, ref: DatasetRef) -> dict[str, Any]:
    for m in result.ml.values():
        if m.table is not None and m.table.ref == ref and m.manifest:
            return {"manifest": layout.name(m.manifest_path) if m.manifest_path else None,
                    "schema_hash": m.manifest.get("schema_hash"), "split_rows": m.manifest.get("rows")}
    return {}


# -- 2. lineage -----------------------------------------------------------------------------------
def masked_rejects(layout: Layout, result: PipelineRun) -> set[str]:
    """Reject tables whose records are anonymized like silver, every detected PII column included
    (none left unprotected): their dataset edge from bronze is ``masking``. Their rows are JSON in
    one column, so that edge is the only lineage a tag could follow into them."""
    return {layout.name(layout.rejected(name)) for name, out in result.datasets.items() if not out.unprotected}


def dataset_edges(tables: Sequence[Described], result: PipelineRun, job: AssetRef, masked: set[str]
                  ) -> list[AddLineage]:
    edges = []
    for t in tables:
        sources = dict.fromkeys(e.source for e in result.lineage if e.target == t.ref)
        sources.update(dict.fromkeys(DatasetRef(result.namespace, name) for name in t.dataset.inputs))
        edges += [AddLineage(source=ref_of(s), target=ref_of(t.ref), transformation_type=TransformationType.DIRECT,
                             masking=t.layer == "rejected" and t.ref.name in masked, job=job,
                             run_id=result.run.run_id) for s in sources]
    return edges


# -- 3. and 4. classifications --------------------------------------------------------------------
def evidence(d: ColumnResult, result: PipelineRun) -> dict[str, Any]:
    e = d.evidence
    return {"entity": d.entity, "recognizer": e.recognizer, "score": round(d.confidence, 4),
            "hit_rate": round(e.hit_rate, 4), "sample_size": e.sample_size, "non_null": e.non_null,
            "distinct_ratio": round(e.distinct_ratio, 4), "name_hint": e.name_hint,
            "classifier_version": CLASSIFIER_VERSION, "detected_at": result.run.started_at.isoformat(),
            "run_id": result.run.run_id, "pipeline": result.pipeline,
            "process_date": result.process_date.isoformat()}


def detected_tags(detections: Sequence[ColumnResult], result: PipelineRun) -> list[DetectedTag]:
    return [DetectedTag(field=d.name, tag=tag, confidence=round(d.confidence, 4), evidence=evidence(d, result))
            for d in detections if d.entity is not None for tag in d.tags]


def classification_ops(pipeline: Pipeline, layout: Layout, result: PipelineRun) -> list[MetadataEvent]:
    ops: list[MetadataEvent] = []
    for name, out in result.datasets.items():
        spec = pipeline.spec.datasets[name]
        if out.bronze is None or out.decision is None:
            continue  # detection did not run to the end: leave the suggestions as they are
        if spec.pii.detect:
            found = detected_tags(out.detections, result)
            for target in (out.bronze.ref, out.source):
                ops.append(SyncDetectedClassifications(ref=ref_of(target), detector=DETECTOR, found=found))
        silver = AssetRef(namespace=result.namespace, name=layout.name(layout.silver(name)))
        tagged = sorted({(t.column, t.tag) for t in out.anonymized if t.tag is not None})
        ops.append(PruneImportedClassifications(ref=silver, keep=tagged))
        ops += [AddClassification(ref=silver.column(column), tag=tag, source=ClassificationSource.IMPORTED,
                                  propagate=False) for column, tag in tagged]
    return ops


# -- 5. quality -----------------------------------------------------------------------------------
def status_of(report: QualityReport) -> str:
    if not report.passed:
        return "fail"
    return "warn" if any(r.status in ("warn", "fail") for r in report.results) else "pass"


def quality_record(report: QualityReport, ref: DatasetRef, *, step_run_id: str | None, observed_at: datetime,
                   context: Mapping[str, Any]) -> RecordQuality:
    """The result as the catalog stores it; its assertions and metrics are exactly the OpenLineage
    facets' (so the copy an OpenLineage consumer records is the same result, stored once)."""
    facets = report.to_openlineage()
    metrics = {k: v for k, v in facets["dataQualityMetrics"].items() if not k.startswith("_")}
    return RecordQuality(ref=ref_of(ref), assertions=facets["dataQualityAssertions"]["assertions"], metrics=metrics,
                         run_id=step_run_id, observed_at=observed_at, scores=report.scores,
                         status=status_of(report), context=dict(context))  # type: ignore[arg-type]


def _context(result: PipelineRun, layer: str, step: str, decision: Decision | None) -> dict[str, Any]:
    out: dict[str, Any] = {"pipeline": result.pipeline, "run_id": result.run.run_id, "attempt": result.run.attempt,
                           "process_date": result.process_date.isoformat(), "layer": layer, "step": step}
    if decision is not None:
        out.update(published=decision.published, reason=decision.reason)
    return out


def quality_ops(layout: Layout, result: PipelineRun, ended: Mapping[str, datetime]) -> list[MetadataEvent]:
    ops: list[MetadataEvent] = []
    run = result.run

    def record(report: QualityReport, ref: DatasetRef, layer: str, step: str, decision: Decision | None) -> None:
        if step in ended:
            ops.append(quality_record(report, ref, step_run_id=run_id_for(run.pipeline, run.process_date,
                                                                          run.attempt, step),
                                      observed_at=ended[step], context=_context(result, layer, step, decision)))

    for name, out in result.datasets.items():
        refs = {"bronze": layout.bronze(name), "silver": layout.silver(name)}
        for layer, report in out.quality.items():
            record(report, DatasetRef(result.namespace, layout.name(refs[layer])), layer, f"silver.{name}",
                   out.decision)
    for name, g in result.gold.items():
        for layer, report in g.quality.items():
            record(report, DatasetRef(result.namespace, layout.name(layout.gold(name))), layer, f"gold.{name}",
                   g.decision)
    return ops


# -- 6. incidents ---------------------------------------------------------------------------------
def incident_key(table: str, day: date) -> str:
    return f"quality-gate:{table}:{day.isoformat()}"


def _failed_checks(reports: Mapping[str, QualityReport]) -> list[dict[str, Any]]:
    return [{"layer": layer, "check": r.name, "dimension": r.dimension, "value": _number(r.value),
             "expected": r.expected, "message": r.message}
            for layer, report in reports.items() for r in report.blocking_failures]


def _number(value: object) -> int | float | str | None:
    return value if value is None or isinstance(value, int | float) else str(value)


def incident_ops(pipeline: Pipeline, layout: Layout, result: PipelineRun, ended: Mapping[str, datetime]
                 ) -> list[MetadataEvent]:
    """An open incident per partition a blocking check held; a resolution per day a run published
    after a quarantine of it."""
    owner = ", ".join(pipeline.spec.owners) or None
    run = result.run
    gates: list[tuple[str, str, Decision | None, Mapping[str, QualityReport]]] = []
    gates += [(layout.name(layout.silver(n)), f"silver.{n}", d.decision, d.quality) for n, d in result.datasets.items()]
    gates += [(layout.name(layout.gold(n)), f"gold.{n}", g.decision, g.quality) for n, g in result.gold.items()]
    ops: list[MetadataEvent] = []
    for table, step, decision, reports in gates:
        if decision is None or step not in ended:
            continue
        base = {"pipeline": result.pipeline, "run_id": run.run_id, "attempt": run.attempt, "step": step,
                "process_date": result.process_date.isoformat()}
        affected = [AssetRef(namespace=result.namespace, name=table)]
        key = incident_key(table, result.process_date)
        if not decision.published:
            quarantine = layout.name(decision.quarantine) if decision.quarantine else None
            ops.append(UpsertIncident(
                source=INCIDENT_SOURCE, external_id=key, title=f"Quality gate held {table} for {result.process_date}",
                status="open", severity="high", owner=owner, affected=affected, observed_at=ended[step],
                update={"type": "quality_gate_failed", **base, "reason": decision.reason, "quarantine": quarantine,
                        "failed_checks": _failed_checks(reports)}))
        elif decision.resolved is not None:
            ops.append(UpsertIncident(
                source=INCIDENT_SOURCE, external_id=key, default_title=f"Quality gate held {table}",
                status="resolved", affected=affected, observed_at=ended[step],
                update={"type": "quality_gate_passed", **base, "resolved": layout.name(decision.resolved)}))
    return ops


# -- all of it --------------------------------------------------------------------------------------
def catalog_operations(pipeline: Pipeline, layout: Layout, result: PipelineRun, *,
                       row_counts: Mapping[str, int | None], ended: Mapping[str, datetime]) -> list[MetadataEvent]:
    """Every operation of the run, in apply order. ``row_counts``: each table's rows now (by dataset
    name); ``ended``: when each step ended (the time its quality results were observed)."""
    job = job_ref(pipeline)
    tables = run_tables(pipeline, layout, result)
    ops: list[MetadataEvent] = [UpsertAsset(ref=job, type=AssetType.JOB, owners=owners_of(pipeline) or None,
                                            description=pipeline.spec.description or f"Pipeline {pipeline.name}")]
    for t in tables:
        extra = _ml_extra(result, layout, t.ref) if t.layer == "ml" else None
        ops.append(table_asset(t, pipeline, result, row_counts.get(t.ref.name), extra))
    ops += dataset_edges(tables, result, job, masked_rejects(layout, result))
    for t in tables:
        column_only = Dataset(t.dataset.name, t.dataset.format, t.dataset.description,
                              column_inputs=t.dataset.column_inputs)
        ops += lineage_of(column_only, namespace=t.ref.namespace, job=job, run_id=result.run.run_id)
    ops += classification_ops(pipeline, layout, result)
    ops += quality_ops(layout, result, ended)
    ops += incident_ops(pipeline, layout, result, ended)
    return ops
