"""The pipeline file, as pydantic models: one YAML file declares one pipeline.

Structure only; cross-references (key columns in the schema, SQL relations, feature columns) are
checked by ``validate``, which also maps every error back to a line of the file.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from lily.medallion.types import ColumnType, parse_type
from lily.quality import Check

NAME = r"^[a-z][a-z0-9_]*$"  # datasets, gold tables and feature sets become SQL relation names


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ColumnDecl(_Strict):
    type: str
    nullable: bool = True
    format: str | None = None  # strptime format for date/timestamp text, e.g. "%d/%m/%Y"
    description: str = ""

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        return parse_type(value).name

    @property
    def column_type(self) -> ColumnType:
        return parse_type(self.type)

    @model_validator(mode="after")
    def _format_for_temporal_only(self) -> ColumnDecl:
        if self.format is not None and not self.column_type.is_temporal:
            raise ValueError("format applies to date and timestamp columns only")
        return self


def _shorthand(value: Any) -> Any:
    # `email: string` is `email: {type: string}`
    return {"type": value} if isinstance(value, str) else value


class FileSource(_Strict):
    """CSV, NDJSON or Parquet files, read in place (never moved or deleted). ``path`` is relative
    to the lake root unless absolute — ``sources/<system>/...`` by convention: the log pipeline's
    ingest moves every file it finds under ``raw/`` — ``{date}`` is replaced by the process date
    (YYYY-MM-DD), and glob patterns are allowed (files are read in name order)."""

    kind: Literal["files"]
    format: Literal["csv", "ndjson", "parquet"]
    path: str = Field(min_length=1)
    delimiter: str = Field(",", min_length=1, max_length=1)
    required: bool = True  # no matching file: the run fails (else: an empty ingest)


class PostgresSource(_Strict):
    """A table or a query on PostgreSQL. The connection URL (with its password) is read from the
    environment variable ``url_env`` when the pipeline runs, never written in the file. A query may
    use ``%(process_date)s``."""

    kind: Literal["postgres"]
    url_env: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    table: str | None = Field(None, pattern=r"^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*){0,2}$")
    query: str | None = None
    connect_timeout_s: int = Field(10, ge=1, le=300)

    @model_validator(mode="after")
    def _table_or_query(self) -> PostgresSource:
        if (self.table is None) == (self.query is None):
            raise ValueError("give exactly one of table or query")
        return self


Source = Annotated[FileSource | PostgresSource, Field(discriminator="kind")]

Operator = Literal["replace", "redact", "mask", "hash", "encrypt", "scrub", "keep"]


class OperatorDecl(_Strict):
    """How one column (or every column detected as one entity) is anonymized in silver.

    ``scrub`` replaces entity spans inside free text (``entities``: which ones, default all);
    ``keep`` leaves a detected column as it is, on purpose (recorded in the run)."""

    operator: Operator
    placeholder: str | None = None
    keep_last: int = Field(4, ge=0, le=64)
    mask_char: str = Field("*", min_length=1, max_length=1)
    deterministic: bool = False  # encrypt: same value, same ciphertext (joinable)
    entities: list[str] | None = None  # scrub only

    @model_validator(mode="after")
    def _entities_for_scrub_only(self) -> OperatorDecl:
        if self.entities is not None and self.operator != "scrub":
            raise ValueError("entities applies to the scrub operator only")
        return self


class PiiPolicy(_Strict):
    columns: dict[str, OperatorDecl] = Field(default_factory=dict)
    entities: dict[str, OperatorDecl] = Field(default_factory=dict)
    detect: bool = True
    sample: int = Field(1000, ge=10, le=1_000_000)
    threshold: float = Field(0.5, gt=0, le=1)


class DatasetChecks(_Strict):
    bronze: list[Check] = Field(default_factory=list)  # on the rows as ingested (before dedup)
    silver: list[Check] = Field(default_factory=list)  # on the partition about to be published


class DatasetSpec(_Strict):
    description: str = ""
    source: Source
    primary_key: list[str] = Field(min_length=1)
    ordering: str | None = None  # latest row per key wins; ties are broken by content
    columns: dict[str, ColumnDecl] = Field(alias="schema", min_length=1)
    unknown_columns: Literal["fail", "drop"] = "fail"
    pii: PiiPolicy = Field(default_factory=PiiPolicy)
    checks: DatasetChecks = Field(default_factory=DatasetChecks)

    @field_validator("primary_key", mode="before")
    @classmethod
    def _key_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("columns", mode="before")
    @classmethod
    def _column_shorthand(cls, value: Any) -> Any:
        return {k: _shorthand(v) for k, v in value.items()} if isinstance(value, dict) else value


class GoldSpec(_Strict):
    """SQL over ``silver.<dataset>`` and earlier ``gold.<name>`` relations, one process date at a
    time (each relation holds that date's partition only)."""

    description: str = ""
    sql: str = Field(min_length=1)
    checks: list[Check] = Field(default_factory=list)


class FeatureDecl(_Strict):
    column: str
    transform: Literal["standard", "min_max", "one_hot", "ordinal", "passthrough"]


class SplitSpec(_Strict):
    train: float = Field(0.8, gt=0, le=1)
    validation: float = Field(0.1, ge=0, lt=1)
    test: float = Field(0.1, ge=0, lt=1)
    salt: str = Field(min_length=1)  # keys the hash: another salt, another (stable) split

    @model_validator(mode="after")
    def _sums_to_one(self) -> SplitSpec:
        if abs(self.train + self.validation + self.test - 1.0) > 1e-9:
            raise ValueError("train + validation + test must be 1")
        return self


class MlSpec(_Strict):
    description: str = ""
    source: str = Field(pattern=r"^(silver|gold)\.[a-z_][a-z0-9_]*$")
    key: list[str] = Field(min_length=1)
    features: list[FeatureDecl] = Field(min_length=1)
    label: str | None = None
    split: SplitSpec

    @field_validator("key", mode="before")
    @classmethod
    def _key_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class Retention(_Strict):
    """Days each layer's partitions are kept, counted back from the process date."""

    bronze: int = Field(90, ge=1)
    silver: int = Field(365, ge=1)
    gold: int = Field(730, ge=1)
    ml: int = Field(365, ge=1)


class PipelineSpec(_Strict):
    pipeline: str = Field(pattern=r"^[a-z][a-z0-9_-]*$", max_length=64)
    description: str = ""
    source_system: str | None = None  # bronze's source_system (default: the pipeline name)
    schema_version: str = "1"
    owners: list[str] = Field(default_factory=list)
    datasets: dict[Annotated[str, Field(pattern=NAME)], DatasetSpec] = Field(min_length=1)
    gold: dict[Annotated[str, Field(pattern=NAME)], GoldSpec] = Field(default_factory=dict)
    ml: dict[Annotated[str, Field(pattern=NAME)], MlSpec] = Field(default_factory=dict)
    retention: Retention = Field(default_factory=Retention)
    # Cron (UTC) of its scheduled runs inside `lily serve`; a fire processes the day before it.
    # Absent: LILY_PIPELINE_SCHEDULE when set; "off": never scheduled (API and CLI runs only).
    schedule: str | None = None

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        from croniter import croniter

        if value is not None and value != "off" and not croniter.is_valid(value):
            raise ValueError(f"not a cron expression (minute hour day month weekday) or 'off': {value!r}")
        return value

    @property
    def system(self) -> str:
        return self.source_system or self.pipeline
