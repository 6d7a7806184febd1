"""Reopened days: bronze partitions that changed since their day was last normalized.

Ingest marks the days a new file can affect (see ``routing.affected_dates``); normalize clears a
day's marker once it has rebuilt that day. The runner reprocesses marked past days on its next run,
which is how a late or corrected file for an old day reaches silver and gold.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

from lily.pipelines.lake import Lake


def _dir(lake: Lake) -> Path:
    return lake.state / "reopened"


def mark_reopened(lake: Lake, days: Iterable[date]) -> None:
    folder = _dir(lake)
    folder.mkdir(parents=True, exist_ok=True)
    for day in days:
        (folder / day.isoformat()).touch()


def reopened_dates(lake: Lake) -> list[date]:
    folder = _dir(lake)
    if not folder.is_dir():
        return []
    return sorted(date.fromisoformat(p.name) for p in folder.iterdir() if not p.name.startswith("."))


def clear_reopened(lake: Lake, day: date) -> None:
    (_dir(lake) / day.isoformat()).unlink(missing_ok=True)
