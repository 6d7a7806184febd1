"""A file's schema (and a sample of its values) without downloading it.

Parquet: the footer, through a file object that fetches only the byte ranges the reader asks for
(the Parquet reader reads the last 64 KiB first, and more only for a larger footer), so a schema
costs one ranged GET whatever the object's size. CSV, TSV, NDJSON and JSON: the first kilobytes
(gzip-compressed ones decompressed as far as they go), the last partial line dropped. The sample
for classification is a Parquet row group (when it is small enough) or the rows of that head.

``fetch(start, end)`` returns bytes ``[start, end)`` of the object: the one piece of I/O, injected.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where a schema is read: `lily` starts without pyarrow
    import pyarrow as pa

Fetch = Callable[[int, int], bytes]
_TEXTUAL = ("csv", "tsv", "ndjson", "json")


class SchemaError(Exception):
    """This object's schema cannot be read (corrupt footer, unreadable text): the scan goes on."""


@dataclass
class FileSchema:
    columns: list[tuple[str, str]]  # (name, type) in the file's order
    rows: int | None  # Parquet: from the footer; text: rows in the head read
    bytes_read: int
    sample: pa.Table | None = None
    extra: dict[str, object] = field(default_factory=dict)


class RangeFile(io.RawIOBase):
    """A read-only, seekable file over ``fetch``: each read fetches the bytes it needs once."""

    def __init__(self, fetch: Fetch, size: int) -> None:
        self._fetch, self._size, self._pos = fetch, size, 0
        self._chunks: list[tuple[int, bytes]] = []
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def size(self) -> int:
        return self._size

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        end = min(self._size, self._pos + len(buffer))
        if end <= self._pos:
            return 0
        data = self._read(self._pos, end)
        buffer[:len(data)] = data
        self._pos += len(data)
        return len(data)

    def _read(self, start: int, end: int) -> bytes:
        for begin, chunk in self._chunks:
            if begin <= start and end <= begin + len(chunk):
                return chunk[start - begin:end - begin]
        data = self._fetch(start, end)
        self.bytes_read += len(data)
        self._chunks.append((start, data))
        return data


def parquet(fetch: Fetch, size: int, *, sample_bytes: int = 0, sample_columns: int = 64) -> FileSchema:
    """Schema (and row count) from the footer; with ``sample_bytes``, the first row group's
    string-like columns when that row group is no larger."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if size < 12:
        raise SchemaError(f"not a Parquet file: {size} bytes")
    handle = RangeFile(fetch, size)
    try:
        reader = pq.ParquetFile(handle, pre_buffer=False)
        schema = reader.schema_arrow
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError and others for a bad footer
        raise SchemaError(f"unreadable Parquet footer: {exc}") from exc
    columns = [(f.name, str(f.type)) for f in schema]
    meta = reader.metadata
    result = FileSchema(columns, meta.num_rows, handle.bytes_read,
                        extra={"row_groups": meta.num_row_groups, "created_by": meta.created_by})
    if sample_bytes and meta.num_row_groups:
        wanted = [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)
                  or pa.types.is_integer(f.type)][:sample_columns]
        if wanted and meta.row_group(0).total_byte_size <= sample_bytes:
            try:
                result.sample = reader.read_row_group(0, columns=wanted)
            except Exception as exc:
                raise SchemaError(f"unreadable Parquet row group: {exc}") from exc
    result.bytes_read = handle.bytes_read
    return result


def text(fetch: Fetch, size: int, fmt: str, compression: str | None, *, head_bytes: int) -> FileSchema:
    """Schema and sample from the first ``head_bytes`` of a CSV, TSV, NDJSON or JSON object."""
    import pyarrow as pa
    import pyarrow.csv as pcsv
    import pyarrow.json as pjson

    raw = fetch(0, min(size, head_bytes)) if size else b""
    complete = len(raw) >= size
    data = raw
    if compression == "gzip":
        try:
            data = zlib.decompressobj(wbits=31).decompress(raw)
        except zlib.error as exc:
            raise SchemaError(f"unreadable gzip data: {exc}") from exc
    elif compression is not None:
        raise SchemaError(f"{compression}-compressed {fmt}: schema inference reads gzip or uncompressed text")
    if not complete and b"\n" in data:
        data = data[:data.rfind(b"\n") + 1]  # the last line is cut off
    if not data.strip():
        raise SchemaError(f"empty {fmt} object")
    try:
        if fmt in ("csv", "tsv"):
            table = pcsv.read_csv(io.BytesIO(data), parse_options=pcsv.ParseOptions(
                delimiter="\t" if fmt == "tsv" else ","))
        elif fmt == "json" and data.lstrip()[:1] == b"[":
            import orjson

            table = pa.Table.from_pylist(orjson.loads(data))
        else:
            table = pjson.read_json(io.BytesIO(data))
    except Exception as exc:
        raise SchemaError(f"unreadable {fmt}: {str(exc).splitlines()[0]}") from exc
    columns = [(f.name, str(f.type)) for f in table.schema]
    return FileSchema(columns, table.num_rows, len(raw), sample=table)


def infer(fetch: Fetch, size: int, fmt: str | None, compression: str | None, *, head_bytes: int = 64 * 1024,
          sample_bytes: int = 0) -> FileSchema | None:
    """The schema of an object of format ``fmt``; None for formats without one here (images, PDF)."""
    if fmt == "parquet":
        return parquet(fetch, size, sample_bytes=sample_bytes)
    if fmt in _TEXTUAL:
        return text(fetch, size, fmt, compression, head_bytes=head_bytes)
    return None


__all__ = ["FileSchema", "RangeFile", "SchemaError", "infer", "parquet", "text"]
