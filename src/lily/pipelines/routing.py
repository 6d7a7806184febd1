"""The midnight rule: which run owns which record (pure).

A file is routed (at ingest) to the UTC date of its first record that has a valid event time: its
*file date* ``R``. Files are never split, so one file may hold records of ``R``, ``R+1``, ...

Normalize for ``process_date = D`` reads bronze partitions ``D - span .. D`` and a record is owned by
exactly one run:

- a record whose event date ``E`` lies in ``[R, R + span]`` belongs to the run for ``E``;
- any other record (no/invalid time, or ``E`` outside that window) belongs to the run for ``R``,
  which rejects it to ``rejected/data_quality`` with a reason.

So every record lands exactly once, in silver or in rejects, and nothing depends on which day runs
first. ``span`` (``max_file_span_days``) defaults to 1: a file may cross one midnight.
"""

from __future__ import annotations

from datetime import date, timedelta


def bronze_dates_for(process_date: date, span: int) -> list[date]:
    """The bronze partitions normalize reads for ``process_date``, oldest first."""
    return [process_date - timedelta(days=k) for k in range(span, -1, -1)]


def in_window(file_date: date, event_date: date | None, span: int) -> bool:
    return event_date is not None and file_date <= event_date <= file_date + timedelta(days=span)


def owning_date(file_date: date, event_date: date | None, span: int) -> date:
    """The ``process_date`` whose run accounts for a record (kept or rejected)."""
    return event_date if event_date is not None and in_window(file_date, event_date, span) else file_date


def affected_dates(file_date: date, span: int) -> list[date]:
    """Days whose output can change when a file lands in bronze partition ``file_date``."""
    return [file_date + timedelta(days=k) for k in range(span + 1)]
