"""Sampled values → ``detected`` classifications of a dataset's columns (``lily.classify``).

The result is one ``SyncDetectedClassifications`` per dataset: the apply path adds or re-scores
what the connector finds now and retracts what it no longer finds, never duplicates a tag a person
set directly, and never touches a suggestion a person confirmed or rejected.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from lily.model import AssetRef, DetectedTag, SyncDetectedClassifications

if TYPE_CHECKING:  # the caller has it loaded: `lily` starts without pyarrow
    import pyarrow as pa


def detector(connector: str) -> str:
    return f"connector:{connector}"


def detected(ref: AssetRef, sample: pa.Table, *, connector: str, at: datetime, sample_rows: int = 1000,
             context: dict[str, Any] | None = None) -> SyncDetectedClassifications:
    """What ``lily.classify`` finds in ``sample``'s columns, as the connector's suggestions on ``ref``."""
    from lily.classify import CLASSIFIER_VERSION, classify_table

    found: list[DetectedTag] = []
    for result in classify_table(sample, sample=sample_rows):
        if result.entity is None:
            continue
        e = result.evidence
        evidence = {"entity": result.entity, "recognizer": e.recognizer, "score": round(result.confidence, 4),
                    "hit_rate": round(e.hit_rate, 4), "sample_size": e.sample_size, "non_null": e.non_null,
                    "distinct_ratio": round(e.distinct_ratio, 4), "name_hint": e.name_hint,
                    "classifier_version": CLASSIFIER_VERSION, "detected_at": at.isoformat(),
                    "connector": connector, **(context or {})}
        found += [DetectedTag(field=result.name, tag=tag, confidence=round(result.confidence, 4), evidence=evidence)
                  for tag in result.tags]
    return SyncDetectedClassifications(ref=ref, detector=detector(connector), found=found)


__all__ = ["detected", "detector"]
