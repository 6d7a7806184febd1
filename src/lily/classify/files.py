"""Read the head of a CSV, NDJSON or Parquet file into an Arrow table for classification.

Only the first ``max_rows`` rows are read: a sample needs no more, and a large file should cost the
same as a small one. CSV cells are read as text (a zip code or an id keeps its leading zeros); NDJSON
objects are flattened with dotted names; Parquet keeps its types.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

CSV = "csv"
NDJSON = "ndjson"
PARQUET = "parquet"
_SUFFIXES = {".csv": CSV, ".tsv": CSV, ".txt": CSV, ".ndjson": NDJSON, ".jsonl": NDJSON, ".json": NDJSON,
             ".parquet": PARQUET, ".pq": PARQUET}
_NULLS = ["", "NULL", "null", "None", "N/A", "n/a", "NaN", "nan", "\\N"]


class InputError(Exception):
    """A file that cannot be classified, with a message meant for a person."""


def detect_format(path: Path) -> str:
    """The file's format from its content where that is unambiguous, else from its suffix."""
    with path.open("rb") as handle:
        head = handle.read(4)
    if head == b"PAR1":
        return PARQUET
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    found = _SUFFIXES.get(suffixes[-1]) if suffixes else None
    if found is None:
        raise InputError(f"{path}: unknown format (expected .csv, .tsv, .ndjson/.jsonl/.json or .parquet)")
    if found == PARQUET:
        raise InputError(f"{path}: not a Parquet file (no PAR1 magic)")
    return found


def read_head(path: str | Path, max_rows: int = 100_000) -> pa.Table:
    """The first ``max_rows`` rows of the file at ``path``."""
    file = Path(path)
    if not file.exists():
        raise InputError(f"{file}: no such file")
    if not file.is_file():
        raise InputError(f"{file}: not a file")
    try:
        fmt = detect_format(file)
        if fmt == PARQUET:
            return _parquet(file, max_rows)
        if fmt == NDJSON:
            return _ndjson(file, max_rows)
        return _csv(file, max_rows)
    except (OSError, EOFError, UnicodeError) as exc:  # unreadable, truncated gzip, ...
        raise InputError(f"{file}: cannot read: {exc}") from None


def _parquet(path: Path, max_rows: int) -> pa.Table:
    try:
        reader = pq.ParquetFile(path)
        batches = []
        rows = 0
        for batch in reader.iter_batches(batch_size=min(max_rows, 65_536)):
            batches.append(batch)
            rows += batch.num_rows
            if rows >= max_rows:
                break
        table = pa.Table.from_batches(batches, schema=reader.schema_arrow) if batches else reader.schema_arrow.empty_table()
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"{path}: unreadable Parquet file: {exc}") from None
    return _flatten(table.slice(0, max_rows))


def _flatten(table: pa.Table) -> pa.Table:
    while any(pa.types.is_struct(field.type) for field in table.schema):
        table = table.flatten()
    return table


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix.lower() == ".gz":
        import gzip

        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", errors="replace")
    return path.open(encoding="utf-8-sig", errors="replace", newline="")


def _csv(path: Path, max_rows: int) -> pa.Table:
    delimiter = "\t" if ".tsv" in [s.lower() for s in path.suffixes] else None
    with _open_text(path) as handle:
        head = handle.read(64 * 1024)
    if not head.strip():
        raise InputError(f"{path}: empty file")
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(head.split("\n", 1)[0], delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    header = next(csv.reader(io.StringIO(head), delimiter=delimiter))
    if len(set(header)) != len(header) or any(not name.strip() for name in header):
        header = [name.strip() or f"column_{i + 1}" for i, name in enumerate(header)]
        header = [name if header.index(name) == i else f"{name}_{i + 1}" for i, name in enumerate(header)]
    try:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1, block_size=1 << 20),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(column_types={name: pa.string() for name in header},
                                                 strings_can_be_null=True, null_values=_NULLS),
        )
        batches = []
        rows = 0
        for batch in reader:
            batches.append(batch)
            rows += batch.num_rows
            if rows >= max_rows:
                break
    except (pa.ArrowInvalid, pa.ArrowException) as exc:
        raise InputError(f"{path}: malformed CSV: {exc}") from None
    table = pa.Table.from_batches(batches, schema=reader.schema) if batches else reader.schema.empty_table()
    return table.slice(0, max_rows)


def _scalar(value: object) -> object:
    # Nested lists and mixed types become text a recognizer can read; flat lists stay lists.
    if isinstance(value, dict):
        return orjson.dumps(value).decode()
    return value


def _walk(prefix: str, value: object, row: dict[str, object]) -> None:
    if isinstance(value, dict) and value:
        for key, inner in value.items():
            _walk(f"{prefix}.{key}" if prefix else str(key), inner, row)
    else:
        row[prefix] = _scalar(value)


def _ndjson(path: Path, max_rows: int) -> pa.Table:
    columns: dict[str, list[object]] = {}
    count = 0
    with _open_text(path) as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise InputError(f"{path}: line {number}: not JSON ({exc})") from None
            if not isinstance(record, dict):
                raise InputError(f"{path}: line {number}: a JSON object per line expected, got "
                                 f"{type(record).__name__}")
            row: dict[str, object] = {}
            _walk("", record, row)
            for key in row:
                if key not in columns:
                    columns[key] = [None] * count
            for key, values in columns.items():
                values.append(row.get(key))
            count += 1
            if count >= max_rows:
                break
    if not columns and count == 0:
        raise InputError(f"{path}: empty file")
    return pa.table({name: _column(values) for name, values in columns.items()})


def _column(values: list[object]) -> pa.Array:
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError):
        return pa.array([None if v is None else (v if isinstance(v, str) else orjson.dumps(v).decode())
                         for v in values], type=pa.string())
