"""With the clock frozen (in 2099), two lakes given the same input hold the same bytes."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import lily.medallion as medallion_pkg

from .conftest import D1, D2, FrozenClock, demo, files_digest, make_harness


def _log_actions(table_root: Path) -> list[list[tuple[str, str]]]:
    """Each commit's data actions (add/remove and path), without the log's wall-clock fields."""
    commits = []
    for log in sorted((table_root / "_delta_log").glob("*.json")):
        actions = []
        for line in log.read_text().splitlines():
            action = json.loads(line)
            for kind in ("add", "remove"):
                if kind in action:
                    actions.append((kind, action[kind]["path"]))
        commits.append(sorted(actions))
    return commits


def test_two_lakes_two_runs_byte_identical(tmp_path: Path) -> None:
    lakes = []
    for name in ("a", "b"):
        h = make_harness(tmp_path / name, clock=FrozenClock())
        demo(h.lake, days=2)
        for day in (D1, D2):
            assert h.runner.run(day).succeeded
        lakes.append(h.lake.root)
    first, second = (files_digest(root) for root in lakes)
    written = [p for p in first if not p.startswith(("sources/", "raw/", "_lily/"))]
    assert any(p.startswith("silver/crm/customers/") for p in written)
    assert any(p.startswith("ml/crm/exports/customer_features/process_date=2024-01-02/") for p in written)
    assert first == second
    for table in ("bronze/crm/customers", "silver/crm/customers", "rejected/rows/crm/orders",
                  "gold/crm/customer_value", "ml/crm/customer_features"):
        assert _log_actions(lakes[0] / table) == _log_actions(lakes[1] / table), table
        add = json.loads((lakes[0] / table / "_delta_log/00000000000000000001.json").read_text().splitlines()[-1])
        assert add["add"]["modificationTime"] == int(FrozenClock().at.timestamp() * 1000)


def test_a_rerun_of_a_day_rewrites_nothing_downstream_of_bronze(tmp_path: Path) -> None:
    h = make_harness(tmp_path / "lake")
    demo(h.lake)
    assert h.runner.run(D1).succeeded
    before = {p: d for p, d in files_digest(h.lake.root).items() if not p.startswith(("bronze/", "_lily/"))}
    again = h.runner.run(D1)
    assert again.succeeded
    after = {p: d for p, d in files_digest(h.lake.root).items() if not p.startswith(("bronze/", "_lily/"))}
    assert after == before  # same silver, rejects, gold, ML files: same names, same bytes
    bronze = [p for p in files_digest(h.lake.root / "bronze/crm/customers")]
    assert len({p.split("/")[1] for p in bronze}) == 2  # bronze alone grew: one copy per ingest run


_CLOCK_CALLS = {("datetime", "now"), ("datetime", "utcnow"), ("date", "today"), ("time", "time"),
                ("time", "monotonic"), ("time", "perf_counter")}
_EDGES = {"runner.py", "cli.py"}  # the runner takes an injected clock; the CLIs own the wall clock


def test_pipeline_steps_never_read_the_clock() -> None:
    root = Path(medallion_pkg.__file__).parent
    offenders = []
    for module in sorted(root.glob("*.py")):
        if module.name in _EDGES or module.name.endswith("_cli.py"):
            continue
        for node in ast.walk(ast.parse(module.read_text())):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and (node.value.id, node.attr) in _CLOCK_CALLS):
                offenders.append(f"{module.name}:{node.lineno} {node.value.id}.{node.attr}")
    assert offenders == []
