"""Queries for up to five failing rows of failed checks, PII columns left out (pure).

Samples are the smallest failing rows, ordered by every shown column, so the same data always
gives the same samples. A duplicate check shows rows of its five smallest repeated keys, a
reference check rows of its five smallest dangling values (both come out of the check's own
aggregate in DuckDB). In DuckDB one statement serves every failed check: ``MIN(struct, 5) FILTER
(WHERE <failing row>)`` per check over ``WHERE <any failing row>``, so a row is only built for
failing rows; keys and values travel as bound parameters, whatever their type. ``sample_query`` is
the portable form, one ``ORDER BY ... LIMIT 5`` statement per check, for other engines.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlglot import exp

from lily.quality import sql
from lily.quality.checks import (
    Check,
    DuplicateCountCheck,
    InvalidCountCheck,
    MissingCountCheck,
    ReferenceCheck,
)
from lily.quality.compile import SAMPLE_LIMIT, dangling_rows, key_struct

MAX_SAMPLES = SAMPLE_LIMIT


@dataclass(frozen=True)
class Failed:
    """A failed check whose rows can be shown; ``keys``: repeated keys (dicts) or dangling values."""

    check: Check
    keys: Sequence[Any] = ()


def failing_rows_query(
    relation: str, failed: Sequence[Failed], columns: Sequence[str]
) -> tuple[str, dict[str, Any]] | None:
    """DuckDB: one statement whose column ``s<i>`` holds the samples of ``failed[i]``."""
    params: dict[str, Any] = {}
    predicates = [_predicate(f, params) for f in failed]
    if not columns or not predicates:
        return None
    rows = exp.Min(this=key_struct(columns), count=exp.Literal.number(SAMPLE_LIMIT))
    picks = [exp.Filter(this=rows.copy(), expression=exp.Where(this=p)).as_(f"s{i}") for i, p in enumerate(predicates)]
    query = exp.select(*picks).from_(sql.table(relation)).where(exp.or_(*[p.copy() for p in predicates]))
    return query.sql("duckdb"), params


def _predicate(failed: Failed, params: dict[str, Any]) -> exp.Expression:
    check = failed.check
    if isinstance(check, MissingCountCheck | InvalidCountCheck):
        return sql.bad_row(check, duckdb=True)  # the scan's own predicate (a GLOB where it counted one)

    def bind(value: Any) -> exp.Placeholder:
        name = f"p{len(params)}"
        params[name] = value
        return exp.Placeholder(this=name)

    if isinstance(check, ReferenceCheck):
        return exp.In(this=sql.col(check.column), expressions=[bind(v) for v in failed.keys])
    if isinstance(check, DuplicateCountCheck):
        return exp.or_(*[
            exp.and_(*[exp.EQ(this=sql.col(c), expression=bind(key[c])) for c in check.columns])
            for key in failed.keys
        ])
    raise TypeError(f"no failing rows for a {check.type} check")


def shows_rows(check: Check) -> bool:
    """Whether single rows fail ``check`` (so samples make sense)."""
    return isinstance(check, MissingCountCheck | InvalidCountCheck | DuplicateCountCheck | ReferenceCheck)


def sample_query(
    relation: str,
    check: Check,
    columns: Sequence[str],
    *,
    pii_columns: Collection[str] = (),
    references: Mapping[str, str] | None = None,
    dialect: str = "duckdb",
    limit: int = MAX_SAMPLES,
) -> str | None:
    """Portable SQL for one check's samples (the same rows as ``failing_rows_query``); None for
    checks about a whole partition or when every column is PII."""
    shown = [c for c in columns if c not in set(pii_columns)]
    if not shown or not shows_rows(check):
        return None
    source = sql.table(relation)
    query = exp.select(*map(sql.col, shown)).from_(source.copy())
    if isinstance(check, MissingCountCheck | InvalidCountCheck):
        query = query.where(sql.bad_row(check))
    elif isinstance(check, ReferenceCheck):
        target = sql.table((references or {}).get(check.dataset, check.dataset))
        values = dangling_rows(source, check, target, [sql.col(check.column, "t")])
        values = values.order_by(sql.col(check.column, "t")).limit(limit)
        query = query.where(exp.In(this=sql.col(check.column), query=values.subquery()))
    elif isinstance(check, DuplicateCountCheck):
        keys = [sql.col(c) for c in check.columns]
        repeated = (
            exp.select(*keys).from_(source.copy()).where(sql.all_present(check.columns)).group_by(*keys)
            .having(exp.GT(this=exp.Count(this=exp.Star()), expression=exp.Literal.number(1)))
            .order_by(*keys).limit(limit)
        )
        match = exp.and_(*[exp.EQ(this=sql.col(c, "k"), expression=sql.col(c, "t")) for c in check.columns])
        query = (exp.select(*[sql.col(c, "t") for c in shown]).from_(source.copy().as_("t"))
                 .where(exp.Exists(this=exp.select("1").from_(repeated.subquery("k")).where(match))))
        return query.order_by(*[sql.col(c, "t") for c in shown]).limit(limit).sql(dialect)
    return query.order_by(*map(sql.col, shown)).limit(limit).sql(dialect)
