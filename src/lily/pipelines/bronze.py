"""Reading bronze: which files a day needs, and turning files into lines (file level only)."""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from posixpath import basename

from lily.pipelines.formats import LogFormat, strip_leading
from lily.pipelines.ingest import meta_key
from lily.pipelines.lake import Lake
from lily.pipelines.routing import bronze_dates_for
from lily.pipelines.xmllogs import parse_records

DEFAULT_LOG_TYPE = {LogFormat.NDJSON: "access", LogFormat.JSON_GZIP: "access", LogFormat.XML_ERRORS: "error"}


@dataclass(frozen=True)
class BronzeFile:
    source_file: str  # the file's key: its path relative to the lake root
    format: LogFormat
    file_date: date
    ingest_run_id: str | None
    local: Path | None = None  # where it can be read as a local file, once ``staged``

    @property
    def path(self) -> Path:
        if self.local is None:
            raise RuntimeError(f"{self.source_file} was not staged for reading")
        return self.local

    @property
    def name(self) -> str:
        return basename(self.source_file)

    @property
    def default_log_type(self) -> str:
        return DEFAULT_LOG_TYPE[self.format]


class UnreadableFile(ValueError):
    """A bronze file that cannot be turned into lines at all (file-level failure)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def _ingest_run_id(lake: Lake, key: str) -> str | None:
    try:
        return str(json.loads(lake.storage.read_bytes(meta_key(key)))["ingest_run_id"])
    except (OSError, ValueError, KeyError):
        return None


def bronze_files(lake: Lake, process_date: date, span: int) -> list[BronzeFile]:
    """Files of the partitions ``process_date - span .. process_date``, in a stable order."""
    found: list[BronzeFile] = []
    for day in bronze_dates_for(process_date, span):
        for fmt in LogFormat:
            folder = lake.bronze_partition(fmt.value, day)
            for key in lake.storage.files(folder, recursive=False):
                found.append(BronzeFile(key, fmt, day, _ingest_run_id(lake, key)))
    return found


@contextmanager
def staged(lake: Lake, files: list[BronzeFile]) -> Iterator[list[BronzeFile]]:
    """``files`` readable as local files while the context lasts (the engine reads paths): the
    files themselves in a directory lake, temporary downloads from object storage."""
    with ExitStack() as stack:
        yield [replace(f, local=stack.enter_context(lake.storage.local_file(f.source_file))) for f in files]



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
