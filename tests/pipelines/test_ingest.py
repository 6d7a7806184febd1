"""Ingest: routing, archive, system rejects with reasons, corrections, watch loop; cron helper; CLI."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime
from pathlib import Path

from typer.testing import CliRunner

from lily.pipelines import demo
from lily.pipelines.cli import app
from lily.pipelines.ingest import ingest, list_landed, watch
from lily.pipelines.lake import Lake
from lily.pipelines.schedule import due_dates
from lily.pipelines.state import reopened_dates

from .conftest import day_records, gz, land, ndjson

TS = datetime(2024, 3, 5, 6, 7, 8, tzinfo=UTC)


def test_files_are_routed_by_content_and_archived(lake: Lake) -> None:
    land(lake, "x/logs.txt", gz(ndjson(day_records(date(2024, 3, 1), 3))))  # gzip despite the name
    land(lake, "y/errors.json", b'<errors service="s"><error timestamp="2024-02-29T23:00:00-02:00">'
                                b"<message>m</message></error></errors>")
    res = ingest(lake, ingest_ts=TS, run_id="run-1")
    assert {(r.original, r.format, r.file_date) for r in res.routed} == {
        ("x/logs.txt", "json_gzip", date(2024, 3, 1)), ("y/errors.json", "xml_errors", date(2024, 3, 1))}
    assert lake.storage.exists("bronze/json_gzip/event_date=2024-03-01/x__logs.txt")
    assert lake.storage.exists("archive/json_gzip/x__logs.txt_20240305T060708000000Z_run-1")
    meta = json.loads(lake.storage.read_bytes("bronze/json_gzip/event_date=2024-03-01/_meta/x__logs.txt.json"))
    assert meta["ingest_run_id"] == "run-1" and meta["ingest_ts"] == TS.isoformat()
    assert list_landed(lake) == []
    assert reopened_dates(lake) == [date(2024, 3, 1), date(2024, 3, 2)]


def test_bad_files_go_to_rejected_system_with_reasons(lake: Lake) -> None:
    demo.write_files(lake, demo.bad_files(date(2024, 3, 1), random.Random(1)))
    land(lake, "ndjson/whitespace.ndjson", b"  \n\n")
    land(lake, "ndjson/nodate.ndjson", ndjson([{"service": "x"}]))
    res = ingest(lake, ingest_ts=TS, run_id="r")
    assert res.routed == []
    reasons = {r.original: r.reason for r in res.rejected}
    assert reasons == {"json_gzip/corrupt.json.gz": "corrupt_gzip", "ndjson/truncated.ndjson": "truncated_ndjson",
                       "xml_errors/bomb.xml": "unsafe_xml", "ndjson/empty.ndjson": "empty_file",
                       "misc/report.csv": "unknown_format", "ndjson/whitespace.ndjson": "empty_file",
                       "ndjson/nodate.ndjson": "no_event_time"}
    for r in res.rejected:
        assert lake.storage.exists(r.location)
        assert json.loads(lake.storage.read_bytes(r.location + ".reason.json"))["reason"] == r.reason
    assert "EntitiesForbidden" in next(r.detail for r in res.rejected if r.reason == "unsafe_xml")


def test_corrected_file_with_new_date_replaces_old_bronze_copy(lake: Lake) -> None:
    land(lake, "a.ndjson", ndjson(day_records(date(2024, 3, 1), 2)))
    ingest(lake, ingest_ts=TS, run_id="r1")
    land(lake, "a.ndjson", ndjson(day_records(date(2024, 3, 2), 2)))
    ingest(lake, ingest_ts=TS, run_id="r2")
    assert [k for k in lake.storage.files("bronze") if k.endswith("/a.ndjson")] == [
        "bronze/ndjson/event_date=2024-03-02/a.ndjson"]


def test_watch_is_a_bounded_injectable_loop(lake: Lake) -> None:
    sleeps: list[float] = []
    batches: list[int] = []
    polls = iter([False, False, False, True])

    def handle(files: list[str]) -> None:
        batches.append(len(files))
        ingest(lake, ingest_ts=TS, run_id="w")

    land(lake, "a.ndjson", ndjson(day_records(date(2024, 3, 1), 1)))
    busy = watch(lake, handle, sleep=sleeps.append, should_stop=lambda: next(polls), poll_seconds=2.5)
    assert busy == 1 and batches == [1] and sleeps == [2.5, 2.5]
    assert watch(lake, handle, sleep=sleeps.append, should_stop=lambda: False, max_polls=3) == 0


def test_due_dates_from_cron() -> None:
    now = datetime(2024, 3, 5, 2, 30, tzinfo=UTC)
    assert due_dates("0 2 * * *", last=None, now=now) == [date(2024, 3, 4)]
    assert due_dates("0 2 * * *", last=datetime(2024, 3, 2, 2, 0, tzinfo=UTC), now=now) == [
        date(2024, 3, 2), date(2024, 3, 3), date(2024, 3, 4)]
    assert due_dates("0 2 * * *", last=datetime(2024, 3, 5, 2, 0, tzinfo=UTC), now=now) == []


def test_cli_demo_run_backfill_status(tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"LILY_LAKE_ROOT": str(tmp_path / "lake"), "LILY_DATA_DIR": str(tmp_path / "data"),
           "LILY_DATABASE_URL": ""}
    out = runner.invoke(app, ["demo-data", "--days", "2", "--from", "2024-01-01", "--per-file", "10"], env=env)
    assert out.exit_code == 0, out.output
    out = runner.invoke(app, ["run", "logs", "--date", "2024-01-01"], env=env)
    assert out.exit_code == 0, out.output
    assert "SUCCEEDED" in out.output
    out = runner.invoke(app, ["backfill", "logs", "--from", "2024-01-01", "--to", "2024-01-02", "--parallel", "2"],
                        env=env)
    assert out.exit_code == 0 and "2 of 2 days succeeded" in out.output, out.output
    out = runner.invoke(app, ["status"], env={**env, "COLUMNS": "200"})
    assert out.exit_code == 0 and out.output.count("SUCCEEDED") == 3, out.output
    assert runner.invoke(app, ["run", "logs", "--date", "not-a-date"], env=env).exit_code != 0
