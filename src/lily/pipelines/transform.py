"""The record-level transforms as Ibis expressions (portable: DuckDB today, Spark later).

``canonicalize`` turns raw lines into canonical rows plus a reject reason; ``daily_activity``
aggregates silver into gold. Both are pure expression builders over declared input schemas; the
engine module binds the inputs and executes them.
"""

from __future__ import annotations

import json
from datetime import date

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from lily.pipelines.records import ALL_INPUT_NAMES, FIELD_ALIASES

LINES_SCHEMA = ibis.schema({
    "source_file": "string",
    "file_date": "date",
    "default_log_type": "string",
    "ingest_run_id": "string",
    "pre_reason": "string",  # set by the reader for lines it could not even decode
    "line": "string",
})
LINES_TABLE = "bronze_lines"
SILVER_DAY_TABLE = "silver_day"

RAW_FIELDS = dt.Struct(dict.fromkeys(ALL_INPUT_NAMES, dt.string))
# Every input field as text: one JSON parse per line, then typed casts below. Reading numbers as
# text and casting keeps "200" and 200 equivalent and turns junk into a reason instead of an error.
_RAW_SPEC = json.dumps(dict.fromkeys(ALL_INPUT_NAMES, "VARCHAR"))
LOG_TYPES = ("access", "error")


# Builtin UDFs: the engine's own JSON functions. Spark has equivalents (from_json; a valid-JSON
# check via from_json returning null), so the expression stays portable in shape.
@ibis.udf.scalar.builtin(name="json_transform")
def _json_fields(doc: str, structure: str) -> RAW_FIELDS: ...


# TRY(expr): null instead of an error for the rows where expr fails (malformed JSON here). One parse
# per line: validating first (json_valid) cost as much as the transform itself.
@ibis.udf.scalar.builtin(name="try")
def _try_fields(fields: RAW_FIELDS) -> RAW_FIELDS: ...


def lines_table() -> ir.Table:
    return ibis.table(LINES_SCHEMA, name=LINES_TABLE)


def _field(raw: ir.StructValue, canonical: str) -> ir.StringValue:
    values = [raw[name] for name in FIELD_ALIASES[canonical]]
    return ibis.coalesce(*values) if len(values) > 1 else values[0]


def canonicalize(lines: ir.Table, process_date: date, span: int) -> ir.Table:
    """Rows owned by ``process_date`` (see ``routing``) with silver columns and a ``reason``
    (null for rows that go to silver) and the raw ``record``."""
    # Blank and whitespace-only lines are not records. Nearly every line starts with "{": testing
    # that first spares the engine trimming (copying) every line.
    line = lines.line
    stripped = lines.filter(line.isnull() | line.startswith("{") | (line.strip() != ""))
    line = stripped.line
    candidate = stripped.pre_reason.isnull() & (line.startswith("{") | line.lstrip().startswith("{"))
    raw = ibis.ifelse(candidate, _try_fields(_json_fields(line, _RAW_SPEC)), ibis.null(RAW_FIELDS))
    t = stripped.mutate(_raw=raw)
    t = t.mutate(_valid=t._raw.notnull())

    r = t._raw
    raw_time = _field(r, "event_time")
    raw_status = _field(r, "status")
    raw_latency = _field(r, "latency_ms")
    t = t.mutate(
        _raw_time=raw_time,
        _raw_status=raw_status,
        _raw_latency=raw_latency,
        event_time=raw_time.try_cast(dt.Timestamp(timezone="UTC", scale=6)),
        log_type=ibis.coalesce(_field(r, "log_type").lower(), t.default_log_type),
        service=_field(r, "service"),
        host=_field(r, "host"),
        method=_field(r, "method").upper(),
        path=_field(r, "path"),
        status=raw_status.try_cast("int32"),
        latency_ms=raw_latency.try_cast("float64"),
        user_id=_field(r, "user_id"),
        client_ip=_field(r, "client_ip"),
        level=_field(r, "level").upper(),
        message=_field(r, "message"),
    )
    t = t.mutate(event_date=t.event_time.date())
    in_window = t.event_date.notnull() & (t.event_date >= t.file_date) & (
        t.event_date.delta(t.file_date, unit="day") <= span
    )
    owner = ibis.ifelse(in_window, t.event_date, t.file_date)
    t = t.filter(owner == ibis.date(process_date)).mutate(_in_window=in_window)

    access = t.log_type == "access"
    reason = ibis.cases(
        (t.pre_reason.notnull(), t.pre_reason),
        (~t._valid, "invalid_json: not a JSON object"),
        (t._raw_time.isnull(), "missing_event_time"),
        (t.event_time.isnull(), "invalid_event_time"),
        (~t._in_window, "event_date_outside_file_window"),
        (~t.log_type.isin(LOG_TYPES), "invalid_log_type"),
        (t.service.isnull() | (t.service.strip() == ""), "missing_service"),
        (access & t.method.isnull(), "missing_method"),
        (access & t.path.isnull(), "missing_path"),
        (access & t._raw_status.isnull(), "missing_status"),
        (t._raw_status.notnull() & (t.status.isnull() | (t.status < 100) | (t.status > 599)), "invalid_status"),
        (t._raw_latency.notnull() & (t.latency_ms.isnull() | (t.latency_ms < 0)), "invalid_latency_ms"),
        ((t.log_type == "error") & t.message.isnull(), "missing_message"),
        else_=ibis.null("string"),
    )
    return t.select(
        "event_time", "event_date", "log_type", "service", "host", "method", "path", "status",
        "latency_ms", "user_id", "client_ip", "level", "message", "source_file", "ingest_run_id",
        reason=reason,
        # the raw text only where it is needed: copying every line out of the engine costs as
        # much as parsing it
        record=ibis.ifelse(reason.notnull(), t.line, ibis.null("string")),
    )


def silver_day_table() -> ir.Table:
    from lily.pipelines.schema import SILVER_SCHEMA

    return ibis.table(ibis.Schema.from_pyarrow(SILVER_SCHEMA), name=SILVER_DAY_TABLE)


def daily_activity(silver: ir.Table, process_date: date) -> ir.Table:
    """Gold ``daily_activity`` for one day: day x service x endpoint x status class."""
    day = silver.filter(silver.event_date == ibis.date(process_date))
    status_class = ibis.ifelse(day.status.isnull(), "none", (day.status // 100).cast("string") + "xx")
    is_error = ((day.log_type == "error") | (day.status >= 500).fill_null(False))
    day = day.mutate(endpoint=day.path.fill_null("(none)"), status_class=status_class, _is_error=is_error)
    grouped = day.group_by(["event_date", "service", "endpoint", "status_class"]).aggregate(
        requests=day.count(where=day.log_type == "access"),
        errors=day.count(where=day._is_error),
        # exact quantiles (not approx_*): approximate sketches may differ between runs/threads
        p50_latency_ms=day.latency_ms.quantile(0.5),
        p95_latency_ms=day.latency_ms.quantile(0.95),
        unique_users=day.user_id.nunique(),
    )
    grouped = grouped.mutate(
        error_rate=ibis.ifelse(grouped.requests > 0, grouped.errors / grouped.requests, ibis.null("float64"))
    )
    return grouped.select(
        "event_date", "service", "endpoint", "status_class", "requests", "errors", "error_rate",
        "p50_latency_ms", "p95_latency_ms", "unique_users",
    ).order_by(["service", "endpoint", "status_class"])
