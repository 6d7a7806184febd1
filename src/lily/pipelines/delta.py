"""Delta tables: atomic replacement of one partition, and reads of one partition.

Two ways to replace a day: ``replace_partition`` hands Arrow data to the Delta writer (small
tables: gold, rejects); ``PartitionFiles`` + ``replace_partition_files`` write the Parquet data
files on a thread pool first and then commit them in one transaction (silver, the big one: the
Delta writer is single-threaded and was most of normalize's time).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
import uuid
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from posixpath import dirname

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from deltalake import DeltaTable, write_deltalake
from deltalake.transaction import AddAction
from pyarrow import fs as pafs

from lily.pipelines.storage import TableRef

# A table: a ``TableRef`` (any lake), or a local path / URI.
Table = TableRef | str

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def _lock_for(uri: str) -> threading.Lock:
    # Backfill threads compute in parallel but commit one at a time per table: disjoint predicate
    # overwrites are safe in Delta, yet serialising commits in-process avoids pointless conflict
    # retries on the same log. Other processes are still protected by Delta's optimistic commits.
    with _locks_guard:
        return _locks.setdefault(uri, threading.Lock())


def _table(table: Table) -> tuple[str, dict[str, str] | None]:
    ref = TableRef.of(table)
    return ref.uri, ref.options


def is_table(table: Table) -> bool:
    uri, options = _table(table)
    return DeltaTable.is_deltatable(uri, storage_options=options)


def open_table(table: Table) -> DeltaTable:
    uri, options = _table(table)
    return DeltaTable(uri, storage_options=options)


def replace_partition(
    table: Table,
    data: pa.Table | pa.RecordBatchReader,
    *,
    schema: pa.Schema,
    partition_by: list[str],
    column: str,
    day: date,
) -> None:
    """Atomically replace every row with ``column = day`` by ``data`` (one Delta commit).

    Rows of other days are untouched (their files are not rewritten), and writing the same data
    twice leaves the same rows: this is what makes re-runs and backfills idempotent.
    """
    predicate = f"{column} = '{day.isoformat()}'"
    uri, options = _table(table)
    with _lock_for(uri):
        if not DeltaTable.is_deltatable(uri, storage_options=options):
            DeltaTable.create(uri, schema=schema, partition_by=partition_by, mode="ignore", storage_options=options)
        write_deltalake(uri, data, mode="overwrite", predicate=predicate, partition_by=partition_by,
                        schema_mode=None, storage_options=options)


_SAFE_VALUE = re.compile(r"[A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class DataFile:
    """A Parquet file written under a table root, not yet part of the table."""

    path: str  # relative to the table root, "/"-separated
    size: int
    rows: int
    partition_values: dict[str, str]
    modified_ms: int


class PartitionFiles:
    """Writes Parquet data files for a Delta table on a thread pool (the Parquet writer releases
    the GIL, so files are encoded in parallel while the engine keeps producing batches).

    Partition values go in the path (``col=value/``), not in the files, as Delta expects. Names
    are unique (``part-<uuid>``) so a re-run never overwrites a file an earlier table version
    still references. At most ``2 x threads`` batches wait to be written (bounded memory).
    """

    def __init__(self, table: Table, data_schema: pa.Schema, *, threads: int | None = None,
                 dictionary: list[str] | None = None) -> None:
        self.filesystem, self.root = TableRef.of(table).fs
        self.data_schema = data_schema
        # Columns worth dictionary-encoding (None: all). Trying it on a column of mostly distinct
        # values (timestamps, ids) costs encoding time and then falls back to plain anyway.
        self.dictionary: bool | list[str] = True if dictionary is None else dictionary
        workers = max(1, threads or os.cpu_count() or 1)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lily-parquet")
        self._slots = threading.Semaphore(2 * workers)
        self._pending: list[Future[DataFile]] = []

    def add(self, data: pa.Table | pa.RecordBatch, partition_values: dict[str, str], *,
            keep: pa.Array | None = None) -> None:
        """Write ``data`` (only the rows where ``keep`` is true, when given) as one data file.

        Filtering happens on the pool too: it copies the rows, and the caller's thread is the one
        that feeds the pool.
        """
        for name, value in partition_values.items():
            if not _SAFE_VALUE.fullmatch(value):  # would need escaping in the path; silver never has such values
                raise ValueError(f"unsupported partition value {name}={value!r}")
        directory = "/".join(f"{k}={v}" for k, v in partition_values.items())
        rel = f"{directory}/part-{uuid.uuid4()}.snappy.parquet"
        table = pa.Table.from_batches([data]) if isinstance(data, pa.RecordBatch) else data
        self._slots.acquire()
        self._pending.append(self._pool.submit(self._write, self._conformed(table), rel, partition_values, keep))

    def _conformed(self, table: pa.Table) -> pa.Table:
        """``table`` cast to the data schema, except that dictionary-encoded values of the right
        type stay encoded: the Parquet writer stores a dictionary array as the dictionary it is."""
        fields = []
        for target in self.data_schema:
            actual = table.schema.field(target.name).type
            encoded = pa.types.is_dictionary(actual) and actual.value_type == target.type
            fields.append(pa.field(target.name, actual if encoded else target.type, target.nullable))
        return table.select(self.data_schema.names).cast(pa.schema(fields))

    def _write(self, table: pa.Table, rel: str, partition_values: dict[str, str], keep: pa.Array | None) -> DataFile:
        try:
            if keep is not None:
                table = table.filter(keep)
            path = f"{self.root}/{rel}"
            if isinstance(self.filesystem, pafs.LocalFileSystem):  # object stores have no directories
                self.filesystem.create_dir(dirname(path), recursive=True)
            pq.write_table(table, path, compression="snappy", use_dictionary=self.dictionary,
                           filesystem=self.filesystem)
            info = self.filesystem.get_file_info(path)
            return DataFile(rel, int(info.size), table.num_rows, dict(partition_values), int(info.mtime_ns // 1_000_000))
        finally:
            self._slots.release()

    def finish(self) -> list[DataFile]:
        """Wait for every file; the list is in the order the data was added."""
        try:
            return [f.result() for f in self._pending]
        finally:
            self._pool.shutdown(wait=True)

    def abort(self) -> None:
        """Stop and delete what was written (nothing of it was committed)."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        for future in self._pending:
            if future.done() and not future.cancelled() and future.exception() is None:
                with contextlib.suppress(FileNotFoundError):
                    self.filesystem.delete_file(f"{self.root}/{future.result().path}")


