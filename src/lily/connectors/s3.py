"""S3 discovery: buckets, objects and the logical datasets path specs make of them.

A scan lists each path spec's prefix as a stream (one page of keys held at a time) and merges it
with the objects the catalog holds under that prefix, streamed in the same byte order: an object
that is new or whose ETag or size changed is written, one the listing no longer has is deleted,
the rest cost nothing but the comparison. Objects are named as the S3 event source names them
(``lily.inbound.sources.s3``), so events and scans agree, and events keep the catalog current
between scans.

Each spec's objects are grouped into datasets (``{table}``) and partitions (their directories);
the newest new or changed object of each partition has its schema read without a download
(``s3_schema``), in a thread pool beside the listing. A dataset's schema is the union over the
files read, each column with "seen in k of n files"; the newest file's columns are marked, so a
dropped column shows. Its values, sampled from its newest file, are classified (``detect``).

Re-scans (once a run has left a cursor), by ``rescan``:

- ``partitions`` (the default, as exports append partitions): a spec without ``**`` is walked level
  by level with a delimiter to find its partition directories; only new partitions and each
  dataset's newest known one are listed, and partitions that disappeared have their objects
  deleted. A few requests instead of the whole listing (3 % of a first scan's time at 100,000
  objects), blind to a change inside an older partition (a ``full`` run, or ``listing``, finds it);
- ``listing``: for layouts whose old partitions are rewritten: the whole prefix is listed and merged
  with the catalog as above, so a change or a deletion in any partition is noticed; only the schemas
  of partitions with a new or changed object are read again, and only the datasets with a change are
  rewritten. It costs a listing (95 % of a first scan's time).

``full`` lists everything and re-reads one schema per partition.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator

from lily.connectors import s3_client
from lily.connectors.base import ConnectorConfig, ConnectorError, Kind, RunContext
from lily.connectors.detect import detected
from lily.connectors.s3_paths import Match, PathSpec, PathSpecError, parse_spec
from lily.connectors.s3_schema import FileSchema, SchemaError, infer
from lily.inbound.sources.s3 import basename, bucket_ref, infer_format, object_ref
from lily.model import AssetRef, AssetType, ColumnSpec, DeleteAsset, MetadataEvent, UpsertAsset
from lily.store import connector_runs


class S3Config(ConnectorConfig):
    type: Literal["s3"] = "s3"
    secret_fields: ClassVar[tuple[str, ...]] = ("secret_access_key", "session_token")

    path_specs: list[str] = Field(min_length=1)  # s3://bucket/exports/{table}/dt={partition}/*.parquet
    endpoint_url: str | None = None  # any S3-compatible endpoint (MinIO, moto, Ceph); none: AWS
    region: str | None = None
    access_key_id: str | None = None  # none: boto3's chain (environment, profile, instance role)
    secret_access_key: str | None = None
    session_token: str | None = None
    path_style: bool = True  # path-style addressing: what most S3-compatible servers expect
    page_size: int = Field(default=1000, ge=1, le=1000)
    head_bytes: int = Field(default=64 * 1024, ge=1024)  # CSV/JSON: bytes read for a schema
    schema_files_per_partition: int = Field(default=1, ge=0, le=1)  # 0: no schema inference
    classify: bool = True
    sample_bytes: int = Field(default=8 * 1024 * 1024, ge=0)  # largest Parquet row group sampled
    sample_rows: int = Field(default=1000, ge=10)
    workers: int = Field(default=8, ge=1, le=64)  # concurrent ranged GETs
    rescan: Literal["listing", "partitions"] = "partitions"  # how a re-scan finds changes (module docstring)
    connect_timeout: float = Field(default=5.0, gt=0)
    max_attempts: int = Field(default=2, ge=1)

    @field_validator("path_specs")
    @classmethod
    def _specs(cls, value: list[str]) -> list[str]:
        for spec in value:
            try:
                parse_spec(spec)
            except PathSpecError as exc:
                raise ValueError(str(exc)) from None
        return value


@dataclass
class _Partition:
    dataset: str | None
    objects: int = 0
    bytes: int = 0
    last_modified: str | None = None
    formats: Counter[str] = field(default_factory=Counter)
    partitions: dict[str, str] = field(default_factory=dict)
    date: str | None = None
    schema: dict[str, Any] | None = None  # the newest file read: file, last_modified, columns, ...

    def add(self, size: int, modified: str, fmt: str | None) -> None:
        self.objects += 1
        self.bytes += size
        self.last_modified = max(self.last_modified or modified, modified)
        self.formats[fmt or "unknown"] += 1

    def to_json(self) -> dict[str, Any]:
        return {"dataset": self.dataset, "objects": self.objects, "bytes": self.bytes,
                "last_modified": self.last_modified, "formats": dict(self.formats),
                "partitions": self.partitions, "date": self.date, "schema": self.schema}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> _Partition:
        return cls(data.get("dataset"), data.get("objects", 0), data.get("bytes", 0), data.get("last_modified"),
                   Counter(data.get("formats") or {}), data.get("partitions") or {}, data.get("date"),
                   data.get("schema"))


@dataclass
class _Candidate:
    key: str
    size: int
    modified: str
    fmt: str | None
    compression: str | None
    match: Match


def union(schemas: list[dict[str, Any]]) -> tuple[list[ColumnSpec], dict[str, Any] | None]:
    """A dataset's columns over the files read (one per partition): the most frequent type, "seen in
    k of n files", and whether the newest file has it (a dropped column shows as not in it)."""
    columns: dict[str, dict[str, Any]] = {}
    for schema in schemas:
        for name, type_ in schema["columns"]:
            col = columns.setdefault(name, {"seen": 0, "types": {}, "ordinal": len(columns)})
            col["seen"] += 1
            col["types"][type_] = col["types"].get(type_, 0) + 1
    latest = max(schemas, key=lambda s: (s["last_modified"], s["file"]), default=None)
    in_latest = {n for n, _ in latest["columns"]} if latest else set()
    specs = [ColumnSpec(name=name, data_type=max(info["types"], key=info["types"].get), ordinal=info["ordinal"],
                        attributes={"seen_in": info["seen"], "files": len(schemas), "types": info["types"],
                                    "in_latest_file": name in in_latest})
             for name, info in columns.items()]
    return specs, latest


