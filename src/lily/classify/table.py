"""Classify every column of a table or a file."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from lily.classify.column import classify_column
from lily.classify.files import read_head
from lily.classify.model import ColumnResult

ROWS_PER_SAMPLE = 20  # a file's head holds this many rows per sampled value, so nulls still leave a sample


def classify_table(table: pa.Table, *, sample: int = 1000, threshold: float = 0.5) -> list[ColumnResult]:
    """One result per column, in the table's order."""
    return [classify_column(name, table.column(i), sample=sample, threshold=threshold)
            for i, name in enumerate(table.column_names)]


def classify_file(path: str | Path, *, sample: int = 1000, threshold: float = 0.5) -> list[ColumnResult]:
    """Classify a CSV, NDJSON or Parquet file from its first rows.

    Raises :class:`lily.classify.files.InputError` with a readable message for a missing file, an
    unknown format or a malformed one.
    """
    table = read_head(path, max_rows=max(10_000, sample * ROWS_PER_SAMPLE))
    return classify_table(table, sample=sample, threshold=threshold)
