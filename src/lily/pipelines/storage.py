"""Where the lake's files live: a local directory or an S3 prefix, behind one small interface.

Every file of the lake is addressed by a *key*, its ``/``-separated path under the lake root
(``raw/a.ndjson``, ``bronze/ndjson/event_date=2024-05-01/a.ndjson``); ``LakeStorage`` reads, writes,
copies, lists and deletes keys on a ``pyarrow.fs`` filesystem (``LocalFileSystem`` or
``S3FileSystem``), and names Delta tables for delta-rs (a path, or an ``s3://`` URL with its
storage options). ``open_storage`` is the one place that looks at the URL's scheme.

Writes are atomic on both: locally a file is written beside its target and renamed over it; on S3 a
single PUT is atomic by itself (readers see the old object or the new one, never part of one).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlparse

from pyarrow import fs as pafs

# delta-rs commits a table version by creating ``_delta_log/<version>.json`` only if it does not
# exist yet. On S3 that is a PUT with ``If-None-Match: *`` (S3 has honoured it since 2024; so does
# moto): of two writers racing for one version, one gets 412 Precondition Failed, re-reads the log
# and retries at the next version (or fails on a real conflict). No lock table is needed.
S3_DELTA_COMMIT_OPTIONS = {"conditional_put": "etag"}


@dataclass(frozen=True)
class TableRef:
    """A Delta table: its URI and storage options for delta-rs, and where its files are on a
    ``pyarrow.fs`` filesystem (for writing data files before a commit)."""

    uri: str
    storage_options: Mapping[str, str] | None = None
    filesystem: pafs.FileSystem | None = field(default=None, compare=False)
    path: str | None = None  # the table root on ``filesystem``

    @classmethod
    def of(cls, table: TableRef | str | os.PathLike[str]) -> TableRef:
        """``table`` as a reference: a plain path or URI is a local table."""
        if isinstance(table, TableRef):
            return table
        return cls(str(table), None, pafs.LocalFileSystem(), str(table))

    @property
    def fs(self) -> tuple[pafs.FileSystem, str]:
        return (self.filesystem or pafs.LocalFileSystem(), self.path or self.uri)

    @property
    def options(self) -> dict[str, str] | None:
        return dict(self.storage_options) if self.storage_options else None

    def has_file(self, rel: str) -> bool:
        """Whether ``rel`` (a ``/``-separated path under the table root) exists."""
        filesystem, root = self.fs
        return filesystem.get_file_info(f"{root}/{rel}").type == pafs.FileType.File

    def write_file(self, rel: str, data: bytes) -> None:
        """Write ``rel`` under the table root atomically (a data file not yet committed)."""
        filesystem, root = self.fs
        write_atomic(filesystem, f"{root}/{rel}", lambda out: out.write(data))


@dataclass(frozen=True)
class LakeStorage:
    """The lake's files as keys under ``base`` on ``filesystem``.

    ``url`` is the lake root as users write it (a directory or ``s3://bucket/prefix``);
    ``delta_options`` are delta-rs's storage options for tables under it (``None`` locally).
    """

    filesystem: pafs.FileSystem
    base: str  # root on ``filesystem``: an absolute directory, or ``bucket/prefix``
    url: str
    delta_options: Mapping[str, str] | None = None
    # A local directory: files are written beside their target and renamed (a rename is atomic, a
    # copy is not), and parent directories are created. On S3 an object appears whole when its PUT
    # completes, and there are no directories to create.
    local: bool = field(default=False)

    # -- names ----------------------------------------------------------------------------------
    def path(self, key: str) -> str:
        """``key`` on the filesystem."""
        return f"{self.base}/{key}" if key else self.base

    def table(self, key: str) -> TableRef:
        return TableRef(f"{self.url.rstrip('/')}/{key}", self.delta_options, self.filesystem, self.path(key))

    # -- reading --------------------------------------------------------------------------------
    def exists(self, key: str) -> bool:
        return self.filesystem.get_file_info(self.path(key)).type == pafs.FileType.File

    def read_bytes(self, key: str) -> bytes:
        with self.filesystem.open_input_stream(self.path(key)) as stream:
            return bytes(stream.read())

    def files(self, prefix: str, *, recursive: bool = True) -> list[str]:
        """Keys of the files under ``prefix`` (sorted; none when it does not exist). Names starting
        with ``.`` anywhere below ``prefix`` are in-progress or hidden files, and left out."""
        selector = pafs.FileSelector(self.path(prefix), recursive=recursive, allow_not_found=True)
        keys = []
        for info in self.filesystem.get_file_info(selector):
            if info.type != pafs.FileType.File:
                continue
            key = info.path[len(self.base) + 1:]
            below = PurePosixPath(key).relative_to(prefix).parts
            if not any(part.startswith(".") for part in below):
                keys.append(key)
        return sorted(keys)

    @contextmanager
    def local_file(self, key: str) -> Iterator[Path]:
        """``key`` as a local file for readers that need a path (the engine's file readers): the
        file itself in a local lake, a temporary download of the object on S3."""
        if self.local:
            yield Path(self.path(key))
            return
        with tempfile.TemporaryDirectory(prefix="lily-lake-") as scratch:
            target = Path(scratch) / PurePosixPath(key).name
            with self.filesystem.open_input_stream(self.path(key)) as src, target.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1024 * 1024)
            yield target

    # -- writing --------------------------------------------------------------------------------
    def write_bytes(self, key: str, data: bytes) -> None:
        self._write(key, lambda out: out.write(data))

    def copy(self, src: str, dst: str) -> None:
        if not self.local:
            self.filesystem.copy_file(self.path(src), self.path(dst))
            return
        self._ensure_parent(dst)
        tmp = self._staging_name(dst)
        self.filesystem.copy_file(self.path(src), tmp)
        self.filesystem.move(tmp, self.path(dst))

    def delete(self, key: str) -> None:
        """Remove ``key`` (nothing when it is already gone)."""
        with suppress(FileNotFoundError):
            self.filesystem.delete_file(self.path(key))

    def delete_tree(self, prefix: str) -> None:
        """Remove ``prefix`` and everything under it (nothing when it does not exist)."""
        with suppress(FileNotFoundError):
            self.filesystem.delete_dir(self.path(prefix))

    def ensure_dir(self, key: str) -> None:
        """Create directory ``key`` where directories exist (S3 has none: a no-op there)."""
        if self.local:
            self.filesystem.create_dir(self.path(key), recursive=True)

    def _write(self, key: str, fill: Callable[[Any], object]) -> None:
        write_atomic(self.filesystem, self.path(key), fill)

    def _ensure_parent(self, key: str) -> None:
        if self.local:
            self.filesystem.create_dir(PurePosixPath(self.path(key)).parent.as_posix(), recursive=True)

    def _staging_name(self, key: str) -> str:
        return _staging_name(self.path(key))


def _staging_name(path: str) -> str:
    target = PurePosixPath(path)
    return target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp").as_posix()


def write_atomic(filesystem: pafs.FileSystem, path: str, fill: Callable[[Any], object]) -> None:
    """Write ``path`` so readers see the old file or the new one, never part of one: on a local
    filesystem beside the target and renamed over it (parents created); on object storage one PUT
    is atomic by itself, and there are no directories to create."""
    if not isinstance(filesystem, pafs.LocalFileSystem):
        with filesystem.open_output_stream(path) as out:
            fill(out)
        return
    filesystem.create_dir(PurePosixPath(path).parent.as_posix(), recursive=True)
    staging = _staging_name(path)
    with filesystem.open_output_stream(staging) as out:
        fill(out)
    filesystem.move(staging, path)


def is_url(root: str | os.PathLike[str]) -> bool:
    """Whether ``root`` names object storage (``s3://...``) rather than a directory."""
    return urlparse(str(root)).scheme == "s3"


def _aws_settings(env: Mapping[str, str]) -> dict[str, str]:
    # The usual AWS variables; the region defaults as the AWS SDKs default it.
    names = ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
    found = {n: env[n] for n in names if env.get(n)}
    found["AWS_REGION"] = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1"
    return found


def open_storage(root: str | os.PathLike[str], env: Mapping[str, str] | None = None) -> LakeStorage:
    """The storage of a lake rooted at ``root``: ``s3://bucket/prefix`` (endpoint and credentials
    from the AWS variables in ``env``, default the process environment), ``file://dir`` or a
    directory path."""
    text = str(root)
    parsed = urlparse(text)
    if parsed.scheme == "s3":
        return _s3_storage(parsed.netloc, parsed.path.strip("/"), os.environ if env is None else env)
    if parsed.scheme not in ("", "file"):
        raise ValueError(f"unsupported lake URL {text!r}: use a directory, file:// or s3://")
    directory = Path(parsed.path if parsed.scheme == "file" else text).expanduser().resolve()
    return LakeStorage(pafs.LocalFileSystem(), directory.as_posix(), directory.as_posix(), None, local=True)


def _s3_storage(bucket: str, prefix: str, env: Mapping[str, str]) -> LakeStorage:
    if not bucket:
        raise ValueError("an s3:// lake URL needs a bucket: s3://bucket/prefix")
    aws = _aws_settings(env)
    endpoint = aws.get("AWS_ENDPOINT_URL")
    filesystem = pafs.S3FileSystem(
        access_key=aws.get("AWS_ACCESS_KEY_ID"), secret_key=aws.get("AWS_SECRET_ACCESS_KEY"),
        session_token=aws.get("AWS_SESSION_TOKEN"), region=aws["AWS_REGION"], endpoint_override=endpoint,
    )
    options = {**aws, **S3_DELTA_COMMIT_OPTIONS}
    if endpoint and endpoint.startswith("http://"):
        options["AWS_ALLOW_HTTP"] = "true"  # a local S3 server (tests, `lily cluster up`)
    base = f"{bucket}/{prefix}" if prefix else bucket
    return LakeStorage(filesystem, base, f"s3://{base}", options, local=False)
