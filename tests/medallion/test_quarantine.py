"""A blocking failure quarantines the partition and fails the run with the reason; the previous
version stays the one readers see; a re-run after the fix publishes and resolves it."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from lily.pipelines.delta import is_table, open_table, read_all
from lily.pipelines.lake import Lake
from lily.pipelines.runs import State

from .conftest import D1, LAKES, demo, lake_for, make_harness

CUSTOMERS = "sources/crm/customers/customers_2024-01-01.csv"


def _with_duplicates(original: bytes, share: float = 0.3) -> bytes:
    lines = original.decode().splitlines(keepends=True)
    header, rows = lines[0], [line for line in lines[1:] if line.startswith("C0")]
    extra = rows[: int(len(rows) * share)]
    return (header + "".join(rows) + "".join(extra)).encode()


def _silver_d1(lake: Lake) -> list[dict[str, object]]:
    table = read_all(lake.table("silver/crm/customers"))
    assert table is not None
    return table.filter(pc.equal(table.column("process_date"), pa.scalar(D1, pa.date32()))).to_pylist()


@pytest.mark.parametrize("kind", LAKES)
def test_quarantine_keeps_the_previous_version_and_a_fixed_rerun_publishes(
        kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    h = make_harness(lake_for(kind, request, tmp_path / "lake"))
    demo(h.lake)
    good = h.runner.run(D1)
    assert good.succeeded
    silver = h.lake.table("silver/crm/customers")
    version, published = open_table(silver).version(), _silver_d1(h.lake)

    original = h.read(CUSTOMERS)
    h.lake.storage.write_bytes(CUSTOMERS, _with_duplicates(original))
    bad = h.runner.run(D1)

    assert bad.run.state is State.FAILED
    assert bad.error.startswith("silver.customers: quarantined: bronze check duplicate_key_percent")
    customers = bad.datasets["customers"]
    assert not customers.decision.published and customers.silver is None
    assert open_table(silver).version() == version and _silver_d1(h.lake) == published
    held = "quarantine/crm/customers/process_date=2024-01-01"
    assert customers.decision.quarantine == held
    assert h.lake.storage.files(held) == [f"{held}/{n}" for n in ("rejects.parquet", "results.json", "rows.parquet")]
    results = json.loads(h.read(f"{held}/results.json"))
    assert results["run_id"] == bad.run.run_id and "duplicate_key_percent" in results["reason"]
    failed = [r for r in results["reports"]["bronze"]["results"] if r["status"] == "fail"]
    assert [r["name"] for r in failed] == ["duplicate_key_percent"] and failed[0]["blocking"]
    steps = h.steps(bad.run.run_id)
    assert steps["silver.customers"].state is State.FAILED
    assert steps["silver.orders"].state is State.SUCCEEDED  # the other dataset still went through
    assert steps["gold.customer_value"].state is State.SKIPPED
    assert "silver.customers" in steps["gold.customer_value"].details["why"]
    assert steps["ml.customer_features"].state is State.SKIPPED

    h.lake.storage.write_bytes(CUSTOMERS, original)
    fixed = h.runner.run(D1)
    assert fixed.succeeded, fixed.error
    assert fixed.datasets["customers"].decision.resolved == held
    assert json.loads(h.read(f"{held}/resolved.json")) == {"resolved_by": fixed.run.run_id}
    assert _silver_d1(h.lake) == published  # the same input publishes the same rows


def test_a_failed_gold_check_holds_the_gold_partition(tmp_path: Path) -> None:
    text = (Path(__file__).resolve().parents[2] / "pipelines/crm.yaml").read_text()
    strict = text.replace("      - {type: row_count, fail: {lt: 1}, blocking: true}\n  customer_value:",
                          "      - {type: row_count, fail: {lt: 1000}, blocking: true}\n  customer_value:")
    assert strict != text
    (tmp_path / "pipelines").mkdir()
    path = tmp_path / "pipelines/crm.yaml"
    path.write_text(strict)
    h = make_harness(tmp_path / "lake", path)
    demo(h.lake)
    result = h.runner.run(D1)
    assert result.run.state is State.FAILED
    assert "gold.orders_per_segment_day: quarantined: gold check row_count" in result.error
    gold = result.gold["orders_per_segment_day"]
    assert gold.table is None and h.exists(f"{gold.decision.quarantine}/rows.parquet")
    assert result.gold["customer_value"].table is not None  # not blocked by its sibling
    assert not is_table(h.lake.table("gold/crm/orders_per_segment_day"))
