"""The record-level transforms as Ibis expressions (portable: DuckDB today, Spark later).

``canonicalize`` turns raw lines and JSON records into canonical rows plus a reject reason;
``daily_activity`` aggregates silver into gold. Both are pure expression builders over declared
input schemas; the engine module binds the inputs and executes them.
"""

from __future__ import annotations

import json
from datetime import date

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from lily.pipelines.records import ALL_INPUT_NAMES, FIELD_ALIASES

# ``file_no`` numbers the run's input files; the caller knows their names and ingest run ids and
# attaches them to the output (text repeated on every row cost as much to carry as a data column).
LINES_SCHEMA = ibis.schema({
    "file_no": "int32",
    "file_date": "date",
    "default_log_type": "string",
    "pre_reason": "string",  # set by the reader for lines it could not even decode
    "line": "string",
})
LINES_TABLE = "bronze_lines"

RAW_FIELDS = dt.Struct(dict.fromkeys(ALL_INPUT_NAMES, dt.string))
# Every input field as text: one JSON parse per line, then typed casts below. Reading numbers as
# text and casting keeps "200" and 200 equivalent and turns junk into a reason instead of an error.
_RAW_SPEC = json.dumps(dict.fromkeys(ALL_INPUT_NAMES, "VARCHAR"))

# Records of files the engine's JSON reader parsed itself (the fast path): the same text fields,
# already extracted from each non-blank line, in file order.
RECORDS_SCHEMA = ibis.schema({
    "file_no": "int32",
    "file_date": "date",
    "default_log_type": "string",
    "fields": RAW_FIELDS,
})
RECORDS_TABLE = "bronze_records"
SILVER_DAY_TABLE = "silver_day"

LOG_TYPES = ("access", "error")
NOT_AN_OBJECT = "invalid_json: not a JSON object"
MISSING_EVENT_TIME = "missing_event_time"

# What the JSON reader skips around a record (the same set as Python's bytes.strip): a line of
# only these is blank, not a record, and a line is parsed without them, so that reading a file by
# records or by lines agrees on what its records are.
JSON_BLANKS = " \t\n\r\x0b\x0c"
# Only blanks (or empty), as a regular expression: trimming with a character set copies the text
# and looks every character up in the set, and the test runs on every row.
BLANK_PATTERN = "[" + "".join(f"\\x{ord(c):02x}" for c in JSON_BLANKS) + "]*"
_UTC = dt.Timestamp(timezone="UTC", scale=6)


# Builtin UDFs: the engine's own functions. Spark has equivalents (from_json, try_*, timestamp
# functions, rlike), so the expressions stay portable in shape.
@ibis.udf.scalar.builtin(name="json_transform")
def _json_fields(doc: str, structure: str) -> RAW_FIELDS: ...


# TRY(expr): null instead of an error for the rows where expr fails (malformed JSON here). One parse
# per line: validating first (json_valid) cost as much as the transform itself.
@ibis.udf.scalar.builtin(name="try")
def _try_fields(fields: RAW_FIELDS) -> RAW_FIELDS: ...


@ibis.udf.scalar.builtin(name="trim")
def _trim(text: str, chars: str) -> str: ...


@ibis.udf.scalar.builtin(name="regexp_full_match")
def _full_match(text: str, pattern: str) -> bool: ...


@ibis.udf.scalar.builtin(name="isfinite")
def _is_finite(moment: _UTC) -> bool: ...


@ibis.udf.scalar.builtin(name="epoch_us")
def _epoch_us(moment: _UTC) -> int: ...


@ibis.udf.scalar.builtin(name="make_timestamp")
def _utc_wall_time(epoch_us: int) -> dt.Timestamp(scale=6): ...


def _is_blank(text: ir.StringValue) -> ir.BooleanValue:
    return _full_match(text, BLANK_PATTERN)


def _parse_time(text: ir.StringValue) -> ir.TimestampValue:
    # "infinity" parses but is no time (and has no date): invalid, like any other unparsable value.
    moment = text.try_cast(_UTC)
    return ibis.ifelse(_is_finite(moment), moment, ibis.null(_UTC))


def _utc_date(moment: ir.TimestampValue) -> ir.DateValue:
    # The UTC date by arithmetic on the instant: a cast of the zoned timestamp to DATE goes through
    # the engine's time zone library, which cost as much as parsing the timestamp in the first place.
    return _utc_wall_time(_epoch_us(moment)).date()


def lines_table() -> ir.Table:
    return ibis.table(LINES_SCHEMA, name=LINES_TABLE)


