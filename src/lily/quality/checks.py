"""Declared quality checks (SodaCL-like), validated with pydantic and discriminated by ``type``.

Every check has an optional ``name`` (derived when absent), ``warn`` and ``fail`` thresholds on its
metric, a ``blocking`` flag and one of the six DAMA dimensions (a default per type). Checks whose
metric has an obvious bad value get a default ``fail`` threshold when neither is given (a missing,
invalid, duplicate or dangling value is a failure); the others must say what is bad.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any, ClassVar, Literal

import sqlglot
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator, model_validator
from sqlglot import exp

from lily.quality.formats import FORMATS
from lily.quality.schema import parse_type
from lily.quality.thresholds import Threshold

Dimension = Literal["completeness", "validity", "consistency", "accuracy", "timeliness", "uniqueness"]
DIMENSIONS: tuple[Dimension, ...] = (
    "completeness", "validity", "consistency", "accuracy", "timeliness", "uniqueness",
)
Scalar = str | int | float | bool
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


class _Check(BaseModel):
    model_config = ConfigDict(extra="forbid")

    default_dimension: ClassVar[Dimension]
    default_fail: ClassVar[Threshold | None] = Threshold(gt=0)

    name: str | None = None
    warn: Threshold | None = None
    fail: Threshold | None = None
    blocking: bool = False
    dimension: Dimension | None = None

    @model_validator(mode="after")
    def _defaults(self) -> _Check:
        if self.warn is None and self.fail is None:
            if self.default_fail is None:
                raise ValueError(f"a {self.type} check needs a warn or fail threshold")  # type: ignore[attr-defined]
            self.fail = self.default_fail
        self.dimension = self.dimension or self.default_dimension
        self.name = self.name or self.derived_name()
        return self

    def derived_name(self) -> str:
        return f"{self.type}({', '.join(self.columns_used())})"  # type: ignore[attr-defined]

    def columns_used(self) -> list[str]:
        """Columns of the checked relation the check reads (they must exist)."""
        return []


class _ColumnCheck(_Check):
    column: str = Field(min_length=1)

    def columns_used(self) -> list[str]:
        return [self.column]


class RowCountCheck(_Check):
    type: Literal["row_count"]
    default_dimension: ClassVar[Dimension] = "completeness"
    default_fail: ClassVar[Threshold | None] = Threshold(lt=1)

    def derived_name(self) -> str:
        return "row_count"


class MissingCountCheck(_ColumnCheck):
    """Rows where the column is null or one of ``missing_values`` (e.g. ``""``, ``"N/A"``)."""

    type: Literal["missing_count"]
    default_dimension: ClassVar[Dimension] = "completeness"
    missing_values: list[Scalar] = Field(default_factory=list)


class MissingPercentCheck(MissingCountCheck):
    """The same rows as a percentage (0-100) of all rows; 0 for an empty partition."""

    type: Literal["missing_percent"]  # type: ignore[assignment]


class InvalidCountCheck(_ColumnCheck):
    """Non-null values breaking any of the rules given (at least one)."""

    type: Literal["invalid_count"]
    default_dimension: ClassVar[Dimension] = "validity"
    regex: str | None = None
    valid_values: list[Scalar] | None = None
    valid_min: float | int | str | None = None
    valid_max: float | int | str | None = None
    min_length: int | None = Field(default=None, ge=0)
    max_length: int | None = Field(default=None, ge=0)
    format: Literal[tuple(FORMATS)] | None = None  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _has_a_rule(self) -> InvalidCountCheck:
        rules = ("regex", "valid_values", "valid_min", "valid_max", "min_length", "max_length", "format")
        if all(getattr(self, r) is None for r in rules):
            raise ValueError(f"an invalid_count check needs a rule: one of {', '.join(rules)}")
        if self.regex is not None:
            try:
                re.compile(self.regex)
            except re.error as e:
                raise ValueError(f"regex {self.regex!r} does not compile: {e}") from None
        return self


class InvalidPercentCheck(InvalidCountCheck):
    """The same values as a percentage (0-100) of the column's non-null values; 0 when there are none."""

    type: Literal["invalid_percent"]  # type: ignore[assignment]


class DuplicateCountCheck(_Check):
    """Rows beyond the first of each key (rows with a null in the key are not counted)."""

    type: Literal["duplicate_count"]
    default_dimension: ClassVar[Dimension] = "uniqueness"
    columns: list[Annotated[str, Field(min_length=1)]] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _one_column(cls, data: Any) -> Any:
        if isinstance(data, dict) and "column" in data and "columns" not in data:
            data = {**data, "columns": [data["column"]]}
            del data["column"]
        return data

    def columns_used(self) -> list[str]:
        return list(self.columns)


class DuplicatePercentCheck(DuplicateCountCheck):
    """The same rows as a percentage (0-100) of the rows whose key has no null; 0 when there are none."""

    type: Literal["duplicate_percent"]  # type: ignore[assignment]


