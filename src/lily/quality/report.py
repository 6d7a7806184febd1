"""A quality run's results, its dimension scores, and their OpenLineage facets."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lily.quality.checks import DIMENSIONS, Dimension
from lily.quality.evaluate import Number, Status

PRODUCER = "https://github.com/lily-metadata/lily/tree/main/src/lily/quality"
_FACETS = "https://openlineage.io/spec/facets"
ASSERTIONS_SCHEMA = f"{_FACETS}/1-1-0/DataQualityAssertionsDatasetFacet.json#/$defs/DataQualityAssertionsDatasetFacet"
METRICS_SCHEMA = (
    f"{_FACETS}/1-0-3/DataQualityMetricsInputDatasetFacet.json#/$defs/DataQualityMetricsInputDatasetFacet"
)


@dataclass(frozen=True)
class CheckResult:
    name: str
    type: str
    dimension: Dimension
    status: Status
    value: Number | None
    blocking: bool
    message: str
    columns: tuple[str, ...] = ()
    expected: str | None = None  # the threshold that decides failure, e.g. "> 0"
    score: float = 1.0  # 0-1, see lily.quality.evaluate
    failing_samples: list[dict[str, Any]] = field(default_factory=list)  # at most five, no PII column
    content: str | None = None  # the SQL a custom metric ran


@dataclass(frozen=True)
class QualityReport:
    results: list[CheckResult]
    scores: dict[str, float]  # dimension -> 0-100, only dimensions that had checks
    passed: bool  # no blocking check failed
    queries: int  # statements run against the engine, schema lookup included
    row_count: int | None = None
    column_metrics: Mapping[str, Mapping[str, Number | None]] = field(default_factory=dict)

    @property
    def blocking_failures(self) -> list[CheckResult]:
        return [r for r in self.results if r.blocking and r.status == "fail"]

    def to_openlineage(self, producer: str = PRODUCER) -> dict[str, dict[str, Any]]:
        """``dataQualityAssertions`` and ``dataQualityMetrics`` for the dataset's ``inputFacets``."""
        assertions = [_assertion(r) for r in self.results]
        metrics: dict[str, Any] = {
            "_producer": producer,
            "_schemaURL": METRICS_SCHEMA,
            "columnMetrics": {name: dict(values) for name, values in self.column_metrics.items()},
        }
        if self.row_count is not None:
            metrics["rowCount"] = self.row_count
        return {
            "dataQualityAssertions": {"_producer": producer, "_schemaURL": ASSERTIONS_SCHEMA,
                                      "assertions": assertions},
            "dataQualityMetrics": metrics,
        }


def _assertion(r: CheckResult) -> dict[str, Any]:
    out: dict[str, Any] = {
        "assertion": r.type,
        "success": r.status == "pass",  # the spec: false when issues were found, whatever the severity
        "severity": "error" if r.blocking else "warn",
        "name": r.name,
        "description": r.message,
        "actual": None if r.value is None else str(r.value),
        "params": {"status": r.status, "dimension": r.dimension, "score": round(100 * r.score, 4)},
    }
    if len(r.columns) == 1:
        out["column"] = r.columns[0]
    elif r.columns:
        out["params"]["columns"] = list(r.columns)
    if r.expected is not None:
        out["expected"] = r.expected
    if r.content is not None:
        out["content"], out["contentType"] = r.content, "sql"
    return {k: v for k, v in out.items() if v is not None}


def dimension_scores(results: Sequence[CheckResult]) -> dict[str, float]:
    """100 x the mean score of the dimension's checks, in the six dimensions' order."""
    by_dimension: dict[str, list[float]] = defaultdict(list)
    for r in results:
        by_dimension[r.dimension].append(r.score)
    return {d: round(100 * sum(by_dimension[d]) / len(by_dimension[d]), 4) for d in DIMENSIONS if d in by_dimension}
