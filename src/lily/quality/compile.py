"""Checks -> SQL, purely: one aggregate statement for every column-level check of a partition.

Each check contributes aggregates (``COUNT_IF(<bad row>)``, ``COUNT(col)``, ``MAX(col)``, ...) to a
single ``SELECT ... FROM relation``; identical aggregates are computed once and shared. Only two
kinds need their own statement: ``reference`` (a left join against the other dataset, keeping the
rows that found no match) and a ``sql_metric`` given as a whole ``query``. Metrics that depend on
the run (freshness against ``process_date``, percentages, thresholds) are derived afterwards in
Python, so a compiled suite does not depend on the date it runs for. Trees are built with sqlglot
in DuckDB's dialect and rendered in ``dialect`` (e.g. ``spark``).

DuckDB gets two refinements, measured on the benchmark partition (benchmarks/quality.py):

- a duplicate check groups its key columns in a scalar subquery of the statement instead of a
  ``COUNT(DISTINCT ...)`` beside the other aggregates. Mixing distinct and plain aggregates makes
  DuckDB materialise every column the statement reads before aggregating (about a third of the
  statement's time); grouping reads the key columns once more instead, and the same grouping
  yields the five smallest repeated keys, which is what the failing samples need;
- a reference check's join also returns its five smallest dangling values.

Other dialects keep ``COUNT(DISTINCT a, b)`` and fetch samples with ``lily.quality.samples``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlglot import exp

from lily.quality import sql
from lily.quality.checks import (
    Check,
    DistributionCheck,
    DuplicateCountCheck,
    FreshnessCheck,
    InvalidCountCheck,
    MissingCountCheck,
    ReferenceCheck,
    RowCountCheck,
    SchemaCheck,
    SqlMetricCheck,
    ensure_unique_names,
)

SAMPLE_LIMIT = 5
KEY_ROWS = "_lily_key_rows"
_DISTRIBUTION = {"avg": exp.Avg, "min": exp.Min, "max": exp.Max, "stddev": exp.StddevSamp, "sum": exp.Sum}


@dataclass(frozen=True)
class CheckPlan:
    """Where a check's numbers come from: named columns of the scan, and maybe its own query.

    Roles: ``bad`` (failing rows), ``rows``/``considered`` (rows judged), ``distinct`` (keys),
    ``grouped`` (DuckDB: ``{keys, repeated}`` from one grouping), ``dangling`` (smallest unmatched
    values), ``value`` (the metric of a whole-partition check).
    """

    check: Check
    metrics: Mapping[str, str] = field(default_factory=dict)  # role -> alias in the scan
    query: str | None = None  # returns one row; columns named after roles (a user query: its first)


@dataclass(frozen=True)
class CompiledSuite:
    relation: str
    dialect: str
    scan: str  # the one aggregate statement; always counts rows
    row_count: str  # its alias for COUNT(*)
    plans: tuple[CheckPlan, ...]
    column_metrics: Mapping[str, Mapping[str, str]]  # column -> {"count"|"distinct"|"grouped"|stat: alias}

    @property
    def statements(self) -> list[str]:
        return [self.scan, *(p.query for p in self.plans if p.query)]


class _Scan:
    """The select list of the scan, each distinct aggregate once."""

    def __init__(self) -> None:
        self.aliases: dict[str, str] = {}
        self.trees: dict[str, exp.Expression] = {}

    def add(self, tree: exp.Expression) -> str:
        key = tree.sql(sql.READ)
        if key not in self.aliases:
            alias = f"m{len(self.aliases)}"
            self.aliases[key] = alias
            self.trees[alias] = tree
        return self.aliases[key]


@dataclass(frozen=True)
class _Context:
    scan: _Scan
    rows: str
    source: exp.Table
    references: Mapping[str, str]
    dialect: str
    column_metrics: dict[str, dict[str, str]]

    @property
    def fast(self) -> bool:
        return self.dialect == "duckdb"


def compile_checks(
    relation: str,
    checks: Sequence[Check],
    *,
    dialect: str = "duckdb",
    references: Mapping[str, str] | None = None,
) -> CompiledSuite:
    """The SQL for ``checks`` over ``relation``; ``references`` maps a reference check's dataset
    to the relation that holds it (default: a relation of the same name)."""
    ensure_unique_names(checks)
    source = sql.table(relation)
    scan = _Scan()
    rows = scan.add(exp.Count(this=exp.Star()))
    column_metrics: dict[str, dict[str, str]] = {}
    for check in checks:
        for name in check.columns_used():
            column_metrics.setdefault(name, {})["count"] = scan.add(exp.Count(this=sql.col(name)))
    ctx = _Context(scan, rows, source, references or {}, dialect, column_metrics)
    plans = [_plan(check, ctx) for check in checks]
    select = exp.select(*[tree.as_(alias) for alias, tree in scan.trees.items()]).from_(source.copy())
    return CompiledSuite(
        relation=relation, dialect=dialect, scan=select.sql(dialect), row_count=rows, plans=tuple(plans),
        column_metrics=column_metrics,
    )


def _plan(check: Check, ctx: _Context) -> CheckPlan:
    scan = ctx.scan
    if isinstance(check, RowCountCheck):
        return CheckPlan(check, {"value": ctx.rows})
    if isinstance(check, MissingCountCheck):  # and MissingPercentCheck
        return CheckPlan(check, {"bad": scan.add(sql.count_if(sql.is_missing(check))), "rows": ctx.rows})
    if isinstance(check, InvalidCountCheck):
        return CheckPlan(check, {"bad": scan.add(sql.count_if(sql.is_invalid(check, duckdb=ctx.fast))),
                                 "considered": ctx.column_metrics[check.column]["count"]})
    if isinstance(check, DuplicateCountCheck):
        return _duplicates(check, ctx)
    if isinstance(check, FreshnessCheck):
        return CheckPlan(check, {"value": scan.add(exp.Max(this=sql.col(check.column)))})
    if isinstance(check, DistributionCheck):
        alias = scan.add(_DISTRIBUTION[check.metric](this=sql.col(check.column)))
        if check.metric in ("min", "max", "sum"):
            ctx.column_metrics[check.column][check.metric] = alias
        return CheckPlan(check, {"value": alias})
    if isinstance(check, ReferenceCheck):
        target = sql.table(ctx.references.get(check.dataset, check.dataset))
        query = reference_query(ctx.source, check, target, with_values=ctx.fast)
        return CheckPlan(check, {"considered": ctx.column_metrics[check.column]["count"]}, query.sql(ctx.dialect))
    if isinstance(check, SqlMetricCheck):
        if check.expression is not None:
            return CheckPlan(check, {"value": scan.add(sql.user_sql(check.expression))})
        text = str(check.query).replace("{relation}", ctx.source.sql(sql.READ))
        return CheckPlan(check, {}, sql.user_sql(text).sql(ctx.dialect))
    if isinstance(check, SchemaCheck):
        return CheckPlan(check)
    raise TypeError(f"unknown check {check!r}")  # pragma: no cover - the union is closed


def _duplicates(check: DuplicateCountCheck, ctx: _Context) -> CheckPlan:
    keys = check.columns
    considered = (ctx.column_metrics[keys[0]]["count"] if len(keys) == 1
                  else ctx.scan.add(sql.count_if(sql.all_present(keys))))
    role, tree = ("grouped", grouped_keys(ctx.source, keys)) if ctx.fast else ("distinct", sql.count_distinct(keys))
    alias = ctx.scan.add(tree)
    if len(keys) == 1:
        ctx.column_metrics[keys[0]][role] = alias
    return CheckPlan(check, {"considered": considered, role: alias})


def grouped_keys(source: exp.Table, keys: Sequence[str]) -> exp.Expression:
    """DuckDB scalar subquery: ``{'keys': distinct keys, 'repeated': five smallest repeated keys}``."""
    groups = (
        exp.select(*map(sql.col, keys), exp.Count(this=exp.Star()).as_(KEY_ROWS))
        .from_(source.copy()).where(sql.all_present(keys)).group_by(*map(sql.col, keys))
    )
    repeated = exp.Filter(
        this=exp.Min(this=key_struct(keys), count=exp.Literal.number(SAMPLE_LIMIT)),
        expression=exp.Where(this=exp.GT(this=exp.column(KEY_ROWS), expression=exp.Literal.number(1))),
    )
    summary = exp.Struct(expressions=[
        exp.PropertyEQ(this=exp.to_identifier("keys"), expression=exp.Count(this=exp.Star())),
        exp.PropertyEQ(this=exp.to_identifier("repeated"), expression=repeated),
    ])
    return exp.select(summary).from_(groups.subquery("_lily_groups")).subquery()


def key_struct(columns: Sequence[str], table: str | None = None) -> exp.Struct:
    return exp.Struct(expressions=[
        exp.PropertyEQ(this=exp.to_identifier(c, quoted=True), expression=sql.col(c, table)) for c in columns
    ])


def reference_query(
    source: exp.Table, check: ReferenceCheck, target: exp.Table, *, with_values: bool = False
) -> exp.Select:
    """Non-null values with no match in the target (``bad``), and (DuckDB) the five smallest of them."""
    columns: list[exp.Expression] = [exp.Count(this=exp.Star()).as_("bad")]
    if with_values:
        smallest = exp.Min(this=sql.col(check.column, "t"), count=exp.Literal.number(SAMPLE_LIMIT))
        columns.append(smallest.as_("dangling"))
    return dangling_rows(source, check, target, columns)


def dangling_rows(
    source: exp.Table, check: ReferenceCheck, target: exp.Table, columns: Sequence[exp.Expression]
) -> exp.Select:
    """``columns`` over the rows of ``source`` (as ``t``) whose value has no match in ``target``.

    A left join kept where nothing matched, rather than ``NOT EXISTS``: each dangling row comes out
    exactly once whatever the target repeats, and DuckDB ran it about twice as fast here.
    """
    on = exp.EQ(this=sql.col(check.target_column, "r"), expression=sql.col(check.column, "t"))
    unmatched = exp.Is(this=sql.col(check.target_column, "r"), expression=exp.Null())
    present = exp.Is(this=sql.col(check.column, "t"), expression=exp.Null()).not_()
    return (
        exp.select(*columns).from_(source.copy().as_("t"))
        .join(target.copy().as_("r"), on=on, join_type="left")
        .where(exp.and_(present, unmatched))
    )
