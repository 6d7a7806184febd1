"""Reading a declared source into Arrow, exactly as it is (the I/O edge of bronze).

CSV and NDJSON values arrive as text — a CSV has no types, and reading JSON numbers as text keeps
``007`` and ``1.50`` as written; silver applies the declared types. Parquet keeps its own types.
A PostgreSQL table or query is exported with ``COPY ... TO STDOUT (FORMAT csv)`` and read like a
CSV, so its checksum is that of the exported bytes. A row that cannot be a record (a CSV line with
the wrong number of fields, an NDJSON line that is not a JSON object) is kept as ``Malformed``
with its line, text and reason; nothing is dropped silently.
"""

from __future__ import annotations

import csv
import fnmatch
import hashlib
import io
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import orjson
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from lily.medallion.spec import FileSource, PostgresSource
from lily.pipelines.storage import LakeStorage, open_storage

DATE_PLACEHOLDER = "{date}"


class SourceError(RuntimeError):
    """The source cannot be read at all (missing file, unreachable database): the run fails."""


@dataclass(frozen=True)
class SourceFile:
    name: str  # relative to the lake root for files under it; a credential-free URL for PostgreSQL
    checksum: str  # sha256 of the bytes read
    size: int
    records: int


@dataclass(frozen=True)
class Malformed:
    source_file: str
    line: int | None
    record: str
    reason: str


@dataclass
class SourceBatch:
    """Every record read for one run: ``table`` holds the source columns plus ``file_no`` (index
    into ``files``)."""

    table: pa.Table
    files: list[SourceFile] = field(default_factory=list)
    malformed: list[Malformed] = field(default_factory=list)


FILE_NO = "__file_no"


def _strip_bom(data: bytes) -> bytes:
    return data[3:] if data.startswith(b"\xef\xbb\xbf") else data


