"""Ingest (file level): move landed files from ``raw/`` into event-date partitions of ``bronze/``.

For each file: inspect (format, first event date, integrity), then either copy it to
``bronze/<format>/event_date=<date>/<name>`` or to ``rejected/system/ingest/`` with a reason file;
the original is kept in ``archive/``; the raw copy is removed last, so a crash mid-way re-ingests the
file instead of losing it. Records are never parsed here.

A file keeps its name in bronze (nested raw paths become ``dir__name``), so a corrected file with
the same name *replaces* its predecessor — that is how "50 records, then a corrected 70" gives 70.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from posixpath import basename, dirname

from lily.pipelines.inspect import inspect_file
from lily.pipelines.lake import ARCHIVE, BRONZE, RAW, REJECTED_SYSTEM, Lake
from lily.pipelines.routing import affected_dates
from lily.pipelines.state import mark_reopened

META_DIR = "_meta"


@dataclass(frozen=True)
class RoutedFile:
    original: str  # path relative to raw/
    format: str
    file_date: date
    bronze_path: str  # relative to the lake root
    archive_path: str


@dataclass(frozen=True)
class RejectedFile:
    original: str
    reason: str
    detail: str
    location: str  # relative to the lake root
    stage: str = "ingest"


@dataclass
class IngestResult:
    routed: list[RoutedFile] = field(default_factory=list)
    rejected: list[RejectedFile] = field(default_factory=list)
    touched: set[date] = field(default_factory=set)

    @property
    def files_in(self) -> int:
        return len(self.routed) + len(self.rejected)


def stamp(moment: datetime) -> str:
    """Compact UTC stamp used in archive and reject names, e.g. ``20240501T000000000000Z``."""
    return moment.strftime("%Y%m%dT%H%M%S%fZ")


def bronze_name(relative_raw: str) -> str:
    return relative_raw.replace("/", "__")


def list_landed(lake: Lake) -> list[str]:
    """Keys of the landed files, sorted so that ingest order (and so every output) is reproducible."""
    return lake.storage.files(RAW)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def write_reason(lake: Lake, target: str, payload: dict[str, object]) -> None:
    """The ``.reason.json`` beside the rejected file ``target`` (a key)."""
    lake.storage.write_bytes(target + ".reason.json", json.dumps(payload, indent=2, sort_keys=True).encode())


def meta_key(bronze_key: str) -> str:
    """Where ingest records a bronze file's origin (its ingest run, archive copy, checksum)."""
    return f"{dirname(bronze_key)}/{META_DIR}/{basename(bronze_key)}.json"


class BronzeIndex:
    """Where each bronze file name is, by format: listed once per ingest run (on S3 a listing is a
    request per thousand keys; once per landed file it would grow with the whole history)."""

    def __init__(self, lake: Lake) -> None:
        self._lake = lake
        self._by_format: dict[str, dict[str, set[str]]] = {}

    def _names(self, fmt: str) -> dict[str, set[str]]:
        if fmt not in self._by_format:
            names: dict[str, set[str]] = {}
            for key in self._lake.storage.files(f"{BRONZE}/{fmt}"):
                if basename(dirname(key)).startswith("event_date="):  # not the _meta/ records
                    names.setdefault(basename(key), set()).add(key)
            self._by_format[fmt] = names
        return self._by_format[fmt]

    def placed(self, fmt: str, key: str) -> None:
        self._names(fmt).setdefault(basename(key), set()).add(key)

    def others(self, fmt: str, key: str) -> list[str]:
        """Same-named files of ``fmt`` in other partitions than ``key``'s."""
        return sorted(k for k in self._names(fmt).get(basename(key), set()) if dirname(k) != dirname(key))

    def removed(self, fmt: str, key: str) -> None:
        self._names(fmt).get(basename(key), set()).discard(key)