class FreshnessCheck(_ColumnCheck):
    """Hours between the newest value of ``column`` and the end of ``process_date`` (UTC).

    ``max_age`` (``36h``, ``1d``, ``2d12h``, ``90m``) is shorthand for ``fail: {gt: <hours>}``.
    """

    type: Literal["freshness"]
    default_dimension: ClassVar[Dimension] = "timeliness"
    default_fail: ClassVar[Threshold | None] = None
    max_age: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _max_age_is_a_fail_threshold(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("max_age") is not None and "fail" not in data:
            data = {**data, "fail": {"gt": duration_hours(str(data["max_age"]))}}
        return data


class SchemaCheck(_Check):
    """Required columns, each with a type (``null`` for any); the metric counts the mismatches.

    A type is a family (``integer``, ``number``, ``float``, ``decimal``, ``string``, ``boolean``,
    ``date``, ``timestamp``, ``binary``) or an exact SQL type (``BIGINT``, ``DECIMAL(18,2)``).
    """

    type: Literal["schema"]
    default_dimension: ClassVar[Dimension] = "consistency"
    columns: dict[str, str | None] = Field(min_length=1)
    allow_extra: bool = True

    @field_validator("columns")
    @classmethod
    def _types_parse(cls, columns: dict[str, str | None]) -> dict[str, str | None]:
        for name, declared in columns.items():
            if declared is not None:
                try:
                    parse_type(declared)
                except ValueError as e:
                    raise ValueError(f"column {name!r}: {e}") from None
        return columns

    def derived_name(self) -> str:
        return "schema"


class ReferenceCheck(_ColumnCheck):
    """Non-null values of ``column`` absent from ``dataset_column`` (default: same name) of ``dataset``."""

    type: Literal["reference"]
    default_dimension: ClassVar[Dimension] = "consistency"
    dataset: str = Field(min_length=1)
    dataset_column: str | None = None

    @property
    def target_column(self) -> str:
        return self.dataset_column or self.column

    def derived_name(self) -> str:
        return f"reference({self.column} -> {self.dataset}.{self.target_column})"


class DistributionCheck(_ColumnCheck):
    type: Literal["distribution"]
    default_dimension: ClassVar[Dimension] = "accuracy"
    default_fail: ClassVar[Threshold | None] = None
    metric: Literal["avg", "min", "max", "stddev", "sum"]

    def derived_name(self) -> str:
        return f"{self.metric}({self.column})"


class SqlMetricCheck(_Check):
    """A custom number: an aggregate ``expression`` (joins the one scan) or a ``query`` returning one
    value (its own query; ``{relation}`` stands for the checked relation). SQL in DuckDB's dialect."""

    type: Literal["sql_metric"]
    default_dimension: ClassVar[Dimension] = "accuracy"
    default_fail: ClassVar[Threshold | None] = None
    expression: str | None = None
    query: str | None = None

    @model_validator(mode="after")
    def _one_form(self) -> SqlMetricCheck:
        if (self.expression is None) == (self.query is None):
            raise ValueError("a sql_metric check needs exactly one of expression or query")
        sql = self.expression if self.expression is not None else self.query
        try:
            tree = sqlglot.parse_one(str(sql).replace("{relation}", "_relation"), read="duckdb")
        except sqlglot.errors.ParseError as e:
            raise ValueError(f"SQL does not parse: {str(e).splitlines()[0]}") from None
        if self.expression is not None and not tree.find(exp.AggFunc):
            raise ValueError("expression must aggregate (e.g. avg(x), count(*) FILTER (WHERE ...))")
        if self.expression is not None and tree.find(exp.Subquery, exp.Select):
            raise ValueError("expression cannot hold a subquery; use query instead")
        return self

    def derived_name(self) -> str:
        return "sql_metric"


Check = Annotated[
    RowCountCheck | MissingCountCheck | MissingPercentCheck | InvalidCountCheck | InvalidPercentCheck
    | DuplicateCountCheck | DuplicatePercentCheck
    | FreshnessCheck | SchemaCheck | ReferenceCheck | DistributionCheck | SqlMetricCheck,
    Field(discriminator="type"),
]
_CHECKS: TypeAdapter[list[Check]] = TypeAdapter(list[Check], config=ConfigDict(title="checks"))


def parse_checks(raw: Sequence[Mapping[str, Any]] | Iterable[Any]) -> list[Check]:
    """Checks from their YAML/JSON form; ``pydantic.ValidationError`` locates each problem."""
    checks = _CHECKS.validate_python(list(raw))
    ensure_unique_names(checks)
    return checks


def ensure_unique_names(checks: Sequence[Check]) -> None:
    seen: set[str] = set()
    for check in checks:
        if check.name in seen:
            raise ValueError(f"two checks are named {check.name!r}: give one a distinct name")
        seen.add(str(check.name))


def duration_hours(text: str) -> float:
    match = _DURATION.fullmatch(text.strip())
    if not text.strip() or not match:
        raise ValueError(f"max_age {text!r} is not a duration such as 36h, 1d, 2d12h or 90m")
    d, h, m, s = (int(g or 0) for g in match.groups())
    return d * 24 + h + m / 60 + s / 3600
