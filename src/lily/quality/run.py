"""Run a suite over one partition in DuckDB: schema lookup, the one scan, the few extra queries.

Statements, in order: ``DESCRIBE`` (metadata, no scan), the aggregate scan, one join per
``reference`` check, one query per ``sql_metric`` given as a query, and, only if row-level checks
failed, one statement for the samples of all of them. A check naming a column the relation lacks
fails with that reason instead of breaking the scan; if the scan itself fails (say, a custom
expression that errors at run time), each check is retried with its own scan so only the broken
ones fail.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import duckdb

from lily.quality import sql
from lily.quality.checks import Check, DuplicateCountCheck, ReferenceCheck, ensure_unique_names
from lily.quality.compile import CheckPlan, CompiledSuite, compile_checks
from lily.quality.evaluate import Outcome, evaluate
from lily.quality.report import CheckResult, QualityReport, dimension_scores
from lily.quality.samples import Failed, failing_rows_query, shows_rows


class QualityError(RuntimeError):
    """The relation cannot be read at all."""


class _Session:
    """Runs statements and counts them (the report says how many)."""

    def __init__(self, conn: duckdb.DuckDBPyConnection) -> None:
        self.conn = conn
        self.count = 0

    def one(self, query: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        self.count += 1
        cursor = self.conn.execute(query, params) if params else self.conn.execute(query)
        names = [d[0] for d in cursor.description or []]
        return dict(zip(names, cursor.fetchall()[0], strict=True))

    def all(self, query: str) -> list[tuple[Any, ...]]:
        self.count += 1
        return self.conn.execute(query).fetchall()


@dataclass(frozen=True)
class _Measured:
    outcome: Outcome
    keys: Sequence[Any] = ()  # repeated keys or dangling values, for samples
    samples: Sequence[Mapping[str, Any]] = ()


@dataclass(frozen=True)
class _Run:
    session: _Session
    source: str
    schema: dict[str, str]
    process_date: date
    references: Mapping[str, str] | None
    shown: list[str]  # columns a sample shows: every column but the PII ones


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
        described = session.all(f"DESCRIBE {source}")
    except duckdb.Error as e:
        raise QualityError(f"cannot read {relation}: {_first_line(e)}") from None
    schema = {str(r[0]): str(r[1]) for r in described}
    pii = set(pii_columns)
    run = _Run(session, source, schema, process_date, references, [c for c in schema if c not in pii])
    runnable = [c for c in checks if all(name in schema for name in c.columns_used())]
    suite = compile_checks(source, runnable, references=references)
    try:
        scanned = session.one(suite.scan)
    except duckdb.Error:
        scanned, measured = _one_by_one(run, runnable)
    else:
        measured = {str(p.check.name): _measure(run, p, scanned) for p in suite.plans}
    measured = _with_samples(run, runnable, measured)
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
        single = compile_checks(run.source, [check], references=run.references)
        try:
            values = run.session.one(single.scan)
        except duckdb.Error as e:
            measured[str(check.name)] = _Measured(_broken(check, e))
            continue
        measured[str(check.name)] = _measure(run, single.plans[0], values)
    return {base.row_count: scanned[base.row_count]}, measured


def _measure(run: _Run, plan: CheckPlan, scanned: Mapping[str, Any]) -> _Measured:
    values = {role: scanned.get(alias) for role, alias in plan.metrics.items()}
    if plan.query is not None:
        try:
            row = run.session.one(plan.query)
        except duckdb.Error as e:
            return _Measured(_broken(plan.check, e))
        values.update(row if "bad" in row else {"value": next(iter(row.values()), None)})
    grouped = values.pop("grouped", None)
    if isinstance(grouped, Mapping):
        values["distinct"], values["repeated"] = grouped["keys"], grouped["repeated"]
    try:
        outcome = evaluate(plan.check, values, process_date=run.process_date, schema=run.schema)
    except ValueError as e:
        outcome = Outcome(None, "fail", 0.0, f"{plan.check.name}: {e}")
    return _Measured(outcome, values.get("repeated") or values.get("dangling") or ())


def _with_samples(run: _Run, checks: Sequence[Check], measured: dict[str, _Measured]) -> dict[str, _Measured]:
    """One statement for the samples of every failed row-level check."""
    failed = []
    for check in checks:
        m = measured.get(str(check.name))
        if m is None or m.outcome.status != "fail" or m.outcome.value is None or not shows_rows(check):
            continue
        if isinstance(check, DuplicateCountCheck | ReferenceCheck) and not m.keys:
            continue
        failed.append(Failed(check, m.keys))
    built = failing_rows_query(run.source, failed, run.shown)
    if built is None:
        return measured
    try:
        found = run.session.one(*built)
    except duckdb.Error:
        return measured  # samples are evidence, never a reason to lose the results
    out = dict(measured)
    for i, f in enumerate(failed):
        name = str(f.check.name)
        out[name] = _Measured(measured[name].outcome, measured[name].keys, found[f"s{i}"] or [])
    return out


def _broken(check: Check, error: Exception) -> Outcome:
    return Outcome(None, "fail", 0.0, f"{check.name}: could not be computed: {_first_line(error)}")


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0]


def _result(run: _Run, check: Check, measured: _Measured | None) -> CheckResult:
    if measured is None:
        absent = [c for c in check.columns_used() if c not in run.schema]
        measured = _Measured(Outcome(None, "fail", 0.0, f"{check.name}: column(s) not found: {', '.join(absent)}"))
    outcome = measured.outcome
    expected = "; ".join(
        f"{level} when {t.describe()}" for level, t in (("fail", check.fail), ("warn", check.warn)) if t
    )
    return CheckResult(
        name=str(check.name), type=check.type, dimension=check.dimension or "validity",
        status=outcome.status, value=outcome.value, blocking=check.blocking, message=outcome.message,
        columns=tuple(check.columns_used()), expected=expected or None, score=outcome.score,
        failing_samples=[{str(k): json_safe(v) for k, v in dict(row).items()} for row in measured.samples],
        content=getattr(check, "expression", None) or getattr(check, "query", None),
    )


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
        distinct = scanned.get(aliases.get("distinct", aliases.get("grouped", "")))
        if isinstance(distinct, Mapping):
            distinct = distinct["keys"]
        if isinstance(distinct, int):
            metrics["distinctCount"] = distinct
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
