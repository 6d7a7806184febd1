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


def _json(value: Any) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=True, default=str) + "\n").encode()


def hold(layout: Layout, dataset: str, day: date, *, rows: pa.Table, rejects: pa.Table | None,
         reports: Mapping[str, QualityReport], reason: str, run_id: str) -> str:
    """Keep a partition aside; a previous quarantine of the same day is replaced by this one.
    Returns its key (a directory of the lake)."""
    where, storage = layout.quarantine(dataset, day), layout.storage
    storage.delete(f"{where}/{RESOLVED}")
    storage.write_bytes(f"{where}/rows.parquet", parquet_bytes(rows))
    if rejects is not None:
        storage.write_bytes(f"{where}/rejects.parquet", parquet_bytes(rejects))
    storage.write_bytes(f"{where}/{RESULTS}", _json({
        "dataset": dataset, PARTITION_COLUMN: day.isoformat(), "run_id": run_id, "reason": reason,
        "reports": {layer: report_json(r) for layer, r in reports.items()}}))
    return where


def resolve(layout: Layout, dataset: str, day: date, *, run_id: str) -> str | None:
    """Mark the day's quarantine (if any) resolved by ``run_id``, which published the day."""
    where, storage = layout.quarantine(dataset, day), layout.storage
    if not storage.exists(f"{where}/{RESULTS}") or storage.exists(f"{where}/{RESOLVED}"):
        return None
    storage.write_bytes(f"{where}/{RESOLVED}", _json({"resolved_by": run_id}))
    return where


def _markers(layout: Layout) -> dict[str, set[str]]:
    """Key of each day's quarantine (``quarantine/<pipeline>/<dataset>/process_date=D``) -> the
    names of its marker files (``results.json``, ``resolved.json``)."""
    root = layout.quarantine_root()
    found: dict[str, set[str]] = {}
    for key in layout.storage.files(root):
        where, _, name = key.rpartition("/")
        depth_ok = where.count("/") == root.count("/") + 2
        if name in (RESULTS, RESOLVED) and depth_ok and where.rsplit("/", 1)[1].startswith(f"{PARTITION_COLUMN}="):
            found.setdefault(where, set()).add(name)
    return found


def _dataset_day(where: str) -> tuple[str, date]:
    dataset, partition = where.split("/")[-2:]
    return dataset, date.fromisoformat(partition.split("=", 1)[1])


def unresolved(layout: Layout) -> dict[str, set[date]]:
    """Dataset (``customers`` or ``gold.<name>``) -> days still held in quarantine."""
    out: dict[str, set[date]] = {}
    for where, names in _markers(layout).items():
        if RESULTS in names and RESOLVED not in names:
            dataset, day = _dataset_day(where)
            out.setdefault(dataset, set()).add(day)
    return out


def resolved_days(layout: Layout) -> dict[str, dict[date, str]]:
    """Dataset -> resolved day -> the key of its quarantine."""
    out: dict[str, dict[date, str]] = {}
    for where, names in _markers(layout).items():
        if RESOLVED in names:
            dataset, day = _dataset_day(where)
            out.setdefault(dataset, {})[day] = where
    return out