class S3Connector:
    def __init__(self, config: S3Config) -> None:
        self.config = config
        self.specs = [parse_spec(s) for s in config.path_specs]

    def client(self) -> Any:
        c = self.config
        return s3_client.make_client("s3", endpoint_url=c.endpoint_url, region=c.region,
                                     access_key_id=c.access_key_id, secret_access_key=c.secret_access_key,
                                     session_token=c.session_token, connect_timeout=c.connect_timeout,
                                     max_attempts=c.max_attempts, pool=c.workers + 2, path_style=c.path_style)

    def run(self, ctx: RunContext) -> None:
        client = self.client()
        previous = (ctx.cursor or {}).get("specs", {})
        cursor: dict[str, Any] = {"specs": {}}
        for bucket in dict.fromkeys(spec.bucket for spec in self.specs):
            meta = s3_client.bucket_metadata(client, bucket, ctx.report.notes)
            ctx.writer.add([UpsertAsset(ref=bucket_ref(bucket), type=AssetType.S3_BUCKET, display_name=bucket,
                                        attributes=meta)])
            ctx.report.count("buckets")
        with ThreadPoolExecutor(self.config.workers, thread_name_prefix="lily-s3-schema") as pool:
            for spec in self.specs:
                scan = _SpecScan(self.config, client, spec, ctx, pool, previous.get(spec.spec))
                try:
                    cursor["specs"][spec.spec] = scan.run()
                except ConnectorError:
                    raise
                except Exception as exc:  # one spec's failure: the other specs still run
                    if (run_level := s3_client.run_level(exc, spec.spec)) is not None:
                        raise run_level from exc
                    ctx.report.fail(spec.spec, f"{type(exc).__name__}: {exc}")
                    if spec.spec in previous:
                        cursor["specs"][spec.spec] = previous[spec.spec]
        ctx.report.cursor = cursor