def records_table() -> ir.Table:
    return ibis.table(RECORDS_SCHEMA, name=RECORDS_TABLE)


def _field(raw: ir.StructValue, canonical: str) -> ir.StringValue:
    values = [raw[name] for name in FIELD_ALIASES[canonical]]
    return ibis.coalesce(*values) if len(values) > 1 else values[0]


_PARSED = ("file_no", "file_date", "default_log_type", "pre_reason", "line", "_from_records", "_raw")


def _parse_lines(lines: ir.Table) -> ir.Table:
    """Raw lines -> one row per record with its fields (null for a line that is not a JSON object)."""
    # Blank lines are not records (an empty line reads as null). Nearly every line starts with "{",
    # which is tested first.
    line = lines.line
    kept = lines.filter(line.notnull() & (line.startswith("{") | ~_is_blank(line)))
    line = kept.line
    # Whitespace around the object is allowed (as the JSON reader allows it); only lines that do not
    # look like a bare object pay for the trim.
    text = ibis.ifelse(line.startswith("{") & line.endswith("}"), line, _trim(line, JSON_BLANKS))
    candidate = kept.pre_reason.isnull() & text.startswith("{")
    raw = ibis.ifelse(candidate, _try_fields(_json_fields(text, _RAW_SPEC)), ibis.null(RAW_FIELDS))
    return kept.mutate(_from_records=False, _raw=raw).select(*_PARSED)


def _parse_records(records: ir.Table) -> ir.Table:
    return records.mutate(pre_reason=ibis.null("string"), line=ibis.null("string"), _from_records=True,
                          _raw=records.fields).select(*_PARSED)


def canonicalize(lines: ir.Table, records: ir.Table, process_date: date, span: int) -> ir.Table:
    """Canonical rows with silver columns (but ``file_no`` for ``source_file`` and
    ``ingest_run_id``), ``owned`` (the row belongs to ``process_date``, see ``routing``), a
    ``reason`` (null for owned rows that go to silver) and the raw ``record`` of rejected lines.

    Rows of ``lines`` come only when owned. Every row of ``records`` comes, owned or not, in file
    order (files one after another): a record's position in that output is its position among the
    file's non-blank lines, which is how the caller finds the raw text of a rejected one without
    carrying every line's text (or numbering rows, which the engine can only do on one thread).
    """
    t = _parse_lines(lines).union(_parse_records(records))
    t = t.mutate(_valid=t._raw.notnull())

    r = t._raw
    raw_time = _field(r, "event_time")
    raw_status = _field(r, "status")
    raw_latency = _field(r, "latency_ms")
    t = t.mutate(
        _raw_time=raw_time,
        _raw_status=raw_status,
        _raw_latency=raw_latency,
        event_time=_parse_time(raw_time),
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
    t = t.mutate(event_date=_utc_date(t.event_time))
    in_window = t.event_date.notnull() & (t.event_date >= t.file_date) & (
        t.event_date.delta(t.file_date, unit="day") <= span
    )
    owned = ibis.ifelse(in_window, t.event_date, t.file_date) == ibis.date(process_date)
    t = t.filter(owned | t._from_records).mutate(_in_window=in_window, _owned=owned)

    access = t.log_type == "access"
    reason = ibis.cases(
        (~t._owned, ibis.null("string")),  # another day's row: that run judges it
        (t.pre_reason.notnull(), t.pre_reason),
        (~t._valid, NOT_AN_OBJECT),
        (t._raw_time.isnull(), MISSING_EVENT_TIME),
        (t.event_time.isnull(), "invalid_event_time"),
        (~t._in_window, "event_date_outside_file_window"),
        (~t.log_type.isin(LOG_TYPES), "invalid_log_type"),
        (t.service.isnull() | _is_blank(t.service), "missing_service"),
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
        "latency_ms", "user_id", "client_ip", "level", "message", "file_no",
        reason=reason,
        # the raw text only where it is needed: copying every line out of the engine costs as
        # much as parsing it
        record=ibis.ifelse(reason.notnull(), t.line, ibis.null("string")),
        owned=t._owned,
    )


def record_reason(reason: str, text: str) -> str:
    """The reason for a record read by the JSON reader, once its raw text is known.

    The reader takes a ``null`` line for a record without fields, which ``canonicalize`` rejects
    for its missing time; read as a line it is not a JSON object. The text tells them apart (a
    record without fields from ``{}`` is rightly missing its time).
    """
    if reason == MISSING_EVENT_TIME and not text.strip(JSON_BLANKS).startswith("{"):
        return NOT_AN_OBJECT
    return reason


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
