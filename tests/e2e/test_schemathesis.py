"""Property-based run over the OpenAPI document against a live server: no 5xx, no schema violations."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.live import LiveLily

CHECKS = "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance"


def test_openapi_contract_holds(live_demo: LiveLily, tmp_path: Path) -> None:
    cli = Path(sys.executable).with_name("schemathesis")
    result = subprocess.run(
        [str(cli), "run", f"{live_demo.url}/openapi.json", "-H", f"Authorization: Bearer {live_demo.api_key}",
         "--checks", CHECKS, "--max-examples", "15", "--phases", "coverage,fuzzing", "--seed", "20261122",
         "--no-color", "--report-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=900,
    )
    tail = result.stdout[-4000:]
    assert result.returncode == 0, tail
    assert "passed" in tail and "failures" not in tail.split("SUMMARY")[-1].lower(), tail
