"""One declared dataset through bronze and silver, with its quality gate.

Bronze appends what the source holds today. Silver types, enforces and de-duplicates it,
anonymizes what the policy says (on columns named in it, and on columns detection finds), runs the
bronze and silver checks, and then either publishes the partition (silver and its rejects replace
day ``D``) or holds it in quarantine, leaving the published version as it was.
"""

from __future__ import annotations

from collections import Counter

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from lily.medallion import lineage, pii
from lily.medallion.bronze import bronze_table, write_bronze
from lily.medallion.context import Context
from lily.medallion.engine import expose, with_day
from lily.medallion.layout import INGEST_RUN_COLUMN, PARTITION_COLUMN
from lily.medallion.quarantine import blocking_reason, hold, resolve
from lily.medallion.results import ColumnEdge, DatasetRun, Decision, TableOutput
from lily.medallion.silver import SOURCE_FILE, arrow_schema, standardize
from lily.medallion.sources import FILE_NO, Malformed, SourceBatch, read_source
from lily.medallion.spec import DatasetSpec
from lily.medallion.tables import read_day, replace_day
from lily.medallion.validate import reference_relation
from lily.quality import Check, QualityReport, run_checks

REJECT_SCHEMA = pa.schema([
    pa.field("source_file", pa.string()),
    pa.field("line", pa.int64()),  # line in the source file, for rows that were never records
    pa.field("reason", pa.string()),
    pa.field("record", pa.string()),  # the row as read (JSON), PII columns anonymized as in silver
])


def run_bronze(ctx: Context, name: str, spec: DatasetSpec, out: DatasetRun) -> tuple[SourceBatch, pa.Table]:
    batch = read_source(spec.source, ctx.layout.storage, ctx.day, ctx.env)
    out.files, out.malformed = batch.files, batch.malformed
    p = ctx.pipeline.spec
    table = bronze_table(batch, source_system=p.system, ingested_at=ctx.now, schema_version=p.schema_version)
    uri = ctx.layout.bronze(name)
    version = write_bronze(uri, table, day=ctx.day, ingest_run_id=ctx.run_id, modified=ctx.now)
    schema = pa.schema([*table.schema, pa.field(PARTITION_COLUMN, pa.date32()), pa.field(INGEST_RUN_COLUMN, pa.string())])
    out.bronze = TableOutput("bronze", ctx.ref(uri), uri, schema, (PARTITION_COLUMN, INGEST_RUN_COLUMN),
                             table.num_rows, version)
    return batch, table


def _records(table: pa.Table) -> pa.Array:
    """Each row as a JSON object (columns in source order; dates and numbers as JSON can hold them)."""
    return pa.array([orjson.dumps(row, default=str).decode() for row in table.to_pylist()], pa.string())


def reject_table(rejects: pa.Table, malformed: list[Malformed], plan: pii.Plan, ctx: Context) -> pa.Table:
    """Rows silver refused, then lines that never were rows; no raw PII in either."""
    raw = rejects.drop_columns(["source_file", "reason"])
    typed = pa.table({
        "source_file": rejects.column("source_file"),
        "line": pa.nulls(rejects.num_rows, pa.int64()),
        "reason": rejects.column("reason"),
        "record": _records(pii.anonymize(raw, plan, ctx.keys)),
    }, schema=REJECT_SCHEMA)
    if not malformed:
        return typed
    lines = pa.table({
        "source_file": pa.array([m.source_file for m in malformed], pa.string()),
        "line": pa.array([m.line for m in malformed], pa.int64()),
        "reason": pa.array([m.reason for m in malformed], pa.string()),
        "record": pii.scrub_lines([m.record for m in malformed]),
    }, schema=REJECT_SCHEMA)
    return pa.concat_tables([typed, lines])


