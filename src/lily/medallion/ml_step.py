"""ML-ready: features of the day's rows, as a Delta partition and as files a training job reads.

``ml/<pipeline>/exports/<name>/process_date=D/`` holds ``<split>.parquet`` and ``<split>.arrow``
(Arrow IPC) per split and ``manifest.json``: the feature spec, the fitted parameters, rows per
split, the schema and its hash, each file's sha256, and the Delta version of the table that holds
the same rows — a model trained from these files can name exactly the data it saw.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pyarrow as pa

from lily.medallion import features, lineage
from lily.medallion.context import Context
from lily.medallion.engine import with_day
from lily.medallion.layout import PARTITION_COLUMN, day_dir
from lily.medallion.results import ColumnEdge, DatasetRef, MlRun, TableOutput
from lily.medallion.spec import MlSpec
from lily.medallion.tables import parquet_bytes, replace_day

MANIFEST = "manifest.json"


def ipc_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _write(ctx: Context, key: str, data: bytes) -> dict[str, Any]:
    ctx.layout.storage.write_bytes(key, data)
    return {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}


def manifest(ctx: Context, name: str, spec: MlSpec, built: features.FeatureSet, *, dataset: str,
             source_dataset: str, version: int, files: dict[str, dict[str, Any]]) -> dict[str, Any]:
    schema = built.table.schema
    return {
        "pipeline": ctx.pipeline.name, "name": name, PARTITION_COLUMN: ctx.day.isoformat(),
        "dataset": dataset, "delta_version": version,
        "source": spec.source, "source_dataset": source_dataset,
        "key": spec.key, "label": spec.label,
        "split": spec.split.model_dump(), "rows": built.counts,
        "features": [f.to_json() for f in built.fitted],
        "spec": [f.model_dump() for f in spec.features],
        "schema": [[f.name, str(f.type), f.nullable] for f in schema],
        "schema_hash": features.schema_hash(schema),
        "files": files,
    }


def run_ml(ctx: Context, name: str, spec: MlSpec, out: MlRun, relations: dict[str, DatasetRef]) -> list[ColumnEdge]:
    source = ctx.con.sql(f"SELECT * EXCLUDE ({PARTITION_COLUMN}) FROM {spec.source}").to_arrow_table()
    built = features.build(spec, source)
    uri = ctx.layout.ml(name)
    version = replace_day(uri, built.table, day=ctx.day, modified=ctx.now)
    ref = ctx.ref(uri)
    out.table = TableOutput("ml", ref, uri, with_day(built.table, ctx.day).schema, (PARTITION_COLUMN,),
                            built.table.num_rows, version)
    where = f"{ctx.layout.ml_exports(name)}/{day_dir(ctx.day)}"
    files: dict[str, dict[str, Any]] = {}
    for split in features.SPLITS:
        part = built.split(split)
        for suffix, data in (("parquet", parquet_bytes(part)), ("arrow", ipc_bytes(part))):
            file = f"{split}.{suffix}"
            files[file] = {**_write(ctx, f"{where}/{file}", data), "rows": part.num_rows}
            out.files[file] = f"{where}/{file}"
    source_ref = relations[spec.source]
    out.manifest = manifest(ctx, name, spec, built, dataset=ref.name, source_dataset=source_ref.name,
                            version=version, files=files)
    out.manifest_path = f"{where}/{MANIFEST}"
    _write(ctx, out.manifest_path, (json.dumps(out.manifest, indent=2, sort_keys=True) + "\n").encode())
    return lineage.ml_edges(spec, built.fitted, source_ref, ref)
