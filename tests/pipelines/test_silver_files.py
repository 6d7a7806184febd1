"""Silver written as Parquet files then committed in one transaction: nothing half-done on failure."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from deltalake import DeltaTable

from lily.pipelines import engine
from lily.pipelines import normalize as normalize_mod
from lily.pipelines.delta import PartitionFiles
from lily.pipelines.normalize import normalize

from .conftest import access, day_records, land, make_harness, ndjson, silver_day

D1 = date(2024, 3, 1)


def test_a_failure_before_the_commit_leaves_table_and_disk_as_they_were(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    h = make_harness(tmp_path / "lake")
    land(h.lake, "ndjson/a.ndjson", ndjson(day_records(D1, 30)))
    h.runner.run(D1)
    silver_root = Path(h.lake.silver_uri)
    version = DeltaTable(h.lake.silver_uri).version()
    files_before = sorted(p.relative_to(silver_root) for p in silver_root.rglob("*.parquet"))
    rows_before = silver_day(h.lake, D1)
    real = engine.stream

    def breaks_after_one_batch(*args: Any, **kwargs: Any) -> Iterator[pa.RecordBatch]:
        for batch in real(*args, **kwargs):
            yield batch
            raise OSError("disk full")

    monkeypatch.setattr(normalize_mod.engine, "stream", breaks_after_one_batch)
    with pytest.raises(OSError, match="disk full"):
        normalize(h.lake, D1)
    assert DeltaTable(h.lake.silver_uri).version() == version
    assert sorted(p.relative_to(silver_root) for p in silver_root.rglob("*.parquet")) == files_before
    assert silver_day(h.lake, D1) == rows_before


def test_access_and_error_rows_go_to_their_partitions(tmp_path: Path) -> None:
    h = make_harness(tmp_path / "lake")
    errors = [{"ts": f"2024-03-01T0{i}:00:00Z", "type": "error", "service": "shop", "message": "boom"}
              for i in range(3)]
    land(h.lake, "ndjson/a.ndjson", ndjson([*day_records(D1, 5), *errors, access("2024-03-01T09:00:00Z")]))
    h.runner.run(D1)
    actions = pa.table(DeltaTable(h.lake.silver_uri).get_add_actions(flatten=True))
    values = set(zip(actions.column("partition.log_type").to_pylist(),
                     [str(d) for d in actions.column("partition.event_date").to_pylist()], strict=True))
    assert values == {("access", "2024-03-01"), ("error", "2024-03-01")}
    assert sum(actions.column("num_records").to_pylist()) == 9
    assert len(silver_day(h.lake, D1)) == 9


def test_partition_values_that_would_need_escaping_are_refused(tmp_path: Path) -> None:
    files = PartitionFiles(str(tmp_path / "t"), pa.schema([("a", pa.int64())]), threads=1)
    with pytest.raises(ValueError, match="partition value"):
        files.add(pa.table({"a": [1]}), {"log_type": "a/b"})
    assert files.finish() == []
