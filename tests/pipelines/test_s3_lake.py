"""The lake on S3 (moto): where it is configured, Delta commits from concurrent writers, and the CLI's
log and declared pipelines on an S3 lake URL."""

from __future__ import annotations

import multiprocessing
import time
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from lily.pipelines.delta import open_table, read_all, replace_partition
from lily.pipelines.lake import Lake, lake_location
from lily.pipelines.storage import open_storage
from tests.support.motoserver import MotoServer

from .conftest import s3_lake

SCHEMA = pa.schema([("day", pa.date32()), ("writer", pa.string()), ("n", pa.int64())])
COMMITS = 4


def test_an_s3_url_names_bucket_prefix_and_delta_options_from_the_aws_settings() -> None:
    env = {"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s"}
    storage = open_storage("s3://bucket/some/prefix/", env)
    assert storage.base == "bucket/some/prefix" and not storage.local
    table = storage.table("silver/logs")
    assert table.uri == "s3://bucket/some/prefix/silver/logs" and table.path == "bucket/some/prefix/silver/logs"
    assert table.options == {"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_ACCESS_KEY_ID": "k",
                             "AWS_SECRET_ACCESS_KEY": "s", "AWS_REGION": "us-east-1", "AWS_ALLOW_HTTP": "true",
                             "conditional_put": "etag"}


def test_directories_and_file_urls_are_local_lakes(tmp_path: Path) -> None:
    for root in (tmp_path / "a", f"file://{tmp_path}/a"):
        storage = open_storage(root, {})
        assert storage.local and storage.base == (tmp_path / "a").as_posix() and storage.table("x").options is None
    with pytest.raises(ValueError, match="unsupported lake URL"):
        open_storage("gs://bucket/x", {})


def test_the_lake_url_setting_wins_over_the_lake_root(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LILY_LAKE_ROOT", str(tmp_path / "root"))
    monkeypatch.delenv("LILY_LAKE_URL", raising=False)
    assert lake_location() == tmp_path / "root"
    monkeypatch.setenv("LILY_LAKE_URL", "s3://b/p")
    assert lake_location() == "s3://b/p"
    assert lake_location(tmp_path / "explicit") == tmp_path / "explicit"


def test_files_are_keys_and_writes_replace_whole_objects(moto: MotoServer) -> None:
    lake = s3_lake(moto)
    lake.storage.write_bytes("raw/a/b.ndjson", b"one")
    lake.storage.write_bytes("raw/.hidden/c", b"x")
    lake.storage.write_bytes("raw/a/b.ndjson", b"two")
    assert lake.storage.files("raw") == ["raw/a/b.ndjson"]
    lake.storage.copy("raw/a/b.ndjson", "bronze/b")
    lake.storage.delete("raw/a/b.ndjson")
    lake.storage.delete("raw/a/b.ndjson")  # already gone: nothing happens
    assert lake.storage.read_bytes("bronze/b") == b"two" and not lake.storage.exists("raw/a/b.ndjson")
    with lake.storage.local_file("bronze/b") as local:
        assert local.read_bytes() == b"two"
    assert not local.exists()  # the download is temporary


def _writer(url: str, env: dict[str, str], writer: str, day: str, start_at: float) -> None:
    # A separate process: nothing in-process (the per-table lock of delta.py) orders its commits
    # with the other writer's; only the object store's conditional put does.
    lake = Lake.at(url, env)
    time.sleep(max(0.0, start_at - time.time()))
    for n in range(COMMITS):
        data = pa.table({"day": [date.fromisoformat(day)] * (n + 1), "writer": [writer] * (n + 1),
                         "n": list(range(n + 1))}, schema=SCHEMA)
        replace_partition(lake.table("silver/t"), data, schema=SCHEMA, partition_by=["day"], column="day",
                          day=date.fromisoformat(day))


def _same_day_writer(url: str, env: dict[str, str], writer: str, start_at: float, out: Any) -> None:
    lake = Lake.at(url, env)
    time.sleep(max(0.0, start_at - time.time()))
    landed, failed = 0, []
    for n in range(COMMITS):
        data = pa.table({"day": [date(2024, 3, 1)], "writer": [writer], "n": [n]}, schema=SCHEMA)
        try:
            replace_partition(lake.table("silver/t"), data, schema=SCHEMA, partition_by=["day"], column="day",
                              day=date(2024, 3, 1))
            landed += 1
        except Exception as exc:
            failed.append(type(exc).__name__)
    out.put((writer, landed, failed))


def test_two_processes_replacing_the_same_day_on_s3_never_leave_both_copies(moto: MotoServer) -> None:
    """A real conflict (both replace the same partition): the loser's commit fails, never lands twice."""
    lake = s3_lake(moto)
    env = {k: v for k, v in (lake.storage.delta_options or {}).items() if k.startswith("AWS_")}
    table = lake.table("silver/t")
    replace_partition(table, SCHEMA.empty_table(), schema=SCHEMA, partition_by=["day"], column="day",
                      day=date(2024, 1, 1))
    created = open_table(table).version()
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    start_at = time.time() + 3.0
    procs = [ctx.Process(target=_same_day_writer, args=(str(lake.root), env, w, start_at, out)) for w in "ab"]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    landed = sum(r[1] for r in results)
    assert {e for r in results for e in r[2]} <= {"CommitFailedError"}
    assert open_table(table).version() == created + landed  # each landed commit is one version
    rows = read_all(table).to_pylist()
    assert len(rows) == 1  # the day holds one replacement, whoever committed last


def test_two_processes_committing_to_one_table_on_s3_both_land(moto: MotoServer) -> None:
    lake = s3_lake(moto)
    env = {k: v for k, v in (lake.storage.delta_options or {}).items() if k.startswith("AWS_")}
    table = lake.table("silver/t")
    # the table exists first, so both writers race for the same next versions (not for its creation)
    replace_partition(table, SCHEMA.empty_table(), schema=SCHEMA, partition_by=["day"], column="day",
                      day=date(2024, 1, 1))
    created = open_table(table).version()
    ctx = multiprocessing.get_context("spawn")
    start_at = time.time() + 3.0  # after both interpreters have started
    procs = [ctx.Process(target=_writer, args=(str(lake.root), env, w, d, start_at))
             for w, d in (("a", "2024-03-01"), ("b", "2024-03-02"))]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0, 0]
    # every commit of both writers is a version of its own: none overwrote another's log entry
    assert open_table(table).version() == created + 2 * COMMITS
    history = [h for h in open_table(table).history() if h.get("operation") == "WRITE"]
    assert len(history) >= 2 * COMMITS
    rows = read_all(table).to_pylist()
    # each writer's last replacement of its day is what the table holds
    assert sorted((r["writer"], r["n"]) for r in rows) == sorted(
        [("a", n) for n in range(COMMITS)] + [("b", n) for n in range(COMMITS)])


