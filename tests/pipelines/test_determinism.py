"""Acceptance: deterministic, idempotent, partition-scoped reprocessing."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime
from pathlib import Path

import lily.pipelines as pipelines_pkg
from lily.pipelines.aggregate import aggregate
from lily.pipelines.delta import read_partition
from lily.pipelines.lake import GOLD_TABLE, SILVER_TABLE
from lily.pipelines.normalize import normalize
from lily.pipelines.runs import State

from .conftest import (
    FakeClock,
    Harness,
    all_rows,
    day_records,
    gold_day,
    land,
    make_harness,
    ndjson,
    partition_hashes,
    rows,
    silver_day,
)

D1, D2, D3 = date(2024, 3, 1), date(2024, 3, 2), date(2024, 3, 3)


def _requests(lake, day) -> int:
    gold = gold_day(lake, day)
    assert gold is not None
    return sum(gold.column("requests").to_pylist())


def test_corrected_file_gives_70_not_120_and_other_days_are_byte_identical(harness: Harness) -> None:
    h = harness
    for day in (D1, D2, D3):
        land(h.lake, f"ndjson/app-{day}.ndjson", ndjson(day_records(day, 50)))
    assert h.runner.backfill(D1, D3, max_workers=1)[0].state is State.SUCCEEDED
    assert _requests(h.lake, D2) == 50
    silver_before = partition_hashes(h.lake, SILVER_TABLE, "event_date=2024-03-02")
    gold_before = partition_hashes(h.lake, GOLD_TABLE, "event_date=2024-03-02")
    assert silver_before and gold_before

    # The producer re-sends the day's file, corrected, under the same name.
    land(h.lake, f"ndjson/app-{D2}.ndjson", ndjson(day_records(D2, 70)))
    assert h.runner.run(D2).state is State.SUCCEEDED

    assert _requests(h.lake, D2) == 70
    assert len(silver_day(h.lake, D2)) == 70
    assert _requests(h.lake, D1) == 50 and _requests(h.lake, D3) == 50
    assert partition_hashes(h.lake, SILVER_TABLE, "event_date=2024-03-02") == silver_before
    assert partition_hashes(h.lake, GOLD_TABLE, "event_date=2024-03-02") == gold_before


def test_rerunning_steps_yields_identical_rows(harness: Harness) -> None:
    h = harness
    land(h.lake, "ndjson/a.ndjson", ndjson([*day_records(D1, 40), {"broken": True}]))
    h.runner.run(D1)
    silver, gold = silver_day(h.lake, D1), rows(gold_day(h.lake, D1))
    rejects = all_rows(h.lake.rejected_dq)
    for _ in range(2):
        normalize(h.lake, D1)
        aggregate(h.lake, D1)
    assert silver_day(h.lake, D1) == silver
    assert rows(gold_day(h.lake, D1)) == gold
    assert all_rows(h.lake.rejected_dq) == rejects
    assert len(silver) == 40 and len(rejects) == 1


def test_outputs_do_not_depend_on_the_clock(tmp_path: Path) -> None:
    """Same inputs, clocks 70 years apart: identical silver, gold and rejects."""
    outputs = []
    for name, start in (("now", datetime(2024, 3, 4, tzinfo=UTC)), ("future", datetime(2099, 12, 31, tzinfo=UTC))):
        h = make_harness(tmp_path / name, FakeClock(start))
        land(h.lake, "ndjson/a.ndjson", ndjson([*day_records(D1, 30), {"ts": "nope", "service": "x"}]))
        land(h.lake, "xml/e.xml", b'<errors service="s"><error timestamp="2024-03-01T10:00:00Z">'
                                  b"<message>m</message></error></errors>")
        assert h.runner.run(D1).state is State.SUCCEEDED
        outputs.append((silver_day(h.lake, D1), rows(gold_day(h.lake, D1)), all_rows(h.lake.rejected_dq)))
    assert outputs[0] == outputs[1]
    assert len(outputs[0][0]) == 31


_CLOCK_CALLS = {("datetime", "now"), ("datetime", "utcnow"), ("date", "today"), ("time", "time"),
                ("time", "monotonic"), ("time", "perf_counter")}
_STEP_MODULES = ("ingest", "inspect", "bronze", "normalize", "aggregate", "transform", "engine", "delta",
                 "records", "routing", "xmllogs", "formats", "catalog", "openlineage", "datasets", "demo")


def test_pipeline_steps_never_read_the_clock() -> None:
    root = Path(pipelines_pkg.__file__).parent
    offenders = []
    for module in _STEP_MODULES:
        tree = ast.parse((root / f"{module}.py").read_text())
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and (node.value.id, node.attr) in _CLOCK_CALLS):
                offenders.append(f"{module}.py:{node.lineno} {node.value.id}.{node.attr}")
    assert offenders == []


def test_other_days_partitions_untouched_by_direct_step_rerun(harness: Harness) -> None:
    h = harness
    for day in (D1, D2):
        land(h.lake, f"ndjson/{day}.ndjson", ndjson(day_records(day, 10)))
    h.runner.backfill(D1, D2, max_workers=2)
    before = partition_hashes(h.lake, SILVER_TABLE, "event_date=2024-03-01")
    normalize(h.lake, D1)
    assert partition_hashes(h.lake, SILVER_TABLE, "event_date=2024-03-01") == before
    assert read_partition(h.lake.silver, "event_date", D2).num_rows == 10
