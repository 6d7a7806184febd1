"""The query for up to five failing rows of a failed check, PII columns left out (pure)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from sqlglot import exp

from lily.quality import sql
from lily.quality.checks import (
    Check,
    DuplicateCountCheck,
    InvalidCountCheck,
    MissingCountCheck,
    ReferenceCheck,
)
from lily.quality.compile import dangling

MAX_SAMPLES = 5
_COUNT = "_lily_key_rows"


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
    """SQL for failing rows, ordered by every shown column so the same data gives the same samples.

    None for checks about a whole partition (no single row fails them) or when every column is PII.
    """
    shown = [c for c in columns if c not in set(pii_columns)]
    if not shown:
        return None
    source = sql.table(relation)
    order = [exp.Ordered(this=sql.col(c)) for c in shown]
    if isinstance(check, MissingCountCheck):
        query = exp.select(*map(sql.col, shown)).from_(source).where(sql.is_missing(check))
    elif isinstance(check, InvalidCountCheck):
        query = exp.select(*map(sql.col, shown)).from_(source).where(sql.is_invalid(check))
    elif isinstance(check, ReferenceCheck):
        target = sql.table((references or {}).get(check.dataset, check.dataset))
        query = (exp.select(*[sql.col(c, "t") for c in shown]).from_(source.as_("t"))
                 .where(dangling(check, target)))
        order = [exp.Ordered(this=sql.col(c, "t")) for c in shown]
    elif isinstance(check, DuplicateCountCheck):
        # A window in a subquery, not QUALIFY: sqlglot rewrites QUALIFY for Spark after the LIMIT.
        counted = exp.Window(this=exp.Count(this=exp.Star()), partition_by=[sql.col(c) for c in check.columns])
        inner = exp.select(exp.Star(), counted.as_(_COUNT)).from_(source).where(sql.all_present(check.columns))
        query = (exp.select(*map(sql.col, shown)).from_(inner.subquery("d"))
                 .where(exp.GT(this=exp.column(_COUNT), expression=exp.Literal.number(1))))
    else:
        return None
    return query.order_by(*order).limit(limit).sql(dialect)