class _SpecScan:
    """One path spec's pass: list, diff against the catalog, read schemas, write."""

    def __init__(self, config: S3Config, client: Any, spec: PathSpec, ctx: RunContext, pool: ThreadPoolExecutor,
                 previous: dict[str, Any] | None) -> None:
        self.config, self.client, self.spec, self.ctx, self.pool = config, client, spec, ctx, pool
        self.bucket = spec.bucket
        self.namespace = bucket_ref(spec.bucket).namespace
        self.incremental = (not ctx.full and previous is not None and spec.walkable
                            and config.rescan == "partitions")
        before = {d: _Partition.from_json(p) for d, p in (previous or {}).get("partitions", {}).items()}
        self.previous_datasets = {p.dataset for p in before.values() if p.dataset}
        self.before = before  # a re-listed partition keeps its schema unless a newer file is read
        self.partitions: dict[str, _Partition] = dict(before) if self.incremental else {}
        self.fresh: set[str] = set()  # partitions whose stats this run recounts
        self.touched: set[str] = set()  # datasets with a change this run
        self.inspections: list[tuple[_Candidate, Future[FileSchema | None]]] = []
        self.matched = 0

    # -- listing and diffing ----------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        report = self.ctx.report
        if self.incremental:
            self._incremental()
        else:
            with self.ctx.store.read() as conn:
                stored = connector_runs.stored_objects(conn, self.ctx.tenant_id, self.namespace, self.spec.prefix)
                self._merge(s3_client.listing(self.client, self.bucket, self.spec.prefix, self.config.page_size),
                            stored)
        if self.matched == 0 and not any(p.objects for p in self.partitions.values()):
            report.fail(self.spec.spec, f"the path spec matches no object (listed s3://{self.bucket}/"
                                        f"{self.spec.prefix})")
        self._finish_inspections()
        self._write_datasets()
        return {"partitions": {d: p.to_json() for d, p in sorted(self.partitions.items())}}

    def _incremental(self) -> None:
        found = set(self._walk())
        known = set(self.partitions)
        gone = known - found
        newest: dict[str | None, str] = {}
        for directory in found & known:
            ds = self.partitions[directory].dataset
            newest[ds] = max(newest.get(ds, directory), directory)
        to_list = sorted((found - known) | set(newest.values()))
        self.ctx.report.count("partitions_new", len(found - known))
        self.ctx.report.count("partitions_gone", len(gone))
        with self.ctx.store.read() as conn:
            for directory in sorted(gone):  # every object under it went: delete them
                stored = connector_runs.stored_objects(conn, self.ctx.tenant_id, self.namespace, directory + "/")
                self._merge(iter(()), stored)
                part = self.partitions.pop(directory)
                if part.dataset:
                    self.touched.add(part.dataset)
            for directory in to_list:
                stored = connector_runs.stored_objects(conn, self.ctx.tenant_id, self.namespace, directory + "/")
                self._merge(s3_client.listing(self.client, self.bucket, directory + "/", self.config.page_size),
                            stored)

    def _walk(self) -> list[str]:
        """The partition directories (no trailing ``/``) of a spec without ``**``, level by level."""
        levels = self.spec.level_regexes()
        dirs = self.spec.segments[:-1]
        literal = 0
        while literal < len(dirs) and "{" not in dirs[literal] and "*" not in dirs[literal]:
            literal += 1
        current = ["/".join(dirs[:literal]) + "/" if literal else ""]
        for depth in range(literal, len(dirs)):
            pattern = levels[depth]
            current = [p for prefix in current for p in s3_client.directories(self.client, self.bucket, prefix)
                       if pattern.match(p[len(prefix):-1])]
        return [p.rstrip("/") for p in current]

    def _merge(self, listed: Any, stored: Any) -> None:
        """Walk the listing and the catalog's objects (both in byte order) side by side."""
        report, spec, write = self.ctx.report, self.spec, self.ctx.writer.add
        stored_it = iter(stored)
        cur = next(stored_it, None)
        deletes: list[MetadataEvent] = []
        last_dir: str | None = None
        best: _Candidate | None = None
        progress, seen = self.ctx.progress, 0
        for obj in listed:
            key = obj["Key"]
            while cur is not None and cur[0] < key:
                self._gone(cur[0], deletes)
                cur = next(stored_it, None)
            same = cur is not None and cur[0] == key
            etag = obj.get("ETag", "").strip('"') or None
            size = int(obj.get("Size", 0))
            # Unchanged: this spec wrote it (an object only events told of lacks its dataset and
            # partition) and its ETag and size are the same.
            unchanged = same and cur[1] == etag and cur[2] == size and cur[3] == spec.spec  # type: ignore[index]
            if same:
                cur = next(stored_it, None)
            seen += 1
            if seen % 1000 == 0:
                progress.update(f"s3://{self.bucket}/{spec.prefix}", advance=1000)
            match = spec.match(key)
            if match is None:
                report.count("objects_unmatched")
                continue
            self.matched += 1
            report.count("objects")
            modified = obj["LastModified"].isoformat()
            fmt, compression = infer_format(key)
            part = self._partition(match)
            part.add(size, modified, fmt)
            if unchanged:
                report.count("objects_unchanged")
            else:
                report.count("objects_written")
                if match.dataset:
                    self.touched.add(match.dataset)
                write([self._object_op(key, size, etag, modified, fmt, compression, obj.get("StorageClass"),
                                       match)])
            if match.partition_dir != last_dir:
                self._inspect(best)
                best, last_dir = None, match.partition_dir
            if (not unchanged or self.ctx.full) and (best is None or (modified, key) > (best.modified, best.key)):
                best = _Candidate(key, size, modified, fmt, compression, match)
        progress.update(f"s3://{self.bucket}/{spec.prefix}", advance=seen % 1000)
        self._inspect(best)
        while cur is not None:
            self._gone(cur[0], deletes)
            cur = next(stored_it, None)
        if deletes:
            write(deletes)

    def _gone(self, key: str, deletes: list[MetadataEvent]) -> None:
        match = self.spec.match(key)
        if match is None:
            return  # another spec's object, or one only events told of
        deletes.append(DeleteAsset(ref=object_ref(self.bucket, key)))
        self.ctx.report.count("objects_deleted")
        if match.dataset:
            self.touched.add(match.dataset)

    def _partition(self, match: Match) -> _Partition:
        directory = match.partition_dir
        if directory not in self.fresh:  # listed this run: its stats are recounted from zero
            self.fresh.add(directory)
            old = self.before.get(directory)
            self.partitions[directory] = _Partition(match.dataset, partitions=match.partitions,
                                                    date=match.date_partition,
                                                    schema=old.schema if old and not self.ctx.full else None)
        return self.partitions[directory]

    def _object_op(self, key: str, size: int, etag: str | None, modified: str, fmt: str | None,
                   compression: str | None, storage_class: str | None, match: Match) -> UpsertAsset:
        attributes = {"size": size, "etag": etag, "last_modified": modified, "format": fmt, "path_spec": self.spec.spec,
                      "compression": compression, "storage_class": storage_class, "dataset": match.dataset,
                      "partition": match.partitions or None, "partition_date": match.date_partition}
        return UpsertAsset(ref=object_ref(self.bucket, key), type=AssetType.S3_OBJECT,
                           parent=bucket_ref(self.bucket), display_name=basename(key),
                           attributes={k: v for k, v in attributes.items() if v is not None})

    # -- schemas ----------------------------------------------------------------------------------
    def _inspect(self, cand: _Candidate | None) -> None:
        if cand is None or not self.config.schema_files_per_partition:
            return
        self.inspections.append((cand, self.pool.submit(self._read_schema, cand, 0)))

    def _read_schema(self, cand: _Candidate, sample_bytes: int) -> FileSchema | None:
        def fetch(start: int, end: int) -> bytes:
            return s3_client.fetch_range(self.client, self.bucket, cand.key, start, end)

        return infer(fetch, cand.size, cand.fmt, cand.compression, head_bytes=self.config.head_bytes,
                     sample_bytes=sample_bytes)

    def _finish_inspections(self) -> None:
        report, ops = self.ctx.report, []
        for cand, future in self.inspections:
            try:
                found = future.result()
            except SchemaError as exc:
                report.fail(f"s3://{self.bucket}/{cand.key}", str(exc))
                continue
            except Exception as exc:
                if (run_level := s3_client.run_level(exc, f"s3://{self.bucket}/{cand.key}")) is not None:
                    raise run_level from exc
                report.fail(f"s3://{self.bucket}/{cand.key}", f"{type(exc).__name__}: {exc}")
                continue
            if found is None:
                continue
            report.count("schemas_read")
            report.count("schema_bytes", found.bytes_read)
            report.counts["schema_bytes_max"] = max(report.counts["schema_bytes_max"], found.bytes_read)
            schema = [{"name": n, "type": t} for n, t in found.columns]
            ops.append(UpsertAsset(ref=object_ref(self.bucket, cand.key), type=AssetType.S3_OBJECT,
                                   attributes={"schema": schema, "rows": found.rows}))
            part = self.partitions.get(cand.match.partition_dir)
            if part is not None:
                part.schema = {"file": cand.key, "last_modified": cand.modified, "size": cand.size,
                               "format": cand.fmt, "compression": cand.compression,
                               "columns": [[n, t] for n, t in found.columns]}
            if cand.match.dataset:
                self.touched.add(cand.match.dataset)
        self.inspections = []
        self.ctx.writer.add(ops)

    # -- datasets ---------------------------------------------------------------------------------
    def _write_datasets(self) -> None:
        by_dataset: dict[str, list[_Partition]] = {}
        for part in self.partitions.values():
            if part.dataset is not None and part.objects:
                by_dataset.setdefault(part.dataset, []).append(part)
        write, report = self.ctx.writer.add, self.ctx.report
        for name in sorted(self.previous_datasets - set(by_dataset)):
            write([DeleteAsset(ref=AssetRef(namespace=self.namespace, name=name))])
            report.count("datasets_deleted")
        for name, parts in sorted(by_dataset.items()):
            report.count("datasets")
            if not (self.ctx.full or name in self.touched or name not in self.previous_datasets):
                continue
            ref = AssetRef(namespace=self.namespace, name=name)
            columns, latest = union([p.schema for p in parts if p.schema])
            write([self._dataset_op(ref, name, parts, columns, latest)])
            report.count("datasets_written")
            if self.config.classify and name in self.touched and latest is not None:
                self._classify(ref, latest)

    def _dataset_op(self, ref: AssetRef, name: str, parts: list[_Partition], columns: list[ColumnSpec],
                    latest: dict[str, Any] | None) -> UpsertAsset:
        formats: Counter[str] = Counter()
        for part in parts:
            formats.update(part.formats)
        keys = sorted({k for part in parts for k in part.partitions})
        dates = sorted(p.date for p in parts if p.date)
        attributes = {
            "path_spec": self.spec.spec, "objects": sum(p.objects for p in parts),
            "total_size": sum(p.bytes for p in parts), "formats": dict(formats),
            "last_modified": max((p.last_modified for p in parts if p.last_modified), default=None),
            "partitions": len(parts), "partition_keys": keys,
            "partition_dates": [dates[0], dates[-1]] if dates else None,
            "schema_files": sum(1 for p in parts if p.schema), "latest_file": latest["file"] if latest else None,
        }
        return UpsertAsset(ref=ref, type=AssetType.DATASET, parent=bucket_ref(self.bucket),
                           display_name=name.rsplit("/", 1)[-1], attributes=attributes,
                           columns=columns if columns else None, replace_columns=bool(columns))

    def _classify(self, ref: AssetRef, latest: dict[str, Any]) -> None:
        key = latest["file"]
        cand = _Candidate(key, latest["size"], latest["last_modified"], latest["format"], latest["compression"],
                          Match(ref.name, None, key.rsplit("/", 1)[0]))
        try:
            found = self._read_schema(cand, self.config.sample_bytes)
        except Exception as exc:
            self.ctx.report.fail(f"s3://{self.bucket}/{key}", f"sampling for classification: {exc}")
            return
        if found is None or found.sample is None or found.sample.num_rows == 0:
            self.ctx.report.notes.append(f"{ref}: not classified (no sample within {self.config.sample_bytes} "
                                         "bytes)")
            return
        self.ctx.report.count("datasets_classified")
        self.ctx.writer.add([detected(ref, found.sample, connector=self.config.name, at=self.ctx.now,
                                      sample_rows=self.config.sample_rows, context={"file": key})])


def _build(config: S3Config) -> S3Connector:
    return S3Connector(config)


KIND = Kind(name="s3", config=S3Config, build=_build, title="Amazon S3 (and S3-compatible)")

__all__ = ["KIND", "S3Config", "S3Connector"]