def read_csv_bytes(data: bytes, name: str, *, delimiter: str = ",") -> tuple[pa.Table, list[Malformed]]:
    """All columns as text; an unquoted empty field is null, a quoted one (``""``) the empty string."""
    data = _strip_bom(data)
    if not data.strip():
        return pa.table({}), []
    try:
        header_line = data.split(b"\n", 1)[0].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{name}: header is not UTF-8 ({exc})") from exc
    header = next(csv.reader([header_line.rstrip("\r")], delimiter=delimiter))
    if len(set(header)) != len(header) or any(not h for h in header):
        raise SourceError(f"{name}: the header must name every column once, got {header}")
    malformed: list[Malformed] = []

    def invalid(row: pacsv.InvalidRow) -> str:
        malformed.append(Malformed(name, row.number, row.text,
                                   f"malformed_row: expected {row.expected_columns} fields, got {row.actual_columns}"))
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(use_threads=False),  # line numbers of malformed rows are exact
            parse_options=pacsv.ParseOptions(delimiter=delimiter, invalid_row_handler=invalid,
                                             newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(header, pa.string()),
                                                 strings_can_be_null=True, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise SourceError(f"{name}: not a readable CSV file ({exc})") from exc
    return table, malformed


def _json_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def read_ndjson_bytes(data: bytes, name: str) -> tuple[pa.Table, list[Malformed]]:
    """One JSON object per line; values as text (strings as they are, anything else as JSON)."""
    columns: dict[str, list[str | None]] = {}
    rows = 0
    malformed: list[Malformed] = []
    for number, raw in enumerate(_strip_bom(data).split(b"\n"), start=1):
        line = raw.strip()
        if not line:
            continue
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            malformed.append(Malformed(name, number, line.decode("utf-8", "replace"), f"invalid_json: {exc}"))
            continue
        if not isinstance(record, dict):
            malformed.append(Malformed(name, number, line.decode("utf-8", "replace"), "invalid_json: not an object"))
            continue
        for key, value in record.items():
            if key not in columns:
                columns[key] = [None] * rows
            columns[key].append(_json_text(value))
        rows += 1
        for values in columns.values():
            if len(values) < rows:
                values.append(None)
    return pa.table({k: pa.array(v, pa.string()) for k, v in columns.items()}), malformed


def _read_parquet(data: bytes, name: str) -> tuple[pa.Table, list[Malformed]]:
    try:
        return pq.read_table(pa.BufferReader(data)), []
    except (pa.ArrowInvalid, OSError) as exc:
        raise SourceError(f"{name}: not a readable Parquet file ({exc})") from exc


READERS: dict[str, Callable[[bytes, str, FileSource], tuple[pa.Table, list[Malformed]]]] = {
    "csv": lambda data, name, src: read_csv_bytes(data, name, delimiter=src.delimiter),
    "ndjson": lambda data, name, src: read_ndjson_bytes(data, name),
    "parquet": lambda data, name, src: _read_parquet(data, name),
}


def _split(pattern: str) -> tuple[str, tuple[str, ...]]:
    """The pattern's fixed leading directories, and the rest (where the wildcards are)."""
    parts = PurePosixPath(pattern).parts
    fixed = 0
    while fixed < len(parts) - 1 and not any(w in parts[fixed] for w in "*?["):
        fixed += 1
    return "/".join(parts[:fixed]).replace("//", "/"), parts[fixed:]


def _glob(storage: LakeStorage, prefix: str, rest: tuple[str, ...]) -> list[str]:
    """Keys under ``prefix`` matching ``rest`` (``*``, ``?`` and ``[...]`` within one path segment,
    as ``glob``); only the fixed prefix is listed."""
    out = []
    for key in storage.files(prefix, recursive=len(rest) > 1):
        below = PurePosixPath(key[len(prefix) + 1:] if prefix else key).parts
        if len(below) == len(rest) and all(fnmatch.fnmatchcase(p, r) for p, r in zip(below, rest, strict=True)):
            out.append(key)
    return sorted(out)


@dataclass(frozen=True)
class Located:
    name: str  # its key for a file in the lake, its absolute path for any other
    storage: LakeStorage
    key: str


def resolve_files(source: FileSource, lake: LakeStorage, day: date) -> tuple[str, list[Located]]:
    """The pattern (``{date}`` filled in) and its files: keys of the lake's storage for a path
    relative to the lake root (or under a directory lake's root), local files for another absolute
    path."""
    pattern = source.path.replace(DATE_PLACEHOLDER, day.isoformat())
    if PurePosixPath(pattern).is_absolute() and lake.local and pattern.startswith(f"{lake.base}/"):
        pattern = pattern[len(lake.base) + 1:]
    if not PurePosixPath(pattern).is_absolute():
        prefix, rest = _split(pattern)
        return pattern, [Located(k, lake, k) for k in _glob(lake, prefix, rest)]
    directory, rest = _split(pattern)
    local = open_storage(directory)
    return pattern, [Located(f"{directory}/{k}", local, k) for k in _glob(local, "", rest)]


def _combine(parts: list[tuple[pa.Table, SourceFile, list[Malformed]]]) -> SourceBatch:
    files = [p[1] for p in parts]
    malformed = [m for p in parts for m in p[2]]
    tables = []
    for i, (table, _, _) in enumerate(parts):
        tables.append(table.append_column(FILE_NO, pa.array([i] * table.num_rows, pa.int32())))
    if not tables:
        return SourceBatch(pa.table({FILE_NO: pa.array([], pa.int32())}), files, malformed)
    try:
        combined = pa.concat_tables(tables, promote_options="permissive")
    except pa.ArrowInvalid as exc:
        raise SourceError(f"the source files disagree on column types: {exc}") from exc
    return SourceBatch(combined, files, malformed)


def read_files(source: FileSource, lake: LakeStorage, day: date) -> SourceBatch:
    pattern, located = resolve_files(source, lake, day)
    if not located and source.required:
        raise SourceError(f"missing source: no file matches {pattern}")
    parts = []
    for file in located:
        name = file.name
        try:
            data = file.storage.read_bytes(file.key)
        except OSError as exc:
            raise SourceError(f"{name}: cannot read ({exc})") from exc
        table, malformed = READERS[source.format](data, name, source)
        parts.append((table, SourceFile(name, hashlib.sha256(data).hexdigest(), len(data), table.num_rows), malformed))
    return _combine(parts)


def _safe_url(url: str) -> str:
    """``postgresql://host:port/db`` without user or password (for names and messages)."""
    parts = urlsplit(url.replace("postgresql+psycopg://", "postgresql://"))
    host = parts.hostname or "localhost"
    port = f":{parts.port}" if parts.port else ""
    return f"postgres://{host}{port}{parts.path}"


def read_postgres(source: PostgresSource, day: date, env: Mapping[str, str] | None = None) -> SourceBatch:
    import psycopg
    from psycopg import sql

    environ = os.environ if env is None else env
    url = environ.get(source.url_env)
    if not url:
        raise SourceError(f"environment variable {source.url_env} (the PostgreSQL source's URL) is not set")
    url = url.replace("postgresql+psycopg://", "postgresql://")
    where = _safe_url(url)
    if source.table is not None:
        query: sql.Composable = sql.SQL("SELECT * FROM {}").format(sql.Identifier(*source.table.split(".")))
        name = f"{where}/{source.table}"
    else:
        assert source.query is not None
        query = sql.SQL(source.query)  # type: ignore[arg-type]  # the pipeline file's own SQL, by design
        name = f"{where}/query-{hashlib.sha256(source.query.encode()).hexdigest()[:12]}"
    buffer = io.BytesIO()
    try:
        with psycopg.connect(url, connect_timeout=source.connect_timeout_s) as conn, conn.cursor() as cur:
            statement = sql.SQL("COPY ({}) TO STDOUT WITH (FORMAT csv, HEADER true)").format(query)
            params = {"process_date": day} if source.query is not None and "%(process_date)s" in source.query else None
            with cur.copy(statement, params) as copy:
                for chunk in copy:
                    buffer.write(chunk)
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SourceError(f"PostgreSQL source {where} is unreachable: {reason}") from exc
    except psycopg.Error as exc:
        raise SourceError(f"PostgreSQL source {where}: {type(exc).__name__}: {str(exc).strip()}") from exc
    data = buffer.getvalue()
    table, malformed = read_csv_bytes(data, name)
    return _combine([(table, SourceFile(name, hashlib.sha256(data).hexdigest(), len(data), table.num_rows),
                      malformed)])


def read_source(source: FileSource | PostgresSource, lake: LakeStorage, day: date,
                env: Mapping[str, str] | None = None) -> SourceBatch:
    """``lake``: the lake's storage, which relative file paths start from."""
    if isinstance(source, FileSource):
        return read_files(source, lake, day)
    return read_postgres(source, day, env)


_WILD = ("{", "*", "?", "[")


def source_identity(source: FileSource | PostgresSource, *, lake_root: Path | str, lake_namespace: str,
                    env: Mapping[str, str] | None = None) -> tuple[str, str]:
    """(namespace, name) of the source as a dataset: the fixed part of a file pattern
    (``sources/crm/customers`` for ``sources/crm/customers/customers_{date}.csv``), or a PostgreSQL
    table's ``database.schema.table`` in ``postgres://host:port``."""
    if isinstance(source, FileSource):
        parts = Path(source.path).parts
        fixed = []
        for part in parts:
            if any(w in part for w in _WILD):
                break
            fixed.append(part)
        path = Path(*fixed) if fixed else Path(".")
        if path.is_absolute():
            try:
                return lake_namespace, path.relative_to(str(lake_root)).as_posix()
            except ValueError:
                return "file://", path.as_posix()
        return lake_namespace, path.as_posix()
    environ = os.environ if env is None else env
    url = environ.get(source.url_env, "")
    parts_ = urlsplit(url.replace("postgresql+psycopg://", "postgresql://")) if url else None
    host = (parts_.hostname or "localhost") if parts_ else "unknown"
    port = parts_.port if parts_ and parts_.port else 5432
    database = parts_.path.lstrip("/") if parts_ and parts_.path else "postgres"
    if source.table is not None:
        table = source.table if source.table.count(".") >= 1 else f"public.{source.table}"
        name = f"{database}.{table}"
    else:
        name = f"{database}.query-{hashlib.sha256((source.query or '').encode()).hexdigest()[:12]}"
    return f"postgres://{host}:{port}", name
