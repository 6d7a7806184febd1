"""The lake's datasets and the lineage between them, as data (pure, static).

Catalog events and OpenLineage facets are both rendered from these descriptions, so the catalog
and the lineage events can never disagree about a column or an edge.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

from lily.pipelines.formats import LogFormat
from lily.pipelines.lake import GOLD_TABLE, REJECTED_DQ_TABLE, SILVER_TABLE
from lily.pipelines.records import ALL_INPUT_NAMES, FIELD_ALIASES
from lily.pipelines.schema import (
    GOLD_COLUMNS,
    GOLD_LINEAGE,
    GOLD_PARTITIONS,
    REJECT_COLUMNS,
    REJECT_PARTITIONS,
    SILVER_COLUMNS,
    SILVER_PARTITIONS,
)

Columns = list[tuple[str, pa.DataType, str]]


@dataclass(frozen=True)
class ColumnInput:
    dataset: str  # dataset name within the lake namespace (or within ``namespace``)
    field: str
    subtype: str  # IDENTITY | TRANSFORMATION | AGGREGATION (OpenLineage transformation subtypes)
    masking: bool = False  # the output no longer carries this input's values (anonymized)
    namespace: str | None = None  # the input's namespace when it is not the lake's


@dataclass(frozen=True)
class Dataset:
    name: str  # relative to the lake root, e.g. "silver/logs"
    format: str  # "delta" or a bronze file format
    description: str
    columns: Columns = field(default_factory=list)
    partitions: list[str] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)  # upstream dataset names
    column_inputs: dict[str, list[ColumnInput]] = field(default_factory=dict)


def bronze(fmt: LogFormat | str) -> Dataset:
    value = LogFormat(fmt).value
    # Bronze files are schemaless; their "columns" are the input field names normalize accepts,
    # which is what silver's column lineage points at.
    fields: Columns = [(name, pa.string(), "input field") for name in ALL_INPUT_NAMES]
    return Dataset(f"bronze/{value}", value, f"Validated {value} log files routed by event date",
                   fields, partitions=["event_date"], inputs=["raw"])


RAW = Dataset("raw", "files", "Landing zone for log files (immutable)")


def silver(formats: list[str]) -> Dataset:
    # silver column <- every accepted alias of it in each bronze format read
    inputs: dict[str, list[ColumnInput]] = {}
    for column, *_ in SILVER_COLUMNS:
        canonical = "event_time" if column == "event_date" else column
        subtype = "TRANSFORMATION" if column in {"event_time", "event_date", "method", "level", "status",
                                                   "latency_ms", "log_type"} else "IDENTITY"
        aliases = FIELD_ALIASES.get(canonical, ())
        inputs[column] = [ColumnInput(f"bronze/{fmt}", alias, subtype) for fmt in formats for alias in aliases]
    return Dataset(SILVER_TABLE, "delta", "Canonical access and error log records",
                   SILVER_COLUMNS, SILVER_PARTITIONS, [f"bronze/{f}" for f in formats],
                   {k: v for k, v in inputs.items() if v})


def rejected(formats: list[str]) -> Dataset:
    return Dataset(REJECTED_DQ_TABLE, "delta", "Rows refused by normalize, with the reason per row",
                   REJECT_COLUMNS, REJECT_PARTITIONS, [f"bronze/{f}" for f in formats])


def gold() -> Dataset:
    inputs = {col: [ColumnInput(SILVER_TABLE, src, subtype) for src in sources]
              for col, (sources, subtype) in GOLD_LINEAGE.items()}
    return Dataset(GOLD_TABLE, "delta", "Daily activity per service, endpoint and status class",
                   GOLD_COLUMNS, GOLD_PARTITIONS, [SILVER_TABLE], inputs)
