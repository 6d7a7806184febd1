"""Detection quality on the generated labeled set: column-level precision and recall >= 0.95.

The set (tests/classify/labeled.py) holds every entity in eight locales, free text with and without
personal data, the decoys that fooled other classifiers, telling, neutral and misleading names, and
nulls. A column counts as found when the answer is one of its accepted entities; any entity given to
a column that holds another or none is a false positive.
"""

from __future__ import annotations

import time

import pytest

from lily.classify import classify_column
from tests.classify.labeled import (
    ASIAN_AND_MIDDLE_EASTERN_LOCALES,
    LOCALES,
    WORLD_LOCALES,
    LabeledColumn,
    labeled_columns,
)


@pytest.fixture(scope="module")
def columns() -> list[LabeledColumn]:
    return labeled_columns(seed=15, rows=200, locales=LOCALES)


def _precision_recall(columns: list[LabeledColumn]) -> tuple[float, float, list[tuple[object, ...]]]:
    answers = [(column, classify_column(column.name, column.values)) for column in columns]
    tp = sum(1 for c, r in answers if c.accepted and r.entity in c.accepted)
    fp = sum(1 for c, r in answers if r.entity is not None and r.entity not in c.accepted)
    fn = sum(1 for c, r in answers if c.accepted and r.entity not in c.accepted)
    misses = [(c.locale, c.kind, c.name, r.entity, round(r.confidence, 3)) for c, r in answers
              if (r.entity not in c.accepted if c.accepted else r.entity is not None)]
    return tp / (tp + fp), tp / (tp + fn), misses


def test_precision_and_recall(columns: list[LabeledColumn]) -> None:
    started = time.perf_counter()
    precision, recall, misses = _precision_recall(columns)
    elapsed = time.perf_counter() - started
    assert precision >= 0.95 and recall >= 0.95, (precision, recall, misses)
    # every family and locale is in the set, and PII is a minority as in real tables
    assert {c.locale for c in columns} == set(LOCALES)
    assert sum(1 for c in columns if c.accepted) < len(columns) / 2
    assert elapsed < 60, elapsed  # a guard against pathological slowness; benchmarks/pii.py measures speed


def test_precision_and_recall_in_other_scripts_and_orders() -> None:
    """Cyrillic and Greek names, family names first, Slavic, Romanian and Indonesian streets, Russian
    passports: locales whose columns the first set does not hold, from another seed."""
    precision, recall, misses = _precision_recall(labeled_columns(seed=6, rows=100, locales=WORLD_LOCALES))
    assert precision >= 0.95 and recall >= 0.95, (precision, recall, misses)


def test_precision_and_recall_in_scripts_without_capitals_or_spaces() -> None:
    """Names in Han, Hangul, Kana, Arabic, Hebrew, Thai and Devanagari script (no capitals to shape
    them; Chinese and Korean ones unspaced), and emails and phones inside prose without spaces. Street
    addresses in these scripts are found with a column-name hint only, so recall is held at 0.93."""
    precision, recall, misses = _precision_recall(
        labeled_columns(seed=7, rows=100, locales=ASIAN_AND_MIDDLE_EASTERN_LOCALES))
    assert precision >= 0.95 and recall >= 0.93, (precision, recall, misses)


def test_confidence_is_calibrated_where_it_claims_certainty(columns: list[LabeledColumn]) -> None:
    claimed = [(c, r) for c in columns[:: 2] if (r := classify_column(c.name, c.values)).confidence >= 0.9]
    right = sum(1 for c, r in claimed if (r.entity in c.accepted if c.accepted else r.entity is None))
    assert right / len(claimed) >= 0.95
