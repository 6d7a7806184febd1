"""The layer contracts of ``pyproject.toml`` (``[tool.importlinter]``): ``make test`` guards them as
``make lint`` does, and a made-up package that breaks each rule shows that none of them is vacuous."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = ("model imports nothing of Lily", "edges > flows", "only store imports the table modules")

# One import that breaks each contract (module path -> its source), in a package shaped like Lily's.
_BREAKS = {
    "model/a.py": "from lily.settings import value\n",  # model imports something of Lily
    "inbound/a.py": "from lily.outbound import value\n",  # a flow imports another flow
    "governance/a.py": "from lily.pipelines import value\n",  # a lower layer imports a flow
    "outbound/b.py": "from lily.store.tables import value\n",  # a table module outside the store
}


def _lint_imports(pythonpath: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` with Lily's configuration, on the ``lily`` package found first on ``pythonpath``."""
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    exe = Path(sys.executable).with_name("lint-imports")  # installed with the test extras
    return subprocess.run([str(exe), "--no-cache", str(ROOT / "pyproject.toml")],
                          cwd=pythonpath or ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_lily_keeps_every_layer_contract() -> None:
    run = _lint_imports()
    assert run.returncode == 0, run.stdout + run.stderr
    for name in CONTRACTS:
        assert name in run.stdout


def test_each_contract_catches_a_break(tmp_path: Path) -> None:
    pkg = tmp_path / "lily"
    for sub in ("model", "store", "bus", "governance", "auth", "inbound", "outbound", "pipelines", "api"):
        (pkg / sub).mkdir(parents=True)
        (pkg / sub / "__init__.py").write_text("")
    for name in ("__init__.py", "cli.py", "settings.py"):
        (pkg / name).write_text("")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    protected = next(c for c in config if c["id"] == "tables")["protected_modules"]
    for table in protected:  # every protected module must exist for the contract to be checked
        (pkg / "store" / f"{table.rsplit('.', 1)[1]}.py").write_text("")
    for path, source in _BREAKS.items():
        (pkg / path).write_text(source)
    run = _lint_imports(tmp_path)
    out = run.stdout
    assert run.returncode != 0, out + run.stderr
    assert "Contracts: 0 kept, 3 broken." in out, out
    assert "lily.model.a -> lily.settings" in out
    assert "lily.inbound.a -> lily.outbound" in out
    assert "lily.governance.a -> lily.pipelines" in out
    assert "lily.outbound.b -> lily.store.tables" in out

