"""A declared LineageProcess: what it reads, what it writes, column by column, who owns it, when it runs.

```yaml
name: users-export
type: export                       # export | ingestion | transformation
owner: data-platform@deltaarc.example
schedule: "0 2 * * *"              # cron, documentation only: Lily does not run the process
inputs:
  - {namespace: "postgres://db.prod:5432", name: shop.public.users}
outputs:
  - pattern: "s3://atlan-tech-challenge/exports/users*"   # glob over namespace/name
columns:
  by_name: true                    # same name, case-insensitively
  masking: [ssn]                   # by-name copies of these columns are masked
  mappings:                        # explicit ones win over by-name
    - {from: email, to: EMAIL_HASH, transformation: DIRECT, subtype: HASH, masking: true}
```
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from croniter import croniter
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from lily.model import AssetRef, TransformationType

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
JOB_NAMESPACE = "lily-processes"  # default namespace of a process's job asset


class DatasetSpec(BaseModel):
    """One dataset by identity (``namespace`` + ``name``), or every dataset a ``pattern`` matches."""

    model_config = ConfigDict(extra="forbid")

    namespace: str | None = Field(default=None, min_length=1)
    name: str | None = None
    pattern: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _one_form(self) -> DatasetSpec:
        if (self.pattern is None) == (self.namespace is None):
            raise ValueError("give either namespace and name, or a pattern")
        if self.namespace is not None and self.name is None:
            raise ValueError("a dataset named by identity needs a name")
        return self

    @property
    def ref(self) -> AssetRef | None:
        return AssetRef(namespace=self.namespace, name=self.name or "") if self.namespace is not None else None

    def label(self) -> str:
        return self.pattern if self.pattern is not None else str(self.ref)


class ColumnMapping(BaseModel):
    """``from`` (a column of an input) feeds ``to`` (a column of an output). With several inputs or
    outputs, ``input``/``output`` pick one by its 0-based position (default: every one)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    source: str = Field(alias="from", min_length=1)
    target: str = Field(alias="to", min_length=1)
    input: int | None = Field(default=None, ge=0)
    output: int | None = Field(default=None, ge=0)
    transformation: TransformationType = TransformationType.DIRECT
    subtype: str | None = Field(default=None, max_length=64)  # IDENTITY, TRANSFORMATION, HASH, AGGREGATION...
    masking: bool = False

    @field_validator("transformation", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value


class ColumnsSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    by_name: bool = False
    masking: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list)
    mappings: list[ColumnMapping] = Field(default_factory=list)


class ProcessSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    type: Literal["export", "ingestion", "transformation"]
    namespace: str = Field(default=JOB_NAMESPACE, min_length=1)  # of the process's job asset
    description: str | None = None
    owner: str | None = Field(default=None, min_length=1, max_length=200)
    schedule: str | None = None
    inputs: list[DatasetSpec] = Field(min_length=1)
    outputs: list[DatasetSpec] = Field(min_length=1)
    columns: ColumnsSpec = Field(default_factory=ColumnsSpec)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not NAME.match(value):
            raise ValueError("a process name is 1-200 letters, digits, '.', '_' or '-', starting with a letter or digit")
        return value

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        if value is not None and not croniter.is_valid(value):
            raise ValueError(f"schedule {value!r} is not a cron expression (e.g. '0 2 * * *')")
        return value

    @field_validator("columns", mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if value == "by_name":
            return {"by_name": True}
        if isinstance(value, list):
            return {"mappings": value}
        return value

    @model_validator(mode="after")
    def _positions(self) -> ProcessSpec:
        for i, m in enumerate(self.columns.mappings):
            if m.input is not None and m.input >= len(self.inputs):
                raise ValueError(f"columns.mappings[{i}].input: there are {len(self.inputs)} inputs")
            if m.output is not None and m.output >= len(self.outputs):
                raise ValueError(f"columns.mappings[{i}].output: there are {len(self.outputs)} outputs")
        return self

    @property
    def job(self) -> AssetRef:
        return AssetRef(namespace=self.namespace, name=self.name)