def test_the_cli_runs_the_log_and_declared_pipelines_on_an_s3_lake_url(moto: MotoServer, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from lily.cli import app
    from lily.pipelines.delta import row_count
    from lily.pipelines.runs import JsonFileRunRecorder

    lake = s3_lake(moto)
    aws = {k: v for k, v in (lake.storage.delta_options or {}).items() if k.startswith("AWS_")}
    env = {**aws, "LILY_DATA_DIR": str(tmp_path / ".lily"), "LILY_LAKE_URL": str(lake.root), "COLUMNS": "200"}
    cli = CliRunner()
    out = cli.invoke(app, ["pipeline", "demo-data", "--days", "1", "--from", "2024-01-01", "--per-file", "10"],
                     env=env)
    assert out.exit_code == 0 and str(lake.root) in out.output, out.output
    out = cli.invoke(app, ["pipeline", "run", "logs", "--date", "2024-01-01", "--standalone"], env=env)
    assert out.exit_code == 0, out.output
    assert not (tmp_path / ".lily" / "lake").exists()  # nothing went to the local default
    assert (row_count(lake.silver) or 0) > 0 and (row_count(lake.gold) or 0) > 0
    runs = JsonFileRunRecorder.in_lake(lake.storage).runs("logs")  # the run records are in the bucket too
    assert [r.state.value for r in runs] == ["SUCCEEDED"]

    # demo-data also put the demo CRM in the bucket: the declared pipeline runs there too
    assert lake.storage.files("sources/crm/customers") == ["sources/crm/customers/customers_2024-01-01.csv"]
    pipelines = Path(__file__).resolve().parents[2] / "pipelines"
    out = cli.invoke(app, ["pipeline", "run", "crm", "--date", "2024-01-01", "--standalone",
                           "--pipelines-dir", str(pipelines)], env=env)
    assert out.exit_code == 0, out.output
    assert (row_count(lake.table("silver/crm/customers")) or 0) > 0
    assert (row_count(lake.table("gold/crm/orders_per_segment_day")) or 0) > 0
    assert lake.storage.exists("ml/crm/exports/customer_features/process_date=2024-01-01/manifest.json")
    crm = JsonFileRunRecorder.in_lake(lake.storage).runs("crm")
    assert [r.state.value for r in crm] == ["SUCCEEDED"]
    assert not (tmp_path / ".lily" / "lake").exists()