def replace_partition_files(table: Table, files: list[DataFile], *, schema: pa.Schema, partition_by: list[str],
                            column: str, day: date) -> None:
    """Atomically make ``files`` the rows with ``column = day`` (one Delta commit), like
    ``replace_partition``. Stats carry the row count only: day partitions are pruned by their
    partition values, and exact min/max of every column is not worth computing here."""
    actions = [AddAction(f.path, f.size, f.partition_values, f.modified_ms, True, json.dumps({"numRecords": f.rows}))
               for f in files]
    uri, options = _table(table)
    with _lock_for(uri):
        if not DeltaTable.is_deltatable(uri, storage_options=options):
            DeltaTable.create(uri, schema=schema, partition_by=partition_by, mode="ignore", storage_options=options)
        DeltaTable(uri, storage_options=options).create_write_transaction(actions, mode="overwrite", schema=schema, partition_by=partition_by,
                                                 partition_filters=[(column, "=", day.isoformat())])


def read_partition(table: Table, column: str, day: date, columns: Iterable[str] | None = None) -> pa.Table | None:
    """Rows of one day, or ``None`` when the table does not exist yet."""
    if not is_table(table):
        return None
    dataset = open_table(table).to_pyarrow_dataset()
    return dataset.to_table(columns=list(columns) if columns else None, filter=ds.field(column) == pa.scalar(day))


def read_all(table: Table) -> pa.Table | None:
    if not is_table(table):
        return None
    return open_table(table).to_pyarrow_table()


def row_count(table: Table) -> int | None:
    """Rows in the table's current version, from the Delta log's file statistics (no data read)."""
    if not is_table(table):
        return None
    actions = open_table(table).get_add_actions(flatten=True)
    return int(sum(v or 0 for v in actions.column("num_records").to_pylist()))
