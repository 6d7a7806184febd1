"""Quarantine: a partition that failed a blocking check, kept aside with the reasons.

``quarantine/<pipeline>/<dataset>/process_date=D/`` holds the rows that would have been published
(already anonymized: no raw PII leaves bronze), the rejected rows and ``results.json`` (the quality
reports and the reason). The table itself is not touched, so readers keep seeing the previous
version. A later run that publishes the same day writes ``resolved.json`` beside them; a day with
a quarantine and no ``resolved.json`` is still needed, and retention leaves its partitions alone.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa

from lily.medallion.layout import PARTITION_COLUMN, Layout
from lily.medallion.tables import parquet_bytes
from lily.quality import QualityReport

RESULTS = "results.json"
RESOLVED = "resolved.json"


def report_json(report: QualityReport) -> dict[str, Any]:
    return {
        "passed": report.passed,
        "scores": report.scores,
        "row_count": report.row_count,
        "queries": report.queries,
        "results": [dataclasses.asdict(r) for r in report.results],
    }


def blocking_reason(reports: Mapping[str, QualityReport]) -> str:
    """``"bronze check duplicate_key_percent = 30: fail (> 5)"``, one per blocking failure."""
    return "; ".join(f"{layer} check {r.message}" for layer, report in reports.items()
                     for r in report.blocking_failures)


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _json(value: Any) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=True, default=str) + "\n").encode()


def hold(layout: Layout, dataset: str, day: date, *, rows: pa.Table, rejects: pa.Table | None,
         reports: Mapping[str, QualityReport], reason: str, run_id: str) -> Path:
    """Keep a partition aside; a previous quarantine of the same day is replaced by this one."""
    where = layout.quarantine(dataset, day)
    where.mkdir(parents=True, exist_ok=True)
    (where / RESOLVED).unlink(missing_ok=True)
    _write(where / "rows.parquet", parquet_bytes(rows))
    if rejects is not None:
        _write(where / "rejects.parquet", parquet_bytes(rejects))
    _write(where / RESULTS, _json({"dataset": dataset, PARTITION_COLUMN: day.isoformat(), "run_id": run_id,
                                   "reason": reason,
                                   "reports": {layer: report_json(r) for layer, r in reports.items()}}))
    return where


def resolve(layout: Layout, dataset: str, day: date, *, run_id: str) -> Path | None:
    """Mark the day's quarantine (if any) resolved by ``run_id``, which published the day."""
    where = layout.quarantine(dataset, day)
    if not (where / RESULTS).exists() or (where / RESOLVED).exists():
        return None
    _write(where / RESOLVED, _json({"resolved_by": run_id}))
    return where


def unresolved(layout: Layout) -> dict[str, set[date]]:
    """Dataset (``customers`` or ``gold.<name>``) -> days still held in quarantine."""
    out: dict[str, set[date]] = {}
    root = layout.quarantine_root()
    if not root.is_dir():
        return out
    for results in root.glob(f"*/{PARTITION_COLUMN}=*/{RESULTS}"):
        if (results.parent / RESOLVED).exists():
            continue
        day = date.fromisoformat(results.parent.name.split("=", 1)[1])
        out.setdefault(results.parent.parent.name, set()).add(day)
    return out


def resolved_days(layout: Layout) -> dict[str, dict[date, Path]]:
    out: dict[str, dict[date, Path]] = {}
    root = layout.quarantine_root()
    if not root.is_dir():
        return out
    for marker in root.glob(f"*/{PARTITION_COLUMN}=*/{RESOLVED}"):
        day = date.fromisoformat(marker.parent.name.split("=", 1)[1])
        out.setdefault(marker.parent.parent.name, {})[day] = marker.parent
    return out
