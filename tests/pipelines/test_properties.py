"""Property tests: format detection, canonical parsing, the midnight rule."""

from __future__ import annotations

import gzip
from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lily.pipelines.delta import read_all
from lily.pipelines.formats import LogFormat, detect_format
from lily.pipelines.ingest import ingest
from lily.pipelines.lake import Lake
from lily.pipelines.normalize import normalize
from lily.pipelines.routing import owning_date

from .conftest import access, land, ndjson

SLOW = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
BASE = datetime(2024, 2, 10, tzinfo=UTC)


@given(st.binary(max_size=64), st.sampled_from(["", " ", "\n", "\ufeff"]))
def test_detect_format_depends_on_content(tail: bytes, lead: str) -> None:
    prefix = lead.encode()
    assert detect_format(b"\x1f\x8b" + tail) is LogFormat.JSON_GZIP
    assert detect_format(prefix + b"{" + tail) is LogFormat.NDJSON
    assert detect_format(prefix + b"<" + tail) is LogFormat.XML_ERRORS
    assert detect_format(prefix + b"day,count" + tail) is None


def _record_strategy() -> st.SearchStrategy[dict[str, object]]:
    return st.fixed_dictionaries({
        "ts": st.integers(0, 86_399_999).map(lambda ms: (BASE + timedelta(milliseconds=ms)).isoformat()),
        "service": st.text("abcxyz-", min_size=1, max_size=8),
        "method": st.sampled_from(["get", "POST", "Put"]),
        "path": st.text("/abc", min_size=1, max_size=10),
        "status": st.one_of(st.integers(100, 599), st.integers(100, 599).map(str), st.integers(600, 999)),
        "latency_ms": st.one_of(st.floats(0, 1e5, allow_nan=False), st.just(-1.0), st.just("fast")),
        "user_id": st.one_of(st.none(), st.text("u0123", min_size=1, max_size=5)),
    })


@SLOW
@given(records=st.lists(_record_strategy(), min_size=1, max_size=25))
def test_canonical_parsing_matches_a_reference_model(tmp_path_factory, records) -> None:
    lake = Lake(tmp_path_factory.mktemp("lake"))
    lake.ensure()
    land(lake, "a.ndjson", ndjson(records))
    ingest(lake, ingest_ts=BASE, run_id="r")
    result = normalize(lake, BASE.date(), threads=1)

    expected_ok = [r for r in records if isinstance(r["latency_ms"], float) and r["latency_ms"] >= 0
                   and int(r["status"]) <= 599]
    assert result.records_in == len(records)
    assert result.records_out == len(expected_ok)
    silver = read_all(lake.silver).sort_by("event_time").to_pylist() if result.records_out else []
    want = sorted(expected_ok, key=lambda r: str(r["ts"]))
    for row, rec in zip(silver, sorted(want, key=lambda r: datetime.fromisoformat(str(r["ts"]))), strict=True):
        assert row["event_time"] == datetime.fromisoformat(str(rec["ts"]))
        assert row["method"] == str(rec["method"]).upper() and row["status"] == int(rec["status"])
        assert row["service"] == rec["service"] and row["user_id"] == rec["user_id"]
        assert row["latency_ms"] == rec["latency_ms"] and row["log_type"] == "access"


@SLOW
@given(offsets=st.lists(st.integers(-30 * 3600, 72 * 3600), min_size=1, max_size=20),
       first=st.integers(0, 86_399))
def test_midnight_rule_loses_nothing_and_counts_nothing_twice(tmp_path_factory, offsets, first) -> None:
    """A file routed by its first record: every record is kept or rejected exactly once over all days."""
    lake = Lake(tmp_path_factory.mktemp("lake"))
    lake.ensure()
    start = BASE + timedelta(seconds=first)
    times = [start] + [start + timedelta(seconds=o) for o in offsets]
    data = gzip.compress(ndjson([access(t.isoformat(), user_id=str(i)) for i, t in enumerate(times)]), mtime=0)
    land(lake, "f.json.gz", data)
    routed = ingest(lake, ingest_ts=BASE, run_id="r").routed
    assert routed[0].file_date == start.date()

    days = sorted({t.date() for t in times} | {start.date()})
    kept: list[str] = []
    rejected = 0
    for day in [days[0] - timedelta(days=1), *[days[0] + timedelta(days=k) for k in range((days[-1] - days[0]).days + 2)]]:
        res = normalize(lake, day, threads=1)
        rejected += res.records_rejected
    silver = read_all(lake.silver)
    kept = silver.column("user_id").to_pylist() if silver is not None else []
    assert len(kept) == len(set(kept))  # nothing twice
    assert len(kept) + rejected == len(times)  # nothing lost
    expected_kept = {str(i) for i, t in enumerate(times)
                     if owning_date(start.date(), t.date(), 1) == t.date()}
    assert set(kept) == expected_kept
    for row in silver.to_pylist() if silver is not None else []:
        assert row["event_date"] == row["event_time"].date()


def test_owning_date_examples() -> None:
    assert owning_date(date(2024, 1, 1), date(2024, 1, 2), 1) == date(2024, 1, 2)
    assert owning_date(date(2024, 1, 1), date(2024, 1, 3), 1) == date(2024, 1, 1)
    assert owning_date(date(2024, 1, 1), date(2023, 12, 31), 1) == date(2024, 1, 1)
    assert owning_date(date(2024, 1, 1), None, 1) == date(2024, 1, 1)
