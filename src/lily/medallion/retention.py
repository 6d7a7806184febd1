"""Retention: expired partitions leave the tables, then their files leave the disk.

A partition of a layer expires when it is at least the layer's retention (days) older than the
process date — counted from the injected date, never the clock, so a backfill of old days removes
nothing it should not. Expired partitions are deleted in one Delta commit per table, then
``VACUUM`` removes every file no longer referenced (retention window zero: the expired data is
what is being removed, and time travel to it is deliberately given up). A day still held in
quarantine is never touched — neither its bronze copies (a fix may need them) nor the silver and
reject partitions readers see meanwhile.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from lily.medallion.layout import PARTITION_COLUMN, Layout, day_dir
from lily.medallion.quarantine import resolved_days, unresolved
from lily.medallion.spec import PipelineSpec
from lily.medallion.tables import partition_days
from lily.pipelines.delta import Table, is_table, open_table


@dataclass(frozen=True)
class Removed:
    dataset: str  # lake-relative path of the table or directory
    layer: str
    days: list[str]
    files: list[str]  # removed from disk (relative to the dataset)
    version: int | None = None  # table version after the delete


@dataclass(frozen=True)
class RetentionReport:
    process_date: str
    cutoffs: dict[str, str]  # layer -> oldest day kept
    removed: list[Removed] = field(default_factory=list)
    kept_for_quarantine: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def files_removed(self) -> int:
        return sum(len(r.files) for r in self.removed)


def cutoff(process_date: date, days: int) -> date:
    """The oldest day kept: partitions before it are expired."""
    return process_date - timedelta(days=days - 1)


def expired(days: Iterable[date], oldest_kept: date, protected: Collection[date] = ()) -> list[date]:
    return sorted(d for d in days if d < oldest_kept and d not in protected)


def _delete_days(uri: Table, days: list[date]) -> int:
    table = open_table(uri)
    listed = ", ".join(f"'{d.isoformat()}'" for d in days)
    table.delete(predicate=f"{PARTITION_COLUMN} IN ({listed})")
    return open_table(uri).version()


def _vacuum(uri: Table) -> list[str]:
    return sorted(open_table(uri).vacuum(retention_hours=0, dry_run=False, enforce_retention_duration=False))


def _table(layout: Layout, uri: Table, layer: str, oldest: date, protected: Collection[date]) -> Removed | None:
    if not is_table(uri):
        return None
    days = expired(partition_days(uri), oldest, protected)
    if not days:
        return None
    version = _delete_days(uri, days)
    return Removed(layout.name(uri), layer, [d.isoformat() for d in days], _vacuum(uri), version)


def apply_retention(layout: Layout, spec: PipelineSpec, process_date: date) -> RetentionReport:
    keep = spec.retention
    oldest = {layer: cutoff(process_date, getattr(keep, layer)) for layer in ("bronze", "silver", "gold", "ml")}
    held = unresolved(layout)
    report = RetentionReport(process_date.isoformat(), {k: v.isoformat() for k, v in oldest.items()})
    for dataset_key, days in sorted(held.items()):
        report.kept_for_quarantine.extend({"dataset": dataset_key, PARTITION_COLUMN: d.isoformat()}
                                          for d in sorted(days))
    tables: list[tuple[Table, str, set[date]]] = []
    for name in spec.datasets:
        protected = held.get(name, set())
        tables += [(layout.bronze(name), "bronze", protected), (layout.silver(name), "silver", protected),
                   (layout.rejected(name), "silver", protected)]
    for name in spec.gold:
        tables.append((layout.gold(name), "gold", held.get(f"gold.{name}", set())))
    for name in spec.ml:
        tables.append((layout.ml(name), "ml", set()))
    for uri, layer, protected in tables:
        removed = _table(layout, uri, layer, oldest[layer], protected)
        if removed is not None:
            report.removed.append(removed)
    storage = layout.storage
    for name in spec.ml:
        root = layout.ml_exports(name)
        by_day: dict[str, list[str]] = {}
        for key in storage.files(root):
            partition = key[len(root) + 1:].split("/", 1)[0]
            if partition.startswith(f"{PARTITION_COLUMN}="):
                by_day.setdefault(partition, []).append(key[len(root) + 1:])
        gone = sorted(p for p in by_day if date.fromisoformat(p.split("=", 1)[1]) < oldest["ml"])
        if gone:
            for p in gone:
                storage.delete_tree(f"{root}/{p}")
            files = sorted(f for p in gone for f in by_day[p])
            report.removed.append(Removed(root, "ml", [p.split("=", 1)[1] for p in gone], files))
    for dataset_key, days in sorted(resolved_days(layout).items()):
        layer = "gold" if dataset_key.startswith("gold.") else "silver"
        old = {d: where for d, where in days.items() if d < oldest[layer]}
        if old:
            parent = f"{layout.quarantine_root()}/{dataset_key}"
            files = sorted(key[len(parent) + 1:] for where in old.values() for key in storage.files(where))
            for where in old.values():
                storage.delete_tree(where)
            report.removed.append(Removed(parent, "quarantine", [d.isoformat() for d in sorted(old)], files))
    _record(layout, process_date, report)
    return report


def _record(layout: Layout, process_date: date, report: RetentionReport) -> None:
    if not report.removed:
        return
    text = json.dumps(report.to_json(), indent=2, sort_keys=True) + "\n"
    layout.storage.write_bytes(f"{layout.state()}/retention/{day_dir(process_date)}.json", text.encode())
