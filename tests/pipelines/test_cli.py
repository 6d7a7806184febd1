"""``lily pipeline`` mounted in the main CLI: from a fresh directory, runs land in Lily's database
and catalog; ``--standalone`` keeps them in the lake."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from lily.cli import app
from lily.model import AssetRef
from lily.pipelines.lake import Lake
from lily.pipelines.runs import State
from lily.pipelines.sql_recorder import SqlRunRecorder
from lily.settings import Settings
from lily.store import Store, catalog


def test_fresh_directory_demo_data_then_backfill_records_runs_and_catalog(tmp_path: Path) -> None:
    data = tmp_path / ".lily"
    env = {"LILY_DATA_DIR": str(data), "LILY_DATABASE_URL": "", "LILY_LAKE_ROOT": "", "COLUMNS": "200"}
    cli = CliRunner()
    out = cli.invoke(app, ["pipeline", "demo-data", "--days", "3", "--from", "2024-01-01", "--per-file", "10"],
                     env=env)
    assert out.exit_code == 0, out.output
    out = cli.invoke(app, ["pipeline", "backfill", "logs", "--from", "2024-01-01", "--to", "2024-01-03"], env=env)
    assert out.exit_code == 0 and "3 of 3 days succeeded" in out.output, out.output
    out = cli.invoke(app, ["pipeline", "status"], env=env)
    assert out.exit_code == 0 and out.output.count("SUCCEEDED") == 3, out.output

    settings = Settings(data_dir=data)
    store = Store.from_url(settings.resolved_database_url)
    runs = SqlRunRecorder(store, "default").runs("logs")
    assert [(r.process_date.isoformat(), r.state) for r in runs] == [
        ("2024-01-01", State.SUCCEEDED), ("2024-01-02", State.SUCCEEDED), ("2024-01-03", State.SUCCEEDED)]
    lake = Lake(data.resolve() / "lake")
    with store.read() as conn:
        silver = catalog.get_by_ref(conn, "default", AssetRef(namespace=lake.namespace(), name="silver/logs"))
    assert silver is not None and silver.attributes["row_count"] > 0
    assert not (lake.state / "runs.json").exists()
    store.dispose()


def test_standalone_keeps_run_records_in_the_lake_and_writes_no_database(tmp_path: Path) -> None:
    env = {"LILY_DATA_DIR": str(tmp_path / ".lily"), "LILY_DATABASE_URL": "", "LILY_LAKE_ROOT": str(tmp_path / "lk")}
    cli = CliRunner()
    assert cli.invoke(app, ["pipeline", "demo-data", "--days", "1", "--from", "2024-01-01", "--per-file", "5"],
                      env=env).exit_code == 0
    out = cli.invoke(app, ["pipeline", "run", "logs", "--date", "2024-01-01", "--standalone"], env=env)
    assert out.exit_code == 0 and "SUCCEEDED" in out.output, out.output
    records = json.loads((tmp_path / "lk" / "_lily" / "runs.json").read_text())
    assert [r["state"] for r in records["runs"]] == ["SUCCEEDED"]
    assert not (tmp_path / ".lily" / "lily.db").exists()
