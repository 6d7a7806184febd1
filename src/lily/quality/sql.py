"""sqlglot building blocks for the checks: row predicates and aggregates, dialect-neutral trees."""

from __future__ import annotations

from collections.abc import Sequence

import sqlglot
from sqlglot import exp

from lily.quality.checks import InvalidCountCheck, MissingCountCheck, Scalar
from lily.quality.formats import CALENDAR_FORMATS, FORMATS
from lily.quality.glob import as_glob

READ = "duckdb"  # user SQL (sql_metric) is written in DuckDB's dialect


def col(name: str, table: str | None = None) -> exp.Column:
    return exp.column(name, table=table, quoted=True)


def table(relation: str) -> exp.Table:
    """A (possibly qualified) table or view name; refuses anything else."""
    try:
        tree = sqlglot.parse_one(relation, into=exp.Table, read=READ)
    except sqlglot.errors.ParseError:
        raise ValueError(f"{relation!r} is not a table or view name") from None
    return tree


def lit(value: Scalar) -> exp.Expression:
    return exp.convert(value)


def text(column: exp.Expression) -> exp.Expression:
    return exp.cast(column, exp.DataType.build("TEXT"))


def full_match(column: exp.Expression, pattern: str, *, duckdb: bool = False) -> exp.Expression:
    # DuckDB: a short pattern of fixed character classes as the GLOB that accepts the same strings
    # (lily.quality.glob says why that is the same test, and when it is cheaper).
    glob = as_glob(pattern) if duckdb else None
    if glob is not None:
        return exp.Glob(this=text(column), expression=exp.Literal.string(glob))
    # Anchored explicitly: RE2 and Java disagree on "full match" functions but not on ^ and \z.
    return exp.RegexpLike(this=text(column), expression=exp.Literal.string(f"^(?:{pattern})\\z"))


def count_if(condition: exp.Expression) -> exp.Expression:
    return exp.CountIf(this=condition)


def is_missing(check: MissingCountCheck) -> exp.Expression:
    c = col(check.column)
    cond: exp.Expression = exp.Is(this=c, expression=exp.Null())
    if check.missing_values:
        cond = exp.or_(cond, exp.In(this=c, expressions=[lit(v) for v in check.missing_values]))
    return cond


def is_valid(check: InvalidCountCheck, *, duckdb: bool = False) -> exp.Expression:
    """True when a non-null value keeps every rule (never null: a null verdict counts as invalid).
    ``duckdb``: the tree is rendered for DuckDB only, which may use DuckDB's own functions."""
    c = col(check.column)
    rules: list[exp.Expression] = []
    if check.regex is not None:
        rules.append(full_match(c, check.regex, duckdb=duckdb))
    if check.format is not None:
        rules.append(full_match(c, FORMATS[check.format], duckdb=duckdb))
        if check.format in CALENDAR_FORMATS:
            rules.append(exp.Is(this=exp.TryCast(this=text(c), to=exp.DataType.build("DATE")),
                                expression=exp.Null()).not_())
    if check.valid_values is not None:
        rules.append(exp.In(this=c, expressions=[lit(v) for v in check.valid_values]))
    if check.valid_min is not None:
        rules.append(exp.GTE(this=c, expression=lit(check.valid_min)))
    if check.valid_max is not None:
        rules.append(exp.LTE(this=c, expression=lit(check.valid_max)))
    if check.min_length is not None:
        rules.append(exp.GTE(this=exp.Length(this=text(c)), expression=lit(check.min_length)))
    if check.max_length is not None:
        rules.append(exp.LTE(this=exp.Length(this=text(c)), expression=lit(check.max_length)))
    return exp.func("COALESCE", exp.and_(*rules), exp.false())


def is_invalid(check: InvalidCountCheck, *, duckdb: bool = False) -> exp.Expression:
    return exp.and_(exp.Is(this=col(check.column), expression=exp.Null()).not_(),
                    exp.not_(is_valid(check, duckdb=duckdb)))


def bad_row(check: MissingCountCheck | InvalidCountCheck, *, duckdb: bool = False) -> exp.Expression:
    return is_missing(check) if isinstance(check, MissingCountCheck) else is_invalid(check, duckdb=duckdb)


def all_present(columns: Sequence[str]) -> exp.Expression:
    return exp.and_(*[exp.Is(this=col(c), expression=exp.Null()).not_() for c in columns])


def count_distinct(columns: Sequence[str]) -> exp.Expression:
    """Distinct keys among rows whose key columns are all non-null (Spark's COUNT(DISTINCT a, b))."""
    return exp.Count(this=exp.Distinct(expressions=[col(c) for c in columns]))


def user_sql(sql: str) -> exp.Expression:
    return sqlglot.parse_one(sql, read=READ)
