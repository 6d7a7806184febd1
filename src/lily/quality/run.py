"""Run a suite over one partition in DuckDB: schema lookup, the one scan, the few extra queries.

Statements, in order: ``DESCRIBE`` (metadata, no scan), the aggregate scan (failing samples of the
missing and invalid checks included), one anti-join per ``reference`` check (its samples included),
one query per ``sql_metric`` given as a query, and for a failed ``duplicate_count`` one query for
its samples (finding rows whose key repeats needs the keys grouped first). A check naming a column
the relation lacks fails with that reason instead of breaking the scan; if the scan itself fails
(say, a custom expression that errors at run time), each check is retried with its own scan so only
the broken ones fail.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import duckdb

from lily.quality import sql
from lily.quality.checks import Check, ensure_unique_names
from lily.quality.compile import CheckPlan, CompiledSuite, compile_checks
from lily.quality.evaluate import Outcome, evaluate
from lily.quality.report import CheckResult, QualityReport, dimension_scores
from lily.quality.samples import sample_query


class QualityError(RuntimeError):
    """The relation cannot be read at all."""


class _Session:
    """Runs statements and counts them (the report says how many)."""

    def __init__(self, conn: duckdb.DuckDBPyConnection) -> None:
        self.conn = conn
        self.count = 0

    def rows(self, query: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        self.count += 1
        cursor = self.conn.execute(query)
        return [d[0] for d in cursor.description or []], cursor.fetchall()

    def one(self, query: str) -> dict[str, Any]:
        names, rows = self.rows(query)
        return dict(zip(names, rows[0], strict=True))


@dataclass(frozen=True)
class _Measured:
    outcome: Outcome
    samples: list[Any] | None = None  # None: not collected with the metric


@dataclass
class _Run:
    session: _Session
    source: str
    schema: dict[str, str]
    process_date: date
    references: Mapping[str, str] | None
    shown: list[str] = field(default_factory=list)


def run_checks(
    conn: duckdb.DuckDBPyConnection,
    relation: str,
    checks: Sequence[Check],
    *,
    process_date: date,
    references: Mapping[str, str] | None = None,
    pii_columns: Collection[str] = (),
) -> QualityReport:
    """Check one partition (``relation``: a table or view in ``conn``) for ``process_date``."""
    ensure_unique_names(checks)
    session = _Session(conn)
    source = sql.table(relation).sql("duckdb")
    try:
        _, described = session.rows(f"DESCRIBE {source}")
    except duckdb.Error as e:
        raise QualityError(f"cannot read {relation}: {e}") from None
    schema = {str(r[0]): str(r[1]) for r in described}
    pii = set(pii_columns)
    run = _Run(session, source, schema, process_date, references, [c for c in schema if c not in pii])
    runnable = [c for c in checks if all(name in schema for name in c.columns_used())]
    suite = compile_checks(source, runnable, references=references, sample_columns=run.shown)
    try:
        scanned = session.one(suite.scan)
    except duckdb.Error:
        scanned, measured = _one_by_one(run, runnable)
    else:
        measured = {str(p.check.name): _measure(run, p, scanned) for p in suite.plans}
    results = [_result(run, check, measured.get(str(check.name))) for check in checks]
    return QualityReport(
        results=results,
        scores=dimension_scores(results),
        passed=not any(r.blocking and r.status == "fail" for r in results),
        queries=session.count,
        row_count=int(scanned[suite.row_count]),
        column_metrics=_column_metrics(suite, scanned, pii),
    )


def _one_by_one(run: _Run, checks: Sequence[Check]) -> tuple[dict[str, Any], dict[str, _Measured]]:
    """The shared scan failed: each check gets its own scan so only the broken checks fail."""
    try:
        base = compile_checks(run.source, [])
        scanned = run.session.one(base.scan)
    except duckdb.Error as e:
        raise QualityError(f"cannot scan {run.source}: {_first_line(e)}") from None
    measured: dict[str, _Measured] = {}
    for check in checks:
        single = compile_checks(run.source, [check], references=run.references, sample_columns=run.shown)
        try:
            values = run.session.one(single.scan)
        except duckdb.Error as e:
            measured[str(check.name)] = _Measured(_broken(check, e))
            continue
        measured[str(check.name)] = _measure(run, single.plans[0], values)
    return {"m0": scanned[base.row_count]}, measured


def _measure(run: _Run, plan: CheckPlan, scanned: Mapping[str, Any]) -> _Measured:
    values = {role: scanned.get(alias) for role, alias in plan.metrics.items()}
    if plan.query is not None:
        try:
            row = run.session.one(plan.query)
        except duckdb.Error as e:
            return _Measured(_broken(plan.check, e))
        if "bad" in row:
            values.update(row)
        else:
            values["value"] = next(iter(row.values()), None)
    try:
        outcome = evaluate(plan.check, values, process_date=run.process_date, schema=run.schema)
    except ValueError as e:
        outcome = Outcome(None, "fail", 0.0, f"{plan.check.name}: {e}")
    collected = "samples" in values
    return _Measured(outcome, (values["samples"] or []) if collected else None)


def _broken(check: Check, error: Exception) -> Outcome:
    return Outcome(None, "fail", 0.0, f"{check.name}: could not be computed: {_first_line(error)}")


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0]


def _result(run: _Run, check: Check, measured: _Measured | None) -> CheckResult:
    if measured is None:
        absent = [c for c in check.columns_used() if c not in run.schema]
        measured = _Measured(Outcome(None, "fail", 0.0, f"{check.name}: column(s) not found: {', '.join(absent)}"))
    outcome = measured.outcome
    samples: list[dict[str, Any]] = []
    if outcome.status == "fail" and outcome.value is not None:
        rows = measured.samples if measured.samples is not None else _fetch_samples(run, check)
        samples = [{str(k): json_safe(v) for k, v in dict(r).items()} for r in rows]
    expected = "; ".join(
        f"{level} when {t.describe()}" for level, t in (("fail", check.fail), ("warn", check.warn)) if t
    )
    return CheckResult(
        name=str(check.name), type=check.type, dimension=check.dimension or "validity",
        status=outcome.status, value=outcome.value, blocking=check.blocking, message=outcome.message,
        columns=tuple(check.columns_used()), expected=expected or None, score=outcome.score,
        failing_samples=samples, content=getattr(check, "expression", None) or getattr(check, "query", None),
    )


def _fetch_samples(run: _Run, check: Check) -> list[dict[str, Any]]:
    query = sample_query(run.source, check, run.shown, references=run.references)
    if query is None:
        return []
    try:
        names, rows = run.session.rows(query)
    except duckdb.Error:
        return []  # samples are evidence, never a reason to lose the result
    return [dict(zip(names, row, strict=True)) for row in rows]


def _column_metrics(
    suite: CompiledSuite, scanned: Mapping[str, Any], pii: set[str]
) -> dict[str, dict[str, int | float | None]]:
    """OpenLineage column metrics; a PII column reports counts only, never a min, max or sum."""
    rows = int(scanned[suite.row_count])
    out: dict[str, dict[str, int | float | None]] = {}
    for column, aliases in suite.column_metrics.items():
        if aliases.get("count") not in scanned:
            continue
        count = int(scanned[aliases["count"]])
        metrics: dict[str, int | float | None] = {"nullCount": rows - count, "count": count}
        if aliases.get("distinct") in scanned:
            metrics["distinctCount"] = int(scanned[aliases["distinct"]])
        for stat in ("min", "max", "sum"):
            value = scanned.get(aliases.get(stat, ""))
            if column not in pii and isinstance(value, int | float | Decimal) and not isinstance(value, bool):
                metrics[stat] = float(value)
        out[column] = metrics
    return out


def json_safe(value: Any) -> Any:
    """A sample value as JSON can hold it (dates as ISO text, decimals as text)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return str(value)
