"""Gold: a declared SQL transformation over the day's silver (and earlier gold), gated by its checks."""

from __future__ import annotations

from lily.medallion import lineage
from lily.medallion.context import Context
from lily.medallion.engine import arrow_types, expose, with_day
from lily.medallion.gold_sql import CompiledSql
from lily.medallion.layout import PARTITION_COLUMN
from lily.medallion.quarantine import blocking_reason, hold, resolve
from lily.medallion.results import ColumnEdge, DatasetRef, Decision, GoldRun, TableOutput
from lily.medallion.spec import GoldSpec
from lily.medallion.tables import read_day, replace_day
from lily.medallion.validate import reference_relation
from lily.quality import run_checks


def run_gold(ctx: Context, name: str, spec: GoldSpec, compiled: CompiledSql, out: GoldRun,
             relations: dict[str, DatasetRef]) -> list[ColumnEdge]:
    out.sql = compiled.to_sql("duckdb")
    # ORDER BY ALL: the same rows always come out in the same order, so the files are the same bytes
    ordered = f"SELECT * FROM ({out.sql}) AS gold ORDER BY ALL"
    table = arrow_types(ctx.compute.select(ctx.con, ordered, compiled.relations))
    staged = with_day(table, ctx.day)
    relation = f"staged.gold__{name}"
    expose(ctx.con, relation, staged)
    if spec.checks:
        references = {c.dataset: reference_relation(c.dataset) for c in spec.checks if hasattr(c, "dataset")}
        out.quality["gold"] = run_checks(ctx.con, relation, spec.checks, process_date=ctx.day,
                                         references=references)
    uri = ctx.layout.gold(name)
    ref = ctx.ref(uri)
    edges = lineage.gold_edges(compiled, relations, ref)
    key = f"gold.{name}"
    if all(r.passed for r in out.quality.values()):
        version = replace_day(uri, table, day=ctx.day, modified=ctx.now)
        out.table = TableOutput("gold", ref, uri, staged.schema, (PARTITION_COLUMN,), table.num_rows, version)
        out.decision = Decision(True, resolved=resolve(ctx.layout, key, ctx.day, run_id=ctx.run_id))
        expose(ctx.con, key, staged)
        return edges
    reason = blocking_reason(out.quality)
    where = hold(ctx.layout, key, ctx.day, rows=table, rejects=None, reports=out.quality, reason=reason,
                 run_id=ctx.run_id)
    out.decision = Decision(False, reason=reason, quarantine=where)
    previous = read_day(uri, ctx.day)
    expose(ctx.con, key, previous if previous is not None else staged.schema.empty_table())
    return edges
