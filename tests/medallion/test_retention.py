"""Retention removes expired partitions and their files, records it, and spares quarantined days."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from lily.medallion.retention import cutoff, expired
from lily.medallion.tables import partition_days
from lily.pipelines.delta import read_all

from .conftest import CRM_YAML, D1, D2, D3, LAKES, demo, lake_for, make_harness


def test_expiry_is_counted_from_the_process_date() -> None:
    assert cutoff(D3, 1) == D3 and cutoff(D3, 2) == D2
    days = [D1, D2, D3]
    assert expired(days, cutoff(D3, 2)) == [D1]
    assert expired(days, cutoff(D3, 1), protected={D2}) == [D1]
    assert expired(days, cutoff(D3, 90)) == []


@pytest.mark.parametrize("kind", LAKES)
def test_retention_removes_expired_partitions_but_not_a_held_day(kind: str, request: pytest.FixtureRequest,
                                                                 tmp_path: Path) -> None:
    text = CRM_YAML.read_text().replace("retention: {bronze: 90, silver: 365, gold: 730, ml: 365}",
                                        "retention: {bronze: 1, silver: 2, gold: 2, ml: 1}")
    (tmp_path / "pipelines").mkdir()
    path = tmp_path / "pipelines" / "crm.yaml"
    path.write_text(text)
    h = make_harness(lake_for(kind, request, tmp_path / "lake"), path)
    demo(h.lake, days=3)
    second = "sources/crm/customers/customers_2024-01-02.csv"
    lines = h.read(second).decode().splitlines(keepends=True)
    h.lake.storage.write_bytes(second, "".join(lines + lines[1:40]).encode())  # duplicated keys: held

    results = h.runner.backfill(D1, D3)
    assert [r.succeeded for r in results] == [True, False, True]
    report = results[-1].retention
    assert report is not None and report.cutoffs == {"bronze": "2024-01-03", "silver": "2024-01-02",
                                                     "gold": "2024-01-02", "ml": "2024-01-03"}
    lake, storage = h.lake, h.lake.storage
    assert partition_days(lake.table("bronze/crm/customers")) == [D2, D3]  # D2 is held in quarantine
    assert partition_days(lake.table("bronze/crm/orders")) == [D3]
    assert partition_days(lake.table("silver/crm/customers")) == [D3]  # D2 was never published
    assert partition_days(lake.table("silver/crm/orders")) == [D2, D3]
    assert partition_days(lake.table("gold/crm/customer_value")) == [D3]
    assert partition_days(lake.table("ml/crm/customer_features")) == [D3]
    assert report.kept_for_quarantine == [{"dataset": "customers", "process_date": "2024-01-02"}]
    removed = {r.dataset: r for r in report.removed}
    assert removed["bronze/crm/orders"].days == ["2024-01-01", "2024-01-02"]
    assert removed["silver/crm/customers"].days == ["2024-01-01"]
    assert removed["ml/crm/exports/customer_features"].days == ["2024-01-01"]  # D2 had no features: held
    for table in ("bronze/crm/orders", "silver/crm/customers", "ml/crm/customer_features"):
        assert storage.files(f"{table}/process_date=2024-01-01") == [], table
        assert removed[table].files and all("process_date=2024-01-01" in f or "process_date=2024-01-02" in f
                                            for f in removed[table].files)
    assert storage.files("bronze/crm/customers/process_date=2024-01-02")
    assert storage.exists("quarantine/crm/customers/process_date=2024-01-02/rows.parquet")
    assert storage.files("ml/crm/exports/customer_features/process_date=2024-01-01") == []
    assert storage.files("ml/crm/exports/customer_features/process_date=2024-01-03")
    recorded = json.loads(h.read("_lily/medallion/crm/retention/process_date=2024-01-03.json"))
    assert recorded == report.to_json()
    orders = read_all(lake.table("silver/crm/orders"))
    assert orders is not None and orders.num_rows > 0


def test_a_backfill_of_old_days_keeps_what_is_young_relative_to_them(tmp_path: Path) -> None:
    h = make_harness(tmp_path / "lake")
    demo(h.lake, days=1, first=date(2020, 1, 1))
    result = h.runner.run(date(2020, 1, 1))
    assert result.succeeded and result.retention is not None and result.retention.removed == []
