"""NDJSON read by the engine's JSON reader (fast path) gives exactly what reading it line by line
gives: same silver rows, same rejects (raw text and reason), same counts, whatever the file holds."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lily.pipelines import engine
from lily.pipelines import normalize as normalize_mod
from lily.pipelines.delta import read_partition
from lily.pipelines.formats import LogFormat
from lily.pipelines.ingest import meta_key
from lily.pipelines.lake import Lake
from lily.pipelines.normalize import NormalizeResult, normalize

from .conftest import access, rows

D = date(2024, 2, 10)
DAY_START = datetime(2024, 2, 10, tzinfo=UTC)


def _bronze(lake: Lake, day: date, name: str, data: bytes, fmt: LogFormat = LogFormat.NDJSON) -> str:
    """A file as ingest leaves it in bronze (ingest's own checks are not what is tested here)."""
    key = f"{lake.bronze_partition(fmt.value, day)}/{name}"
    lake.storage.write_bytes(meta_key(key), json.dumps({"ingest_run_id": f"ingest-{name}"}).encode())
    lake.storage.write_bytes(key, gzip.compress(data, mtime=0) if fmt is LogFormat.JSON_GZIP else data)
    return key


Outcome = tuple[dict[str, Any], list[str], list[str]]


def _outcome(lake: Lake, day: date, result: NormalizeResult) -> Outcome:
    summary = asdict(result)
    summary["files_rejected"] = sorted(str(f) for f in result.files_rejected)
    return (summary, rows(read_partition(lake.silver, "event_date", day)),
            rows(read_partition(lake.rejected_dq, "process_date", day)))


def _both_paths(lake: Lake, days: list[date]) -> tuple[list[Outcome], list[Outcome]]:
    fast = [_outcome(lake, day, normalize(lake, day, threads=1)) for day in days]
    lines = [_outcome(lake, day, normalize(lake, day, threads=1, read_records=False)) for day in days]
    return fast, lines


@pytest.fixture
def lake(tmp_path: Path) -> Lake:
    """A directory lake: these tests are about the engine's readers, and tiny batches make hundreds of
    data files, slow to PUT one by one to a test S3 server. One of them runs on S3 as well, for the
    staged (downloaded) reads: ``test_a_file_the_json_reader_refuses...``."""
    return Lake(tmp_path / "lake")


@pytest.fixture
def bound(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The files bound to the JSON reader, per attempt."""
    calls: list[list[str]] = []
    real = engine.bind_records

    def spy(con: Any, sources: list[engine.LineSource]) -> None:
        calls.append([Path(s.path).name for s in sources])
        real(con, sources)

    monkeypatch.setattr(normalize_mod.engine, "bind_records", spy)
    return calls


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stream in batches of a few rows so that files span many batches."""
    real = engine.stream

    def stream(con: Any, expr: Any, batch_rows: int = engine.BATCH_ROWS) -> Iterator[pa.RecordBatch]:
        return real(con, expr, batch_rows=7)

    monkeypatch.setattr(normalize_mod.engine, "stream", stream)


def _line(record: dict[str, Any]) -> str:
    return json.dumps(record)


def test_clean_files_are_read_by_the_json_reader_and_rejected_records_keep_their_raw_text(
        lake: Lake, bound: list[list[str]], small_batches: None) -> None:
    good = [access((DAY_START + timedelta(minutes=i)).isoformat(), user_id=f"u{i}") for i in range(30)]
    odd = [
        '  {"ts": "nope", "service": "s", "method": "GET", "path": "/", "status": 200}',  # leading blanks kept
        '{"status": 200, "ts": "2024-02-10T01:00:00Z", "method": "GET", "path": "/x", "service": "\\t "}',
        '{"ts": "2024-02-10T02:00:00Z", "service": "s", "method": "GET", "path": "/", "status": "2xx"}\t',
    ]
    text = "\n".join([_line(r) for r in good[:10]] + ["", "   ", odd[0]] + [_line(r) for r in good[10:20]]
                     + [odd[1], "\x0c", odd[2]] + [_line(r) for r in good[20:]]) + "\n"
    _bronze(lake, D, "a.ndjson", text.encode())
    _bronze(lake, D, "b.ndjson", text.replace("\n", "\r\n").encode())  # CRLF: same records, same texts
    _bronze(lake, D, "c.json.gz", text.encode(), LogFormat.JSON_GZIP)

    result = normalize(lake, D, threads=1)

    assert bound == [["a.ndjson", "b.ndjson", "c.json.gz"]]  # one attempt, all on the fast path
    assert (result.records_in, result.records_out, result.records_rejected) == (99, 90, 9)
    assert result.reject_reasons == {"invalid_event_time": 3, "invalid_status": 3, "missing_service": 3}
    rejects = read_partition(lake.rejected_dq, "process_date", D)
    assert rejects is not None
    assert sorted(zip(rejects.column("record").to_pylist(), rejects.column("reason").to_pylist(), strict=True)) \
        == sorted([(odd[0], "invalid_event_time"), (odd[1], "missing_service"), (odd[2], "invalid_status")] * 3)
    assert _both_paths(lake, [D])[0] == _both_paths(lake, [D])[1]


def test_a_file_the_json_reader_refuses_goes_line_by_line_and_the_others_stay_fast(
        any_lake: Lake, bound: list[list[str]], small_batches: None) -> None:
    lake = any_lake
    good = [_line(access((DAY_START + timedelta(minutes=i)).isoformat())) for i in range(40)]
    _bronze(lake, D, "clean.ndjson", ("\n".join(good) + "\n").encode())
    # the bad lines come late, after the first batches have been streamed
    bad = [*good[:35], "{not json", "[1, 2]", '{"ts": "2024-02-10T03:00:00Z", "ts": "dup"}', *good[35:]]
    _bronze(lake, D, "bad.ndjson", ("\n".join(bad) + "\n").encode())

    result = normalize(lake, D, threads=1)

    assert bound == [["bad.ndjson", "clean.ndjson"], ["clean.ndjson"]]
    assert (result.records_in, result.records_out, result.records_rejected) == (83, 80, 3)
    assert result.reject_reasons == {"invalid_json: not a JSON object": 2, "missing_service": 1}
    rejects = read_partition(lake.rejected_dq, "process_date", D)
    assert rejects is not None and sorted(rejects.column("record").to_pylist()) == sorted(bad[35:38])
    fast, lines = _both_paths(lake, [D])
    assert fast == lines


def test_an_engine_error_in_the_middle_of_the_stream_falls_back_instead_of_failing_the_run(
        lake: Lake, small_batches: None) -> None:
    good = _line(access("2024-02-10T10:00:00Z"))
    # neither the JSON reader nor the line reader gets past this line, thousands of rows in
    _bronze(lake, D, "a.ndjson", f"{good}\n".encode() * 5000 + b'{"ts": "\xff"}\n')
    fast, lines = _both_paths(lake, [D])
    assert fast == lines
    summary = fast[0][0]
    assert (summary["records_in"], summary["records_out"]) == (5001, 5000)
    assert summary["reject_reasons"] == {"invalid_utf8: invalid start byte": 1}


def test_blank_lines_are_not_records_on_either_path(lake: Lake) -> None:
    record = _line(access("2024-02-10T10:00:00Z"))
    _bronze(lake, D, "a.ndjson", f"{record}\n\n{record}\n \t\n\x0b\n{record}".encode())
    fast, lines = _both_paths(lake, [D])
    assert fast == lines
    assert fast[0][0]["records_in"] == 3 and fast[0][0]["records_rejected"] == 0


def test_infinite_times_are_invalid_times_not_a_failed_run(lake: Lake) -> None:
    records = [access("2024-02-10T10:00:00Z"), access("infinity"), access("-infinity")]
    _bronze(lake, D, "a.ndjson", ("\n".join(_line(r) for r in records) + "\n").encode())
    fast, lines = _both_paths(lake, [D])
    assert fast == lines
    assert fast[0][0]["records_out"] == 1 and fast[0][0]["reject_reasons"] == {"invalid_event_time": 2}


# -- property: any mix of records and odd lines, in two bronze days, plain or gzip --------------

_TIMES = st.one_of(
    st.integers(-30 * 3600, 60 * 3600).map(lambda s: (DAY_START + timedelta(seconds=s)).isoformat()),
    st.integers(-30 * 3600, 60 * 3600).map(lambda s: (DAY_START + timedelta(seconds=s)).strftime("%Y-%m-%dT%H:%M:%SZ")),
    st.sampled_from(["nope", "", "2024-02-10", "2024-02-10 05:00:00", "2024-02-10T05:00:00+02:00", "infinity"]),
    st.integers(0, 2_000_000_000),
)
_TEXT = st.text(st.sampled_from("ab-é \t\"\\/\x00\u2028"), max_size=6)
_VALUES = st.one_of(st.none(), _TEXT, st.integers(-5, 700), st.floats(-10, 1e6, allow_nan=False), st.booleans(),
                    st.just({"nested": [1, "x"]}))


@st.composite
def _records(draw: st.DrawFn) -> dict[str, Any]:
    record: dict[str, Any] = {}
    if draw(st.integers(0, 9)):  # mostly with a time, under any of its names
        record[draw(st.sampled_from(["ts", "timestamp", "time", "@timestamp", "event_time"]))] = draw(_TIMES)
    choices = {
        "service": st.one_of(st.sampled_from(["shop", "cart"]), _TEXT, st.none()),
        "method": st.sampled_from(["get", "POST", None, 1]),
        "path": st.sampled_from(["/p", "/q", None]),
        "status": st.one_of(st.integers(0, 999), st.integers(100, 599).map(str), st.sampled_from(["2xx", None, 2e2])),
        "latency_ms": st.one_of(st.floats(-1, 1e4, allow_nan=False), st.sampled_from(["fast", "12.5", None, -0.0])),
        "log_type": st.sampled_from(["access", "error", "ERROR", "debug", None]),
        "message": st.one_of(st.none(), _TEXT),
        "host": _VALUES, "user": _VALUES, "client_ip": _VALUES, "severity": _VALUES, "unknown_field": _VALUES,
    }
    for name, values in choices.items():
        if draw(st.booleans()) or name in ("service", "method", "path", "status"):
            record[name] = draw(values)
    return record


_BLANKS = st.sampled_from(["", " ", "\t", "\x0b", "\x0c", " \t "])
_ODD_LINES = st.sampled_from([
    "", "   ", "\t", "\x0c", "{not json", "[1, 2]", '"text"', "5", "null", "{}", '{"ts": "x", "ts": "y"}',
    '{"a": 1} {"b": 2}', '{"ts": "2024-02-10T01:00:00Z",}', "\ufeff{}",
])


@st.composite
def _files(draw: st.DrawFn) -> bytes:
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 25))):
        if draw(st.integers(0, 5)):
            lines.append(draw(_BLANKS) + json.dumps(draw(_records()), ensure_ascii=draw(st.booleans()))
                         + draw(_BLANKS))
        else:
            lines.append(draw(_ODD_LINES))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join(lines) + draw(st.sampled_from([newline, ""]))
    data = text.encode()
    if draw(st.integers(0, 9)) == 0:
        data = data.replace(b"a", b"\xff", 1)  # invalid UTF-8 somewhere
    return data


@settings(max_examples=int(__import__("os").environ.get("FAST_PATH_EXAMPLES", "25")), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=st.lists(st.tuples(_files(), st.booleans(), st.booleans()), min_size=1, max_size=3))
def test_fast_path_and_line_path_give_identical_outputs(tmp_path_factory: pytest.TempPathFactory,
                                                       files: list[tuple[bytes, bool, bool]]) -> None:
    lake = Lake(tmp_path_factory.mktemp("lake"))
    lake.ensure()
    for i, (data, previous_day, gzipped) in enumerate(files):
        day = D - timedelta(days=1) if previous_day else D
        fmt = LogFormat.JSON_GZIP if gzipped else LogFormat.NDJSON
        _bronze(lake, day, f"f{i}" + (".json.gz" if gzipped else ".ndjson"), data, fmt)
    days = [D - timedelta(days=1), D]
    fast, lines = _both_paths(lake, days)
    assert fast == lines
    # and again: the output does not depend on which path ran before
    assert [_outcome(lake, day, normalize(lake, day, threads=1)) for day in days] == fast