def _checks(ctx: Context, relation: str, checks: list[Check], pii_columns: set[str]) -> QualityReport:
    references = {c.dataset: reference_relation(c.dataset) for c in checks if hasattr(c, "dataset")}
    return run_checks(ctx.con, relation, checks, process_date=ctx.day, references=references,
                      pii_columns=pii_columns)


def _source_rows(batch: SourceBatch) -> pa.Table:
    names = pa.array([f.name for f in batch.files], pa.string())
    file_no = batch.table.column(FILE_NO)
    source_file = pc.take(names, file_no) if batch.table.num_rows else pa.array([], pa.string())
    return batch.table.drop_columns([FILE_NO]).append_column(SOURCE_FILE, source_file)


def run_silver(ctx: Context, name: str, spec: DatasetSpec, batch: SourceBatch, bronze: pa.Table,
               out: DatasetRun) -> list[ColumnEdge]:
    source = _source_rows(batch)
    std = standardize(ctx.con, spec, source, ctx.compute)
    out.unknown_columns, out.missing_columns = std.columns.unknown, std.columns.missing
    out.rows_in = std.rows_in + len(batch.malformed)
    out.duplicates = std.duplicates
    out.detections = pii.detect(spec, source.drop_columns([SOURCE_FILE]))
    plan = pii.plan(spec, out.detections, extra=std.columns.unknown)
    out.anonymized = [t for t in plan.treatments if t.column in spec.columns]
    out.unprotected = plan.unprotected
    rows = pii.anonymize(std.rows, plan, ctx.keys)
    rejects = reject_table(std.rejects, batch.malformed, plan, ctx)
    out.rows_rejected = rejects.num_rows
    out.reject_reasons = dict(sorted(Counter(part for reason in rejects.column("reason").to_pylist()
                                             for part in reason.split("; ")).items()))

    pii_columns = {d.name for d in out.detections if d.entity} | {t.column for t in plan.treatments}
    if spec.checks.bronze:
        expose(ctx.con, f"bronze.{name}", with_day(bronze, ctx.day))
        out.quality["bronze"] = _checks(ctx, f"bronze.{name}", spec.checks.bronze, pii_columns)
    staged = with_day(rows, ctx.day)
    expose(ctx.con, f"staged.{name}", staged)
    if spec.checks.silver:
        out.quality["silver"] = _checks(ctx, f"staged.{name}", spec.checks.silver, pii_columns)

    silver_uri, rejected_uri = ctx.layout.silver(name), ctx.layout.rejected(name)
    silver_ref = ctx.ref(silver_uri)
    edges = lineage.silver_edges(ctx.ref(ctx.layout.bronze(name)), silver_ref, spec, plan, std.columns.present)
    if all(r.passed for r in out.quality.values()):
        version = replace_day(silver_uri, rows, day=ctx.day, modified=ctx.now)
        rejected_version = replace_day(rejected_uri, rejects, day=ctx.day, modified=ctx.now)
        resolved = resolve(ctx.layout, name, ctx.day, run_id=ctx.run_id)
        out.silver = TableOutput("silver", silver_ref, silver_uri, staged.schema, (PARTITION_COLUMN,),
                                 rows.num_rows, version)
        out.rejected = TableOutput("rejected", ctx.ref(rejected_uri), rejected_uri,
                                   with_day(rejects, ctx.day).schema, (PARTITION_COLUMN,), rejects.num_rows,
                                   rejected_version)
        out.decision = Decision(True, resolved=resolved)
        expose(ctx.con, f"silver.{name}", staged)
        return edges
    reason = blocking_reason(out.quality)
    where = hold(ctx.layout, name, ctx.day, rows=rows, rejects=rejects, reports=out.quality, reason=reason,
                 run_id=ctx.run_id)
    out.decision = Decision(False, reason=reason, quarantine=where)
    previous = read_day(silver_uri, ctx.day)
    expose(ctx.con, f"silver.{name}", previous if previous is not None else with_day(arrow_schema(spec).empty_table(),
                                                                                      ctx.day))
    return edges
