"""Run a suite over one partition in DuckDB: schema lookup, the one scan, the few extra queries.

Statements, in order: ``DESCRIBE`` (metadata, no scan), the aggregate scan, one anti-join per
``reference`` check, one query per ``sql_metric`` given as a query, then up to five failing rows
for each failed row-level check. A check naming a column the relation lacks fails with that reason
instead of breaking the scan; if the scan itself fails (say, a custom expression that errors at run
time), each aggregate is retried alone so only the checks that need the broken one fail.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
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
    """Counts the statements it runs (the report says how many)."""

    def __init__(self, conn: duckdb.DuckDBPyConnection) -> None:
        self.conn = conn
        self.count = 0

    def rows(self, query: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        self.count += 1
        cursor = self.conn.execute(query)
        return [d[0] for d in cursor.description or []], cursor.fetchall()


def run_checks(
    conn: duckdb.DuckDBPyConnection,
    relation: str,
    checks: Sequence[Check],
    *,
    process_date: date,
    references: Mapping[str, str] | None = None,
    pii_columns: Collection[str] = (),
) -> QualityReport:
    ensure_unique_names(checks)
    session = _Session(conn)
    source = sql.table(relation).sql("duckdb")
    try:
        _, described = session.rows(f"DESCRIBE {source}")
    except duckdb.Error as e:
        raise QualityError(f"cannot read {relation}: {e}") from None
    schema = {str(r[0]): str(r[1]) for r in described}
    runnable = [c for c in checks if all(name in schema for name in c.columns_used())]
    suite = compile_checks(source, runnable, references=references)
    try:
        measured = _scan(session, suite)
    except duckdb.Error:
        measured, outcomes = _one_by_one(session, source, runnable, references, process_date, schema)
    else:
        outcomes = {str(p.check.name): _outcome(session, p, measured, process_date, schema) for p in suite.plans}
    pii = set(pii_columns)
    results = []
    for check in checks:
        outcome = outcomes.get(str(check.name))
        samples = []
        if outcome is None:
            outcome = _missing_columns(check, schema)
        elif outcome.status == "fail":
            query = sample_query(source, check, list(schema), pii_columns=pii, references=references)
            samples = _samples(session, query) if query else []
        results.append(_result(check, outcome, samples))
    return QualityReport(
        results=results,
        scores=dimension_scores(results),
        passed=not any(r.blocking and r.status == "fail" for r in results),
        queries=session.count,
        row_count=int(measured[suite.row_count]),
        column_metrics=_column_metrics(suite, measured, pii),
    )


def _scan(session: _Session, suite: CompiledSuite) -> dict[str, Any]:
    names, rows = session.rows(suite.scan)
    return dict(zip(names, rows[0], strict=True))


def _one_by_one(
    session: _Session,
    source: str,
    checks: Sequence[Check],
    references: Mapping[str, str] | None,
    process_date: date,
    schema: Mapping[str, str],
) -> tuple[dict[str, Any], dict[str, Outcome]]:
    """The shared scan failed: run each check's own scan so only the broken checks fail."""
    try:
        base = compile_checks(source, [])
        measured = _scan(session, base)
    except duckdb.Error as e:
        raise QualityError(f"cannot scan {source}: {e}") from None
    outcomes: dict[str, Outcome] = {}
    for check in checks:
        single = compile_checks(source, [check], references=references)
        try:
            values = _scan(session, single)
        except duckdb.Error as e:
            outcomes[str(check.name)] = Outcome(None, "fail", 0.0, f"{check.name}: could not be computed: {_first_line(e)}")
            continue
        outcomes[str(check.name)] = _outcome(session, single.plans[0], values, process_date, schema)
    return {"m0": measured[base.row_count]}, outcomes


def _outcome(
    session: _Session,
    plan: CheckPlan,
    measured: Mapping[str, Any],
    process_date: date,
    schema: Mapping[str, str],
) -> Outcome:
    values = {role: measured.get(alias) for role, alias in plan.metrics.items()}
    if plan.query is not None:
        try:
            values["bad" if "considered" in values else "value"] = session.rows(plan.query)[1][0][0]
        except duckdb.Error as e:
            return Outcome(None, "fail", 0.0, f"{plan.check.name}: could not be computed: {_first_line(e)}")
    try:
        return evaluate(plan.check, values, process_date=process_date, schema=schema)
    except ValueError as e:
        return Outcome(None, "fail", 0.0, f"{plan.check.name}: {e}")


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0]


def _missing_columns(check: Check, schema: Mapping[str, str]) -> Outcome:
    absent = [c for c in check.columns_used() if c not in schema]
    return Outcome(None, "fail", 0.0, f"{check.name}: column(s) not found: {', '.join(absent)}")


def _result(check: Check, outcome: Outcome, samples: list[dict[str, Any]]) -> CheckResult:
    expected = "; ".join(
        f"{level} when {t.describe()}" for level, t in (("fail", check.fail), ("warn", check.warn)) if t
    )
    content = getattr(check, "expression", None) or getattr(check, "query", None)
    return CheckResult(
        name=str(check.name), type=check.type, dimension=check.dimension or "validity",
        status=outcome.status, value=outcome.value, blocking=check.blocking, message=outcome.message,
        columns=tuple(check.columns_used()), expected=expected or None, score=outcome.score,
        failing_samples=samples, content=content,
    )


def _samples(session: _Session, query: str) -> list[dict[str, Any]]:
    try:
        names, rows = session.rows(query)
    except duckdb.Error:
        return []  # samples are evidence, never a reason to lose the result
    return [{n: json_safe(v) for n, v in zip(names, row, strict=True)} for row in rows]


def _column_metrics(
    suite: CompiledSuite, measured: Mapping[str, Any], pii: set[str]
) -> dict[str, dict[str, int | float | None]]:
    """OpenLineage column metrics; a PII column reports counts only, never a min, max or sum."""
    rows = int(measured[suite.row_count])
    out: dict[str, dict[str, int | float | None]] = {}
    for column, aliases in suite.column_metrics.items():
        if aliases.get("count") not in measured:
            continue
        count = int(measured[aliases["count"]])
        metrics: dict[str, int | float | None] = {"nullCount": rows - count, "count": count}
        if "distinct" in aliases and aliases["distinct"] in measured:
            metrics["distinctCount"] = int(measured[aliases["distinct"]])
        for stat in ("min", "max", "sum"):
            value = measured.get(aliases.get(stat, ""))
            if stat in aliases and column not in pii and isinstance(value, int | float | Decimal):
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
