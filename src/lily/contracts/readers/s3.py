"""S3 (any S3-compatible endpoint): the newest partition under the dataset's prefix, read in full.

Credentials come from the usual AWS chain (environment, profile, instance role); the server's
``endpointUrl`` (or ``AWS_ENDPOINT_URL``) points elsewhere than AWS.
"""

from __future__ import annotations

import io
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.json as pajson
import pyarrow.parquet as pq

from lily.contracts.readers import Partition, ReadError, partition_date
from lily.model import AssetRef

_FORMATS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".json": "json", ".ndjson": "json",
            ".jsonl": "json"}


def _format(key: str) -> str | None:
    return next((f for ext, f in _FORMATS.items() if key.lower().endswith(ext)), None)


def _client(server: dict[str, Any]) -> Any:
    import boto3

    return boto3.client("s3", endpoint_url=server.get("endpointUrl") or None, region_name=server.get("region"))


def read(server: dict[str, Any], dataset: AssetRef, limit_bytes: int) -> Partition:
    bucket = dataset.namespace.removeprefix("s3://").rstrip("/")
    prefix = dataset.name.strip("/")
    client = _client(server)
    groups: dict[str, list[dict[str, Any]]] = {}
    try:
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{prefix}/" if prefix else ""):
            for obj in page.get("Contents", []):
                if _format(obj["Key"]):
                    groups.setdefault(obj["Key"].rsplit("/", 1)[0], []).append(obj)
    except Exception as e:  # botocore's errors: unreachable endpoint, credentials, missing bucket
        raise ReadError(f"cannot list s3://{bucket}/{prefix}: {e}") from None
    if not groups:
        raise ReadError(f"no data files under s3://{bucket}/{prefix}")
    path, objects = max(groups.items(), key=lambda kv: (max(o["LastModified"] for o in kv[1]), kv[0]))
    if sum(o["Size"] for o in objects) > limit_bytes:
        raise ReadError(f"partition {path} is larger than {limit_bytes} bytes")
    tables = []
    for obj in sorted(objects, key=lambda o: o["Key"]):
        try:
            body = client.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
            fmt = _format(obj["Key"])
            if fmt == "parquet":
                tables.append(pq.read_table(io.BytesIO(body)))
            elif fmt == "csv":
                tables.append(pacsv.read_csv(io.BytesIO(body)))
            else:
                tables.append(pajson.read_json(io.BytesIO(body)))
        except Exception as e:  # a corrupt footer, an unreadable CSV: this partition cannot be checked
            raise ReadError(f"cannot read s3://{bucket}/{obj['Key']}: {e}") from None
    try:
        table = pa.concat_tables(tables, promote_options="permissive")
    except pa.ArrowInvalid as e:
        raise ReadError(f"the files of {path} do not share a schema: {e}") from None
    relative = path[len(prefix):].strip("/") if path.startswith(prefix) else path
    return Partition(table, f"s3://{bucket}/{path}", partition_date(relative))
