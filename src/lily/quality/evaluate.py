"""Measured numbers -> each check's value, status and score, purely.

Score of one check (0-1): row-level checks (missing, invalid, duplicate, reference) score the share
of good rows among the rows they judged (``1 - bad / considered``; 1 when none were judged), so a
single duplicate among ten million rows costs almost nothing while a column that is half empty
scores 0.5. Checks on a whole partition (row_count, freshness, schema, distribution, sql_metric)
score 1 when they pass, 0.5 on a warning and 0 on a failure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Literal

from lily.quality.checks import (
    Check,
    DistributionCheck,
    DuplicateCountCheck,
    DuplicatePercentCheck,
    FreshnessCheck,
    InvalidCountCheck,
    InvalidPercentCheck,
    MissingCountCheck,
    MissingPercentCheck,
    ReferenceCheck,
    RowCountCheck,
    SchemaCheck,
    SqlMetricCheck,
)
from lily.quality.schema import schema_problems

Status = Literal["pass", "warn", "fail"]
Number = int | float


@dataclass(frozen=True)
class Outcome:
    value: Number | None
    status: Status
    score: float  # 0-1
    message: str


def evaluate(
    check: Check, measured: Mapping[str, Any], *, process_date: date, schema: Mapping[str, str]
) -> Outcome:
    """``measured`` holds the check's plan roles (``bad``, ``rows``, ``value``, ...) as fetched."""
    if isinstance(check, SchemaCheck):
        problems = schema_problems(check.columns, schema, allow_extra=check.allow_extra)
        status = _status(check, len(problems))
        detail = "; ".join(problems) if problems else "all declared columns present with their types"
        return Outcome(len(problems), status, _partition_score(status), f"{check.name}: {detail}")
    if isinstance(check, MissingCountCheck | InvalidCountCheck | DuplicateCountCheck | ReferenceCheck):
        bad, considered = _row_counts(check, measured)
        value: Number = bad
        if isinstance(check, MissingPercentCheck | InvalidPercentCheck | DuplicatePercentCheck):
            value = round(100.0 * bad / considered, 6) if considered else 0.0
        status = _status(check, value)
        score = 1.0 - bad / considered if considered else 1.0
        return Outcome(value, status, score, _message(check, value, status, f" ({bad} of {considered} rows)"))
    value = _partition_value(check, measured, process_date)
    if value is None:
        status = "fail" if check.fail is not None else "warn"
        return Outcome(None, status, 0.0, f"{check.name}: no value (no non-null rows), counted as {status}")
    status = _status(check, value)
    return Outcome(value, status, _partition_score(status), _message(check, value, status, ""))


def _row_counts(check: Check, measured: Mapping[str, Any]) -> tuple[int, int]:
    # COUNT_IF over no rows is NULL in some engines (DuckDB among them): no rows, none bad.
    count = {role: int(measured.get(role) or 0) for role in ("bad", "rows", "considered", "distinct")}
    if isinstance(check, MissingCountCheck):
        return count["bad"], count["rows"]
    if isinstance(check, DuplicateCountCheck):
        return count["considered"] - count["distinct"], count["considered"]
    return count["bad"], count["considered"]


def _partition_value(check: Check, measured: Mapping[str, Any], process_date: date) -> Number | None:
    raw = measured.get("value")
    if raw is None:
        return None
    if isinstance(check, FreshnessCheck):
        return age_hours(raw, process_date)
    if isinstance(check, RowCountCheck | DistributionCheck | SqlMetricCheck):
        return _number(raw)
    raise TypeError(f"unknown check {check!r}")  # pragma: no cover - the union is closed


def age_hours(newest: Any, process_date: date) -> float:
    """Hours from ``newest`` to the end of ``process_date`` (midnight UTC after it); naive is UTC."""
    end = datetime.combine(process_date + timedelta(days=1), time(), UTC)
    if isinstance(newest, datetime):
        moment = newest if newest.tzinfo else newest.replace(tzinfo=UTC)
    elif isinstance(newest, date):
        moment = datetime.combine(newest, time(), UTC)
    else:
        moment = datetime.fromisoformat(str(newest))
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return round((end - moment).total_seconds() / 3600, 6)


def _number(raw: Any) -> Number:
    if isinstance(raw, bool):
        return int(raw)
    if isinstance(raw, float):
        # Parallel float sums differ in their last bits from run to run; 12 digits keep reports stable.
        return float(f"{raw:.12g}")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, Decimal):
        return float(f"{float(raw):.12g}")
    try:
        return float(raw)
    except (TypeError, ValueError):
        raise ValueError(f"metric is not a number: {raw!r}") from None


def _status(check: Check, value: Number) -> Status:
    if check.fail is not None and check.fail.matches(value):
        return "fail"
    if check.warn is not None and check.warn.matches(value):
        return "warn"
    return "pass"


def _partition_score(status: Status) -> float:
    return {"pass": 1.0, "warn": 0.5, "fail": 0.0}[status]


def _message(check: Check, value: Number, status: Status, detail: str) -> str:
    text = f"{check.name} = {_fmt(value)}{detail}"
    if status == "pass":
        return f"{text}: pass"
    threshold = check.fail if status == "fail" else check.warn
    assert threshold is not None
    return f"{text}: {status} ({threshold.describe()})"


def _fmt(value: Number) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
