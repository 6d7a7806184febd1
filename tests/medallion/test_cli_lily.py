"""The CLI inside Lily (not ``--standalone``): a declared pipeline's run is recorded in Lily's
database and publishes to its catalog; ``lily classify confirm|reject``; ``lily quality run``."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from lily.cli import app
from lily.model import AssetRef, asset_id
from lily.pipelines.lake import Lake
from lily.pipelines.sql_recorder import SqlRunRecorder
from lily.settings import Settings
from lily.store import Store, catalog
from lily.store import runs as run_store

from .conftest import D1, demo
from .test_cli import _env


def test_run_inside_lily_then_review_and_check_from_the_cli(tmp_path: Path) -> None:
    env = _env(tmp_path)
    lake = Lake((tmp_path / ".lily" / "lake").resolve())
    lake.ensure()
    demo(lake)
    cli = CliRunner()
    out = cli.invoke(app, ["pipeline", "run", "crm", "--date", "2024-01-01"], env=env)
    assert out.exit_code == 0, out.output
    assert "catalog" in out.output

    store = Store.from_url(Settings(data_dir=tmp_path / ".lily").resolved_database_url)
    runs = SqlRunRecorder(store, "default").runs("crm")
    assert [(r.process_date, r.state.value) for r in runs] == [(D1, "SUCCEEDED")]
    email = AssetRef(namespace=lake.namespace(), name="bronze/crm/customers", field="email")
    with store.read() as conn:
        found = {(c.tag, c.status) for c in catalog.classifications_of(conn, "default", [asset_id("default", email)])}
    assert ("PII.email", "suggested") in found

    # review by qualified name (or id)
    out = cli.invoke(app, ["classify", "confirm", email.qualified_name, "PII.email"], env=env)
    assert out.exit_code == 0 and "confirmed" in out.output, out.output
    out = cli.invoke(app, ["classify", "reject", str(asset_id("default", email)), "GDPR.personal"], env=env)
    assert out.exit_code == 0 and "rejected" in out.output, out.output
    out = cli.invoke(app, ["classify", "reject", email.qualified_name, "PII.iban"], env=env)
    assert out.exit_code == 1 and "No detected classification" in out.output
    with store.read() as conn:
        found = {(c.tag, c.status) for c in catalog.classifications_of(conn, "default", [asset_id("default", email)])}
        rejected = catalog.rejections_of(conn, "default", [asset_id("default", email)])
    assert ("PII.email", "confirmed") in found and not any(t == "GDPR.personal" for t, _ in found)
    assert [r["tag"] for r in rejected] == ["GDPR.personal"] and rejected[0]["rejected_by"].startswith("cli:")
    # the file classifier is still `lily classify PATH`
    sample = tmp_path / "contacts.csv"
    sample.write_text("id,email\n" + "".join(f"{i},user{i}@example.com\n" for i in range(40)))
    out = cli.invoke(app, ["classify", str(sample), "--json", "--sample", "50"], env=env)
    assert out.exit_code == 0, out.output
    assert {c["name"]: c["entity"] for c in json.loads(out.stdout)["columns"]}["email"] == "EMAIL"

    # a dataset's checks alone: printed, recorded on the dataset, exit 0 (no blocking failure)
    out = cli.invoke(app, ["quality", "run", "silver/crm/orders", "--date", "2024-01-01", "--json"], env=env)
    assert out.exit_code == 0, out.output
    report = json.loads(out.stdout)["silver/crm/orders"]
    assert report["passed"] and {r["type"] for r in report["results"]} >= {"reference", "row_count"}
    assert "dataQualityAssertions" in report["openlineage"]
    orders = asset_id("default", AssetRef(namespace=lake.namespace(), name="silver/crm/orders"))
    with store.read() as conn:
        results = run_store.quality_of(conn, "default", orders)
    assert results[0]["context"]["kind"] == "quality run" and len(results) == 2  # the run's, then this one
    out = cli.invoke(app, ["quality", "run", "crm.customers", "--date", "2024-01-01"], env=env)
    assert out.exit_code == 0 and "bronze/crm/customers" in out.output and "silver/crm/customers" in out.output
    out = cli.invoke(app, ["quality", "run", "silver/crm/nothing", "--date", "2024-01-01"], env=env)
    assert out.exit_code == 2 and "no dataset 'nothing'" in out.output
    out = cli.invoke(app, ["quality", "run", "silver/crm/orders", "--date", "2023-01-01", "--standalone"], env=env)
    assert out.exit_code == 2 and "holds nothing for 2023-01-01" in out.output
    store.dispose()
