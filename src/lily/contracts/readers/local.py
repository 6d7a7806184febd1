"""A local directory (``servers[].path``): the newest partition directory's Parquet/CSV/JSON files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.json as pajson
import pyarrow.parquet as pq

from lily.contracts.readers import Partition, ReadError, partition_date
from lily.model import AssetRef

_READ = {".parquet": pq.read_table, ".csv": pacsv.read_csv, ".json": pajson.read_json, ".ndjson": pajson.read_json}


def read(server: dict[str, Any], dataset: AssetRef, limit_bytes: int) -> Partition:
    root = Path(str(server.get("path") or dataset.name))
    files = [p for p in root.rglob("*") if p.suffix.lower() in _READ and p.is_file()] if root.is_dir() else []
    if not files:
        raise ReadError(f"no data files under {root}")
    groups: dict[Path, list[Path]] = {}
    for f in files:
        groups.setdefault(f.parent, []).append(f)
    directory, chosen = max(groups.items(), key=lambda kv: (max(f.stat().st_mtime for f in kv[1]), str(kv[0])))
    if sum(f.stat().st_size for f in chosen) > limit_bytes:
        raise ReadError(f"partition {directory} is larger than {limit_bytes} bytes")
    try:
        table = pa.concat_tables([_READ[f.suffix.lower()](f) for f in sorted(chosen)], promote_options="permissive")
    except Exception as e:
        raise ReadError(f"cannot read {directory}: {e}") from None
    return Partition(table, str(directory), partition_date(str(directory.relative_to(root))))
