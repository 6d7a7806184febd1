"""Where the shared sample payloads live (LILY_SHARED_DIR, default: ``shared`` beside the repo)."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

SHARED = Path(os.environ.get("LILY_SHARED_DIR", Path(__file__).resolve().parents[2].parent / "shared"))
SAMPLES = SHARED / "samples"
OPENLINEAGE = SAMPLES / "openlineage"
MONTECARLO = SAMPLES / "montecarlo"
S3 = SAMPLES / "s3"
TEMPLATED = "dbt_failed_run_events_TEMPLATED_runids.json"


def load(path: Path) -> Any:
    return json.loads(path.read_bytes())


def openlineage_events(name: str) -> list[dict[str, Any]]:
    """The events of one OpenLineage sample; template matchers become fresh UUIDs."""
    text = (OPENLINEAGE / name).read_text()
    if name == TEMPLATED:
        # One UUID per matcher occurrence: run ids must be non-empty strings, any value will do.
        while "{{ any(result) }}" in text:
            text = text.replace("{{ any(result) }}", str(uuid.uuid4()), 1)
    data = json.loads(text)
    return data if isinstance(data, list) else [data]


def openlineage_sample_names() -> list[str]:
    return sorted(p.name for p in OPENLINEAGE.glob("*.json"))
