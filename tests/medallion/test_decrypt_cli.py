"""``lily anonymize decrypt``: plaintexts of `encrypt` tokens, audited in the store without them."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
from typer.testing import CliRunner

from lily.anonymize import OperatorSpec, apply_operator, load_keyring
from lily.cli import app
from lily.settings import Settings
from lily.store import Store
from lily.store.feed import audit_records


def test_decrypt_prints_plaintexts_and_audits_the_call(tmp_path: Path) -> None:
    env = {"LILY_DATA_DIR": str(tmp_path / ".lily"), "LILY_DATABASE_URL": "", "LILY_PIPELINE_TENANT": "default"}
    data_dir = Path(env["LILY_DATA_DIR"])
    data_dir.mkdir()
    keys = load_keyring("default", data_dir)
    plain = ["+34946564823", "jane@example.com"]
    tokens = apply_operator(pa.array(plain), OperatorSpec(kind="encrypt"), keys=keys).to_pylist()
    cli = CliRunner()
    out = cli.invoke(app, ["anonymize", "decrypt", *tokens], env=env)
    assert out.exit_code == 0, out.output
    assert out.stdout.splitlines() == plain
    bad = cli.invoke(app, ["anonymize", "decrypt", tokens[0], "k1:gcm:AAAA"], env=env)
    assert bad.exit_code == 1 and plain[0] not in bad.stdout
    store = Store.from_url(Settings(data_dir=data_dir, database_url="").resolved_database_url)
    with store.read() as conn:
        audits = audit_records(conn, "default", action="anonymize.decrypt")
    store.dispose()
    assert sorted(a["details"]["outcome"] for a in audits) == ["decrypted", "refused"]
    assert all(a["actor"].startswith("cli:") and a["details"]["values"] == 2 for a in audits)
    stored = json.dumps(audits, default=str)
    assert not any(v in stored for v in [*plain, *tokens])
