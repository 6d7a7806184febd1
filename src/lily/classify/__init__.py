"""Column-level PII detection: pure functions over sampled values and a column's name.

Pipelines call them on every run and connectors on every scan; what they return becomes ``detected``
classifications in the catalog (suggestions with their evidence until a person confirms them).
See docs/classification.md.

The names below load on first use, so importing the package (as the ``lily`` command line does for
``lily classify``) costs nothing until a column is classified.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lily.classify.column import classify_column
    from lily.classify.files import InputError
    from lily.classify.model import CLASSIFIER_VERSION, ColumnResult, Evidence, Span
    from lily.classify.table import classify_file, classify_table
    from lily.classify.tags import ENTITY_TAGS
    from lily.classify.text import find_spans, scrub_text

_EXPORTS = {
    "CLASSIFIER_VERSION": "lily.classify.model",
    "ColumnResult": "lily.classify.model",
    "Evidence": "lily.classify.model",
    "Span": "lily.classify.model",
    "ENTITY_TAGS": "lily.classify.tags",
    "InputError": "lily.classify.files",
    "classify_column": "lily.classify.column",
    "classify_file": "lily.classify.table",
    "classify_table": "lily.classify.table",
    "find_spans": "lily.classify.text",
    "scrub_text": "lily.classify.text",
}

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


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'lily.classify' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
