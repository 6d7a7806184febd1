"""Reopened days: bronze partitions that changed since their day was last normalized.

Ingest marks the days a new file can affect (see ``routing.affected_dates``); normalize clears a
day's marker once it has rebuilt that day. The runner reprocesses marked past days on its next run,
which is how a late or corrected file for an old day reaches silver and gold.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from posixpath import basename

from lily.pipelines.lake import STATE, Lake

REOPENED = f"{STATE}/reopened"


def mark_reopened(lake: Lake, days: Iterable[date]) -> None:
    for day in days:
        lake.storage.write_bytes(f"{REOPENED}/{day.isoformat()}", b"")


def reopened_dates(lake: Lake) -> list[date]:
    return sorted(date.fromisoformat(basename(k)) for k in lake.storage.files(REOPENED, recursive=False))


def clear_reopened(lake: Lake, day: date) -> None:
    lake.storage.delete(f"{REOPENED}/{day.isoformat()}")
