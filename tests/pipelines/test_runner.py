"""Orchestration: run records, counts, bad files, resume, reopened days, backfill."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from lily.pipelines import demo
from lily.pipelines import engines as engines_mod
from lily.pipelines.delta import read_all, read_partition
from lily.pipelines.runs import State

from .conftest import Harness, day_records, gold_day, land, make_harness, ndjson

D1 = date(2024, 3, 1)


def _step(h: Harness, run_id: str, name: str):
    return next(s for s in h.recorder.steps(run_id) if s.step == name)


def test_run_records_each_step_with_timings_and_counts(harness: Harness) -> None:
    land(harness.lake, "ndjson/a.ndjson", ndjson([*day_records(D1, 20), {"ts": "bad"}]))
    run = harness.runner.run(D1)
    assert run.state is State.SUCCEEDED and run.attempt == 1 and run.finished_at is not None
    steps = harness.recorder.steps(run.run_id)
    assert [s.step for s in steps] == ["ingest", "normalize", "aggregate", "catalog"]
    assert all(s.state is State.SUCCEEDED and s.duration_s is not None and s.duration_s > 0 for s in steps)
    ingest, norm, agg = steps[0], steps[1], steps[2]
    assert (ingest.rows_in, ingest.rows_out, ingest.rows_rejected) == (1, 1, 0)
    assert (norm.rows_in, norm.rows_out, norm.rows_rejected) == (21, 20, 1)
    assert norm.details["reject_reasons"] == {"invalid_event_time": 1}
    assert agg.rows_in == 20 and agg.rows_out == 1
    # a second run of the same day is a new attempt with a new deterministic id
    again = harness.runner.run(D1)
    assert again.attempt == 2 and again.run_id != run.run_id


def test_demo_day_counts_add_up_and_bad_files_are_rejected_with_reasons(harness: Harness) -> None:
    files = demo.generate(D1, 2, seed=11, per_file=40)
    demo.write_files(harness.lake, files)
    first = harness.runner.run(D1)
    second = harness.runner.run(D1 + timedelta(days=1))
    assert first.state is State.SUCCEEDED and second.state is State.SUCCEEDED

    rejected = _step(harness, first.run_id, "ingest").details["rejected"]
    assert {r["reason"] for r in rejected} == {"corrupt_gzip", "truncated_ndjson", "unsafe_xml", "empty_file",
                                              "unknown_format"}
    for r in rejected:
        assert harness.lake.storage.exists(r["location"])
        reason = json.loads(harness.lake.storage.read_bytes(r["location"] + ".reason.json"))
        assert reason["reason"] == r["reason"] and reason["original"] == r["file"]

    total_in = total_out = total_rej = 0
    for run in (first, second):
        norm = _step(harness, run.run_id, "normalize")
        assert norm.rows_in == norm.rows_out + norm.rows_rejected
        silver = read_partition(harness.lake.silver, "event_date", run.process_date)
        rejects = read_partition(harness.lake.rejected_dq, "process_date", run.process_date)
        assert silver.num_rows == norm.rows_out and rejects.num_rows == norm.rows_rejected
        assert all(rejects.column("reason").to_pylist())
        total_in += norm.rows_in
        total_out += norm.rows_out
        total_rej += norm.rows_rejected
    # records past the last midnight belong to the next day: run it too, then every record is accounted
    spill = harness.runner.run(D1 + timedelta(days=2))
    total_out += _step(harness, spill.run_id, "normalize").rows_out
    assert total_out == read_all(harness.lake.silver).num_rows == sum(f.good_records for f in files)
    assert total_rej == sum(f.bad_records for f in files)


def test_failed_run_resumes_skipping_succeeded_steps(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    land(harness.lake, "ndjson/a.ndjson", ndjson(day_records(D1, 5)))
    real = engines_mod.aggregate

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("disk full")

    monkeypatch.setattr(engines_mod, "aggregate", broken)
    failed = harness.runner.run(D1)
    assert failed.state is State.FAILED and failed.error == "aggregate: RuntimeError: disk full"
    assert _step(harness, failed.run_id, "aggregate").state is State.FAILED
    assert [e["eventType"] for e in harness.lineage.events][-1] == "FAIL"
    normalize_done = _step(harness, failed.run_id, "normalize")

    monkeypatch.setattr(engines_mod, "aggregate", real)
    resumed = harness.runner.run(D1)
    assert resumed.run_id == failed.run_id and resumed.attempt == 1 and resumed.state is State.SUCCEEDED
    # normalize was not re-run: its record (timings included) is the one from the failed attempt
    assert _step(harness, resumed.run_id, "normalize") == normalize_done
    assert _step(harness, resumed.run_id, "aggregate").state is State.SUCCEEDED
    assert sum(gold_day(harness.lake, D1).column("requests").to_pylist()) == 5


def test_late_file_for_an_old_day_reopens_it_on_the_next_run(harness: Harness) -> None:
    days = [D1 + timedelta(days=k) for k in range(3)]
    for day in days:
        land(harness.lake, f"ndjson/{day}.ndjson", ndjson(day_records(day, 10)))
        harness.runner.run(day)
    assert sum(gold_day(harness.lake, D1).column("requests").to_pylist()) == 10

    land(harness.lake, "ndjson/late-for-d1.ndjson", ndjson(day_records(D1, 4, path="/late")))
    today = D1 + timedelta(days=3)
    harness.runner.run(today)

    gold = gold_day(harness.lake, D1)
    assert sum(gold.column("requests").to_pylist()) == 14
    assert "/late" in gold.column("endpoint").to_pylist()
    reopened = [r for r in harness.recorder.runs("logs", D1) if r.trigger == "reopened"]
    assert len(reopened) == 1 and reopened[0].attempt == 2 and reopened[0].state is State.SUCCEEDED


def test_30_day_backfill_over_demo_data(tmp_path: Path) -> None:
    h = make_harness(tmp_path / "lake")
    start = date(2024, 1, 1)
    files = demo.generate(start, 30, seed=3, per_file=15)
    demo.write_files(h.lake, files)
    seen: list[date] = []
    results = h.runner.backfill(start, start + timedelta(days=29), max_workers=2,
                                on_done=lambda r: seen.append(r.process_date))
    assert len(results) == 30 and all(r.state is State.SUCCEEDED for r in results)
    assert sorted(seen) == [r.process_date for r in results]
    gold = read_all(h.lake.gold)
    assert sorted(set(gold.column("event_date").to_pylist())) == [r.process_date for r in results]
    silver_rows = read_all(h.lake.silver).num_rows
    rejected_rows = read_all(h.lake.rejected_dq).num_rows
    norm = [_step(h, r.run_id, "normalize") for r in results]
    assert sum(s.rows_out for s in norm) == silver_rows
    assert sum(s.rows_rejected for s in norm) == rejected_rows == sum(f.bad_records for f in files)
    # records spilling past the last midnight belong to day 31; once it runs, all are accounted for
    h.runner.run(start + timedelta(days=30), ingest=False)
    assert read_all(h.lake.silver).num_rows == sum(f.good_records for f in files)
