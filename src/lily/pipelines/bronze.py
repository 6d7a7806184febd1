"""Reading bronze: which files a day needs, and turning files into lines (file level only)."""

from __future__ import annotations

import gzip
import json
import zlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from lily.pipelines.formats import LogFormat, strip_leading
from lily.pipelines.ingest import META_DIR
from lily.pipelines.lake import Lake
from lily.pipelines.routing import bronze_dates_for
from lily.pipelines.xmllogs import parse_records

DEFAULT_LOG_TYPE = {LogFormat.NDJSON: "access", LogFormat.JSON_GZIP: "access", LogFormat.XML_ERRORS: "error"}


@dataclass(frozen=True)
class BronzeFile:
    path: Path
    source_file: str  # relative to the lake root
    format: LogFormat
    file_date: date
    ingest_run_id: str | None

    @property
    def default_log_type(self) -> str:
        return DEFAULT_LOG_TYPE[self.format]


class UnreadableFile(ValueError):
    """A bronze file that cannot be turned into lines at all (file-level failure)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def _ingest_run_id(path: Path) -> str | None:
    meta = path.parent / META_DIR / f"{path.name}.json"
    try:
        return str(json.loads(meta.read_text())["ingest_run_id"])
    except (OSError, ValueError, KeyError):
        return None


def bronze_files(lake: Lake, process_date: date, span: int) -> list[BronzeFile]:
    """Files of the partitions ``process_date - span .. process_date``, in a stable order."""
    found: list[BronzeFile] = []
    for day in bronze_dates_for(process_date, span):
        for fmt in LogFormat:
            folder = lake.bronze_partition(fmt.value, day)
            if not folder.is_dir():
                continue
            for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")):
                found.append(BronzeFile(path, lake.relative(path), fmt, day, _ingest_run_id(path)))
    return found


def _decode_lines(data: bytes) -> list[tuple[str | None, str | None]]:
    """(line, pre_reason) per line; a line that is not UTF-8 keeps a reason instead of text."""
    out: list[tuple[str | None, str | None]] = []
    for raw in data.split(b"\n"):
        if not raw.strip():
            continue
        try:
            out.append((raw.decode("utf-8"), None))
        except UnicodeDecodeError as exc:
            out.append((raw.decode("utf-8", errors="replace"), f"invalid_utf8: {exc.reason}"))
    return out


def _gunzip(path: Path) -> bytes:
    try:
        return gzip.decompress(path.read_bytes())
    except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as exc:
        raise UnreadableFile("corrupt_gzip", str(exc)) from exc


def gzip_is_array(path: Path) -> bool:
    with gzip.open(path, "rb") as fh:
        return strip_leading(fh.read(4096)).startswith(b"[")


def read_lines(file: BronzeFile) -> list[tuple[str | None, str | None]]:
    """The file as JSON lines with optional per-line reasons, for files the engine cannot read.

    XML records and JSON-array elements are re-serialised as one JSON object per line so that all
    formats share one canonicalisation expression.
    """
    if file.format is LogFormat.XML_ERRORS:
        try:
            records = parse_records(file.path.read_bytes())
        except ValueError as exc:
            raise UnreadableFile(type(exc).__name__.lower(), str(exc)) from exc
        return [(json.dumps(r, sort_keys=True), None) for r in records]
    data = _gunzip(file.path) if file.format is LogFormat.JSON_GZIP else file.path.read_bytes()
    if strip_leading(data[:4096]).startswith(b"["):
        try:
            items = json.loads(data)
        except ValueError as exc:
            raise UnreadableFile("invalid_json_array", str(exc)) from exc
        return [(json.dumps(item, sort_keys=True), None) for item in items]
    return _decode_lines(data)
