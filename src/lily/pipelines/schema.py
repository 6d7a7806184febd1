"""Schemas of the lake's tables and the column lineage between them (single source of truth:
Delta writes, the catalog's ``ColumnSpec``s and OpenLineage ``schema``/``columnLineage`` facets all
derive from these tables)."""

from __future__ import annotations

import pyarrow as pa

from lily.model import ColumnSpec

UTC_TS = pa.timestamp("us", tz="UTC")

# name, arrow type, description
SILVER_COLUMNS: list[tuple[str, pa.DataType, str]] = [
    ("event_time", UTC_TS, "When the event happened, UTC"),
    ("event_date", pa.date32(), "UTC date of event_time (partition)"),
    ("log_type", pa.string(), "access | error (partition)"),
    ("service", pa.string(), "Emitting service"),
    ("host", pa.string(), "Emitting host"),
    ("method", pa.string(), "HTTP method, upper case"),
    ("path", pa.string(), "Request path"),
    ("status", pa.int32(), "HTTP status code"),
    ("latency_ms", pa.float64(), "Request latency in milliseconds"),
    ("user_id", pa.string(), "Authenticated user"),
    ("client_ip", pa.string(), "Client IP address"),
    ("level", pa.string(), "Log level, upper case"),
    ("message", pa.string(), "Error message"),
    ("source_file", pa.string(), "Bronze file the record came from, relative to the lake root"),
    ("ingest_run_id", pa.string(), "Run that ingested the source file"),
]
SILVER_PARTITIONS = ["log_type", "event_date"]

REJECT_COLUMNS: list[tuple[str, pa.DataType, str]] = [
    ("process_date", pa.date32(), "Run (process_date) that rejected the row (partition)"),
    ("source_file", pa.string(), "Bronze file the row came from"),
    ("reason", pa.string(), "Why the row was rejected"),
    ("record", pa.string(), "The raw record as read"),
    ("event_time", UTC_TS, "Event time when it could be parsed"),
    ("ingest_run_id", pa.string(), "Run that ingested the source file"),
]
REJECT_PARTITIONS = ["process_date"]

GOLD_COLUMNS: list[tuple[str, pa.DataType, str]] = [
    ("event_date", pa.date32(), "Day (partition)"),
    ("service", pa.string(), "Service"),
    ("endpoint", pa.string(), "Request path, '(none)' for records without one"),
    ("status_class", pa.string(), "1xx..5xx, or 'none' without a status"),
    ("requests", pa.int64(), "Access records"),
    ("errors", pa.int64(), "Access records with status >= 500 plus error-log records"),
    ("error_rate", pa.float64(), "errors / requests (null without requests)"),
    ("p50_latency_ms", pa.float64(), "Median latency (exact)"),
    ("p95_latency_ms", pa.float64(), "95th percentile latency (exact, interpolated)"),
    ("unique_users", pa.int64(), "Distinct user_id"),
]
GOLD_PARTITIONS = ["event_date"]

# gold column -> silver columns it is computed from (and whether it is a plain copy)
GOLD_LINEAGE: dict[str, tuple[list[str], str]] = {
    "event_date": (["event_date"], "IDENTITY"),
    "service": (["service"], "IDENTITY"),
    "endpoint": (["path"], "IDENTITY"),
    "status_class": (["status"], "TRANSFORMATION"),
    "requests": (["log_type"], "AGGREGATION"),
    "errors": (["log_type", "status"], "AGGREGATION"),
    "error_rate": (["log_type", "status"], "AGGREGATION"),
    "p50_latency_ms": (["latency_ms"], "AGGREGATION"),
    "p95_latency_ms": (["latency_ms"], "AGGREGATION"),
    "unique_users": (["user_id"], "AGGREGATION"),
}


def arrow_schema(columns: list[tuple[str, pa.DataType, str]]) -> pa.Schema:
    return pa.schema([pa.field(name, typ) for name, typ, _ in columns])


SILVER_SCHEMA = arrow_schema(SILVER_COLUMNS)
REJECT_SCHEMA = arrow_schema(REJECT_COLUMNS)
GOLD_SCHEMA = arrow_schema(GOLD_COLUMNS)


def column_specs(columns: list[tuple[str, pa.DataType, str]]) -> list[ColumnSpec]:
    return [ColumnSpec(name=name, data_type=str(typ), description=desc, ordinal=i)
            for i, (name, typ, desc) in enumerate(columns, start=1)]