def _drop_previous_versions(lake: Lake, fmt: str, keep: str, span: int, index: BronzeIndex) -> set[date]:
    """Remove same-named files from other date partitions (a correction may move a file's date)."""
    touched: set[date] = set()
    for old in index.others(fmt, keep):
        lake.storage.delete(old)
        lake.storage.delete(meta_key(old))
        index.removed(fmt, old)
        touched.update(affected_dates(date.fromisoformat(basename(dirname(old)).split("=", 1)[1]), span))
    return touched


def ingest_file(lake: Lake, key: str, *, ingest_ts: datetime, run_id: str, span: int = 1,
                index: BronzeIndex | None = None) -> tuple[RoutedFile | RejectedFile, set[date]]:
    """Route or reject one landed file (``key`` under ``raw/``); returns the outcome and the days it
    affects. Copies are whole-file and atomic (see ``LakeStorage``): readers never see half a file."""
    storage = lake.storage
    original = key[len(RAW) + 1:]
    name = bronze_name(original)
    suffix = f"{name}_{stamp(ingest_ts)}_{run_id}"
    with storage.local_file(key) as local:
        verdict = inspect_file(local)
        digest = _sha256(local) if verdict.accepted else ""
    if not verdict.accepted or verdict.format is None or verdict.file_date is None:
        target = f"{REJECTED_SYSTEM}/ingest/{suffix}"
        storage.copy(key, target)
        reason = verdict.reason or "unroutable"
        write_reason(lake, target, {"stage": "ingest", "reason": reason, "detail": verdict.detail,
                                    "original": original, "ingest_ts": ingest_ts.isoformat(), "run_id": run_id})
        storage.delete(key)
        return RejectedFile(original, reason, verdict.detail, target), set()
    fmt = verdict.format.value
    dest = f"{lake.bronze_partition(fmt, verdict.file_date)}/{name}"
    archived = f"{ARCHIVE}/{fmt}/{suffix}"
    storage.copy(key, archived)
    storage.copy(key, dest)
    meta = {"original": original, "format": fmt, "ingest_ts": ingest_ts.isoformat(),
            "ingest_run_id": run_id, "sha256": digest, "archive": archived}
    storage.write_bytes(meta_key(dest), json.dumps(meta, indent=2, sort_keys=True).encode())
    touched = set(affected_dates(verdict.file_date, span))
    index = index or BronzeIndex(lake)
    index.placed(fmt, dest)
    touched |= _drop_previous_versions(lake, fmt, dest, span, index)
    storage.delete(key)
    return RoutedFile(original, fmt, verdict.file_date, dest, archived), touched


def ingest(lake: Lake, *, ingest_ts: datetime, run_id: str, span: int = 1) -> IngestResult:
    """One-shot scan of ``raw/``. ``ingest_ts`` and ``run_id`` come from the caller, never the clock."""
    lake.ensure()
    result = IngestResult()
    index = BronzeIndex(lake)
    for path in list_landed(lake):
        outcome, touched = ingest_file(lake, path, ingest_ts=ingest_ts, run_id=run_id, span=span, index=index)
        if isinstance(outcome, RoutedFile):
            result.routed.append(outcome)
        else:
            result.rejected.append(outcome)
        result.touched |= touched
    mark_reopened(lake, result.touched)
    return result


def watch(
    lake: Lake,
    on_files: Callable[[list[str]], object],
    *,
    sleep: Callable[[float], None],
    should_stop: Callable[[], bool],
    poll_seconds: float = 5.0,
    max_polls: int | None = None,
) -> int:
    """Poll ``raw/`` and hand over landed files until ``should_stop()`` or ``max_polls``.

    ``sleep`` and ``should_stop`` are injected so tests drive the loop without waiting, and the
    caller (which owns the clock) decides the ingest timestamp and run id in ``on_files``.
    Returns the number of polls that found files.
    """
    polls = busy = 0
    while not should_stop() and (max_polls is None or polls < max_polls):
        polls += 1
        landed = list_landed(lake)
        if landed:
            busy += 1
            on_files(landed)
        else:
            sleep(poll_seconds)
    return busy
