"""Delta writes whose data files depend on the data only.

A data file's name is the sha256 of the partition's content, so the same rows give the same file,
byte for byte and by name, in any lake and on any re-run; the Delta log's add actions carry the
injected clock as modification time. What still differs between two runs of the same inputs is the
log's own bookkeeping (commit timestamps, table id), which the Delta protocol takes from the wall
clock — as for the log pipeline, data files and rows never depend on it.

Replacing a partition with exactly the files it already holds commits nothing: a re-run that
changes nothing leaves the table version alone.
"""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import date, datetime

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from deltalake import DeltaTable, Field
from deltalake.transaction import AddAction

from lily.medallion.layout import PARTITION_COLUMN
from lily.pipelines.delta import DataFile, Table, is_table, open_table, replace_partition_files
from lily.pipelines.storage import TableRef

ROWS_PER_FILE = 1_000_000
_locks: dict[str, threading.Lock] = {}
_guard = threading.Lock()


def _lock(uri: str) -> threading.Lock:
    with _guard:
        return _locks.setdefault(uri, threading.Lock())


def parquet_bytes(table: pa.Table) -> bytes:
    """One Parquet file (snappy, no dictionary fallbacks to chance: the writer is deterministic)."""
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="snappy")
    return sink.getvalue().to_pybytes()


def _encode(table: pa.Table) -> list[bytes]:
    return [parquet_bytes(table.slice(start, ROWS_PER_FILE))
            for start in range(0, max(table.num_rows, 1), ROWS_PER_FILE)] if table.num_rows else []


def write_files(target: Table, table: pa.Table, partition_values: dict[str, str], *, modified: datetime
                ) -> list[DataFile]:
    """Write ``table`` (without its partition columns) as content-named files under the table."""
    ref = TableRef.of(target)
    blobs = _encode(table)
    digest = hashlib.sha256(b"".join(hashlib.sha256(b).digest() for b in blobs)).hexdigest()[:40]
    directory = "/".join(f"{k}={v}" for k, v in partition_values.items())
    out = []
    for i, blob in enumerate(blobs):
        rel = f"{directory}/part-{digest}-{i:05d}.snappy.parquet"
        if not ref.has_file(rel):  # same name, same bytes: a file an older version holds is reused
            ref.write_file(rel, blob)
        rows = min(ROWS_PER_FILE, table.num_rows - i * ROWS_PER_FILE)
        out.append(DataFile(rel, len(blob), rows, dict(partition_values), int(modified.timestamp() * 1000)))
    return out


def delta_schema(data: pa.Schema, partitions: list[str], partition_types: dict[str, pa.DataType]) -> pa.Schema:
    """The table schema: data columns, then the partition columns."""
    return pa.schema([*data, *(pa.field(p, partition_types[p]) for p in partitions)])


def _partition_paths(uri: Table, filters: list[tuple[str, str, str]]) -> set[str]:
    if not is_table(uri):
        return set()
    actions = pa.table(open_table(uri).get_add_actions(flatten=True)).to_pylist()
    wanted = {name: value for name, _, value in filters}
    return {a["path"] for a in actions
            if all(str(a.get(f"partition.{k}")) == v for k, v in wanted.items())}


def replace_day(uri: Table, data: pa.Table, *, day: date, modified: datetime) -> int:
    """Make ``data`` (which has no ``process_date`` column) the rows of partition ``day``; returns
    the table version that holds them."""
    schema = delta_schema(data.schema, [PARTITION_COLUMN], {PARTITION_COLUMN: pa.date32()})
    files = write_files(uri, data, {PARTITION_COLUMN: day.isoformat()}, modified=modified)
    with _lock(TableRef.of(uri).uri):
        if is_table(uri):
            current = _partition_paths(uri, [(PARTITION_COLUMN, "=", day.isoformat())])
            if current == {f.path for f in files} and current:
                return open_table(uri).version()
        replace_partition_files(uri, files, schema=schema, partition_by=[PARTITION_COLUMN],
                                column=PARTITION_COLUMN, day=day)
        return open_table(uri).version()


def append(uri: Table, data: pa.Table, partition_values: dict[str, str], partition_types: dict[str, pa.DataType], *,
           modified: datetime) -> int:
    """Append ``data`` as new files of one partition (bronze: every ingest run adds, none replaces)."""
    partitions = list(partition_values)
    schema = delta_schema(data.schema, partitions, partition_types)
    files = write_files(uri, data, partition_values, modified=modified)

    actions = [AddAction(f.path, f.size, f.partition_values, f.modified_ms, True, json.dumps({"numRecords": f.rows}))
               for f in files]
    ref = TableRef.of(uri)
    with _lock(ref.uri):
        if not is_table(ref):
            DeltaTable.create(ref.uri, schema=schema, partition_by=partitions, mode="ignore",
                              storage_options=ref.options)
        table = open_table(ref)
        schema = _evolve(table, schema)
        present = _partition_paths(ref, [(k, "=", v) for k, v in partition_values.items()])
        actions = [a for a in actions if a.path not in present]
        if actions:
            table.create_write_transaction(actions, mode="append", schema=schema, partition_by=partitions)
        return open_table(ref).version()


class SchemaDrift(ValueError):
    """New rows give an existing column another type."""


def _evolve(table: DeltaTable, incoming: pa.Schema) -> pa.Schema:
    """The table's schema with ``incoming``'s new columns added (a source that grows a column keeps
    it in bronze); a column whose type changed is refused."""
    current = pa.schema(table.schema().to_arrow())
    changed = [f"{f.name}: {current.field(f.name).type} -> {f.type}" for f in incoming
               if f.name in current.names and current.field(f.name).type != f.type]
    if changed:
        raise SchemaDrift(f"column type(s) changed since earlier ingests: {', '.join(changed)}")
    added = [f for f in incoming if f.name not in current.names]
    if added:
        table.alter.add_columns([Field.from_arrow(f) for f in added])
    return pa.schema([*current, *added])


def read_day(uri: Table, day: date, *, where: tuple[str, str] | None = None) -> pa.Table | None:
    """Rows of partition ``day`` (optionally also ``column = value``), or ``None`` without a table."""
    if not is_table(uri):
        return None
    expression = ds.field(PARTITION_COLUMN) == pa.scalar(day)
    if where is not None:
        expression = expression & (ds.field(where[0]) == pa.scalar(where[1]))
    return open_table(uri).to_pyarrow_dataset().to_table(filter=expression)


def version(uri: Table) -> int | None:
    return open_table(uri).version() if is_table(uri) else None


def partition_days(uri: Table) -> list[date]:
    """Every ``process_date`` the current version holds."""
    if not is_table(uri):
        return []
    actions = pa.table(open_table(uri).get_add_actions(flatten=True))
    values = actions.column(f"partition.{PARTITION_COLUMN}").to_pylist() if actions.num_rows else []
    return sorted({v if isinstance(v, date) else date.fromisoformat(str(v)) for v in values})
