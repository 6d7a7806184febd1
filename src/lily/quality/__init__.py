"""Data quality checks, SodaCL-like, compiled to one aggregate scan per partition.

``parse_checks`` validates the YAML form, ``compile_checks`` is the pure SQL compiler (sqlglot, any
dialect), ``run_checks`` runs a suite in DuckDB and returns a ``QualityReport`` with per-check
results, failing samples without PII, 0-100 scores per DAMA dimension and OpenLineage facets.
"""

from lily.quality.checks import DIMENSIONS, Check, Dimension, parse_checks
from lily.quality.compile import CheckPlan, CompiledSuite, compile_checks
from lily.quality.report import CheckResult, QualityReport, dimension_scores
from lily.quality.run import QualityError, run_checks
from lily.quality.samples import sample_query
from lily.quality.thresholds import Threshold

__all__ = [
    "DIMENSIONS",
    "Check",
    "CheckPlan",
    "CheckResult",
    "CompiledSuite",
    "Dimension",
    "QualityError",
    "QualityReport",
    "Threshold",
    "compile_checks",
    "dimension_scores",
    "parse_checks",
    "run_checks",
    "sample_query",
]
