"""Checks -> SQL, purely: one aggregate scan for every column-level check of a partition.

Each check contributes aggregates (``COUNT_IF(<bad row>)``, ``COUNT(col)``, ``MAX(col)``, ...) to a
single ``SELECT ... FROM relation``; identical aggregates are computed once and shared. Only two
kinds need their own query: ``reference`` (an anti-join against the other dataset) and a
``sql_metric`` given as a whole ``query``. Metrics that depend on the run (freshness against
``process_date``, percentages, thresholds) are derived afterwards in Python, so a compiled suite
does not depend on the date it runs for. Trees are built with sqlglot in DuckDB's dialect and
rendered in ``dialect`` (e.g. ``spark``).

With ``sample_columns`` and DuckDB, failing rows ride along in the same scan: ``MIN(struct, 5)
FILTER (WHERE <bad row>)`` keeps the five smallest failing rows (ordered by the shown columns, so the
same data gives the same samples) at the cost of a top-5 heap fed only by failing rows; the engine
evaluates the shared predicate once. Other dialects fetch samples afterwards (``lily.quality.samples``).
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
_DISTRIBUTION = {"avg": exp.Avg, "min": exp.Min, "max": exp.Max, "stddev": exp.StddevSamp, "sum": exp.Sum}


@dataclass(frozen=True)
class CheckPlan:
    """Where a check's numbers come from: named columns of the scan, and maybe its own query."""

    check: Check
    metrics: Mapping[str, str] = field(default_factory=dict)  # role -> alias in the scan
    query: str | None = None  # returns one row; its columns are named after roles (a user query: "value")


@dataclass(frozen=True)
class CompiledSuite:
    relation: str
    dialect: str
    scan: str  # the one aggregate query; always counts rows
    row_count: str  # its alias for COUNT(*)
    plans: tuple[CheckPlan, ...]
    column_metrics: Mapping[str, Mapping[str, str]]  # column -> {"count"|"distinct"|stat: alias}

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


def compile_checks(
    relation: str,
    checks: Sequence[Check],
    *,
    dialect: str = "duckdb",
    references: Mapping[str, str] | None = None,
    sample_columns: Sequence[str] = (),
) -> CompiledSuite:
    """The SQL for ``checks`` over ``relation``; ``references`` maps a reference check's dataset
    to the relation that holds it (default: a relation of the same name); ``sample_columns`` are the
    columns a failing row shows (PII already left out), empty for no in-scan samples."""
    ensure_unique_names(checks)
    source = sql.table(relation)
    shown = list(sample_columns) if dialect == "duckdb" else []
    scan = _Scan()
    rows = scan.add(exp.Count(this=exp.Star()))
    column_metrics: dict[str, dict[str, str]] = {}
    for check in checks:
        for name in check.columns_used():
            column_metrics.setdefault(name, {})["count"] = scan.add(exp.Count(this=sql.col(name)))
    plans = [_plan(check, scan, rows, source, references or {}, dialect, column_metrics, shown) for check in checks]
    select = exp.select(*[tree.as_(alias) for alias, tree in scan.trees.items()]).from_(source.copy())
    return CompiledSuite(
        relation=relation, dialect=dialect, scan=select.sql(dialect), row_count=rows, plans=tuple(plans),
        column_metrics=column_metrics,
    )


def _plan(
    check: Check,
    scan: _Scan,
    rows: str,
    source: exp.Table,
    references: Mapping[str, str],
    dialect: str,
    column_metrics: dict[str, dict[str, str]],
    shown: list[str],
) -> CheckPlan:
    if isinstance(check, RowCountCheck):
        return CheckPlan(check, {"value": rows})
    if isinstance(check, MissingCountCheck | InvalidCountCheck):  # and MissingPercentCheck
        bad_row = sql.is_missing(check) if isinstance(check, MissingCountCheck) else sql.is_invalid(check)
        metrics = {"bad": scan.add(sql.count_if(bad_row))}
        metrics["rows" if isinstance(check, MissingCountCheck) else "considered"] = (
            rows if isinstance(check, MissingCountCheck) else column_metrics[check.column]["count"])
        if shown:
            metrics["samples"] = scan.add(exp.Filter(this=smallest_rows(shown), expression=exp.Where(this=bad_row)))
        return CheckPlan(check, metrics)
    if isinstance(check, DuplicateCountCheck):
        keys = check.columns
        considered = (column_metrics[keys[0]]["count"] if len(keys) == 1
                      else scan.add(sql.count_if(sql.all_present(keys))))
        distinct = scan.add(sql.count_distinct(keys))
        if len(keys) == 1:
            column_metrics[keys[0]]["distinct"] = distinct
        return CheckPlan(check, {"considered": considered, "distinct": distinct})
    if isinstance(check, FreshnessCheck):
        return CheckPlan(check, {"value": scan.add(exp.Max(this=sql.col(check.column)))})
    if isinstance(check, DistributionCheck):
        alias = scan.add(_DISTRIBUTION[check.metric](this=sql.col(check.column)))
        if check.metric in ("min", "max", "sum"):
            column_metrics[check.column][check.metric] = alias
        return CheckPlan(check, {"value": alias})
    if isinstance(check, ReferenceCheck):
        target = sql.table(references.get(check.dataset, check.dataset))
        query = reference_query(source, check, target, shown)
        return CheckPlan(check, {"considered": column_metrics[check.column]["count"]}, query.sql(dialect))
    if isinstance(check, SqlMetricCheck):
        if check.expression is not None:
            return CheckPlan(check, {"value": scan.add(sql.user_sql(check.expression))})
        text = str(check.query).replace("{relation}", source.sql(sql.READ))
        return CheckPlan(check, {}, sql.user_sql(text).sql(dialect))  # its first column is the value
    if isinstance(check, SchemaCheck):
        return CheckPlan(check)
    raise TypeError(f"unknown check {check!r}")  # pragma: no cover - the union is closed


def reference_query(
    source: exp.Table, check: ReferenceCheck, target: exp.Table, shown: Sequence[str] = ()
) -> exp.Select:
    """Non-null values with no match in the target (``bad``), and their first rows: one anti-join."""
    columns: list[exp.Expression] = [exp.Count(this=exp.Star()).as_("bad")]
    if shown:
        columns.append(smallest_rows(shown, "t").as_("samples"))
    return exp.select(*columns).from_(source.copy().as_("t")).where(dangling(check, target))


def smallest_rows(columns: Sequence[str], table: str | None = None) -> exp.Expression:
    """DuckDB's ``MIN(struct, n)``: the n smallest rows, compared column by column."""
    fields = [exp.PropertyEQ(this=exp.to_identifier(c, quoted=True), expression=sql.col(c, table)) for c in columns]
    return exp.Min(this=exp.Struct(expressions=fields), count=exp.Literal.number(SAMPLE_LIMIT))


def dangling(check: ReferenceCheck, target: exp.Table) -> exp.Expression:
    match = (
        exp.select("1").from_(target.copy().as_("r"))
        .where(exp.EQ(this=sql.col(check.target_column, "r"), expression=sql.col(check.column, "t")))
    )
    present = exp.Is(this=sql.col(check.column, "t"), expression=exp.Null()).not_()
    return exp.and_(present, exp.not_(exp.Exists(this=match)))
