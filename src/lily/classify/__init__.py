"""Column-level PII detection: pure functions over sampled values and a column's name.

Pipelines call them on every run and connectors on every scan; what they return becomes ``detected``
classifications in the catalog (suggestions with their evidence until a person confirms them).
See docs/classification.md.
"""

from __future__ import annotations

from lily.classify.column import classify_column
from lily.classify.files import InputError
from lily.classify.model import CLASSIFIER_VERSION, ColumnResult, Evidence, Span
from lily.classify.table import classify_file, classify_table
from lily.classify.tags import ENTITY_TAGS
from lily.classify.text import find_spans, scrub_text

__all__ = [
    "CLASSIFIER_VERSION",
    "ENTITY_TAGS",
    "ColumnResult",
    "Evidence",
    "InputError",
    "Span",
    "classify_column",
    "classify_file",
    "classify_table",
    "find_spans",
    "scrub_text",
]
