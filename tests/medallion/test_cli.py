"""``lily pipeline validate|run|backfill|demo-data`` for declared pipelines, beside the log pipeline."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from lily.cli import app

from .conftest import CRM_YAML, write_pipeline


def _env(tmp_path: Path) -> dict[str, str]:
    pipelines = tmp_path / "pipelines"
    pipelines.mkdir(exist_ok=True)
    shutil.copy(CRM_YAML, pipelines / "crm.yaml")
    return {"LILY_DATA_DIR": str(tmp_path / ".lily"), "LILY_DATABASE_URL": "", "LILY_LAKE_ROOT": "",
            "LILY_PIPELINES_DIR": str(pipelines), "COLUMNS": "200"}


def test_validate_reports_file_line_and_field(tmp_path: Path) -> None:
    env = _env(tmp_path)
    cli = CliRunner()
    out = cli.invoke(app, ["pipeline", "validate"], env=env)
    assert out.exit_code == 0 and "ok crm" in out.output, out.output
    bad = write_pipeline(tmp_path / "pipelines", "shop", """
        pipeline: shop
        datasets:
          users:
            source: {kind: files, format: xlsx, path: users.csv}
            primary_key: id
            schema: {id: integer}
        """)
    out = cli.invoke(app, ["pipeline", "validate"], env=env)
    assert out.exit_code == 1
    assert f"{bad}:4:" in out.output and "datasets.users.source.format" in out.output, out.output
    out = cli.invoke(app, ["pipeline", "validate", str(tmp_path / "pipelines" / "crm.yaml")], env=env)
    assert out.exit_code == 0


def test_demo_data_then_run_and_backfill_the_demo_crm(tmp_path: Path) -> None:
    env = _env(tmp_path)
    cli = CliRunner()
    out = cli.invoke(app, ["pipeline", "demo-data", "--days", "2", "--from", "2024-01-01", "--per-file", "10"],
                     env=env)
    assert out.exit_code == 0 and "wrote the demo CRM" in out.output, out.output
    lake = tmp_path / ".lily" / "lake"
    assert (lake / "sources/crm/customers/customers_2024-01-02.csv").exists()
    out = cli.invoke(app, ["pipeline", "run", "crm", "--date", "2024-01-01", "--standalone"], env=env)
    assert out.exit_code == 0, out.output
    assert "SUCCEEDED" in out.output and "silver.customers" in out.output
    out = cli.invoke(app, ["pipeline", "backfill", "crm", "--from", "2024-01-01", "--to", "2024-01-02", "--standalone"],
                     env=env)
    assert out.exit_code == 0 and "2 of 2 days succeeded" in out.output, out.output
    runs = json.loads((lake / "_lily" / "runs.json").read_text())["runs"]
    assert sorted((r["process_date"], r["attempt"], r["state"]) for r in runs) == [
        ("2024-01-01", 1, "SUCCEEDED"), ("2024-01-01", 2, "SUCCEEDED"), ("2024-01-02", 1, "SUCCEEDED")]
    # the anonymization keys were created for the tenant, owner-only
    assert (tmp_path / ".lily" / "anonymize" / "default.json").stat().st_mode & 0o077 == 0
    # the log pipeline still runs, and its ingest leaves the CRM's sources alone
    out = cli.invoke(app, ["pipeline", "run", "logs", "--date", "2024-01-01", "--standalone"], env=env)
    assert out.exit_code == 0, out.output
    assert (lake / "sources/crm/customers/customers_2024-01-01.csv").exists()


def test_unknown_pipeline_and_failed_run_exit_non_zero(tmp_path: Path) -> None:
    env = _env(tmp_path)
    cli = CliRunner()
    out = cli.invoke(app, ["pipeline", "run", "nope", "--date", "2024-01-01", "--standalone"], env=env)
    assert out.exit_code == 2 and "no pipeline 'nope'" in out.output and "crm" in out.output
    out = cli.invoke(app, ["pipeline", "run", "crm", "--date", "2024-01-01", "--standalone"], env=env)
    assert out.exit_code == 1 and "missing source: no file matches sources/crm/customers/customers_2024-01-01.csv" \
        in out.output, out.output
    out = cli.invoke(app, ["pipeline", "run", "--help"], env=env)
    assert out.exit_code == 0 and "logs" in out.output and "crm" in out.output
