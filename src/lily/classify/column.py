"""Classify one column: every recognizer scores it on its own, the best score above the threshold wins.

A recognizer is only worked on while it could still change the verdict: its cheap gate count
(:mod:`lily.classify.gates`), then the count of values its pattern matches (one vectorised Arrow regex),
bound the best score it could reach, and it is skipped as soon as that bound is below ``FLOOR``
(or the threshold, if lower) or below a verdict already reached. Survivors validate a spread of at most ``MAX_CHECKED`` matched
values in Python, stopping as soon as the share is known well enough. Prose goes to the free-text
scan when no structured entity fits.

For a column with no entity, ``confidence`` is one minus the best score among the recognizers that
could have reached ``FLOOR``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from lily.classify import freetext
from lily.classify.data import words
from lily.classify.gates import Gates
from lily.classify.model import ColumnResult, Evidence
from lily.classify.names import normalize
from lily.classify.recognizer import STRING, Recognizer
from lily.classify.recognizers import RECOGNIZERS
from lily.classify.sampling import BOOLEAN, OTHER, as_array, flatten, kind_of, sample_strings
from lily.classify.scoring import score, wilson
from lily.classify.tags import ENTITY_TAGS, tags_for

MAX_CHECKED = 256      # matched values validated per recognizer
CHUNK = 32             # values validated between two looks at the interval
LOOKS = frozenset({16})  # an earlier look: most columns have none or all of an entity
CONSTANT_PENALTY = -4.0
# Recognizers are worked on while they could still score this much: enough to report a near miss
# (and keep a null verdict's confidence honest) without validating what cannot matter.
FLOOR = 0.3
_BOOLEAN_WORDS = words("true false t f yes no y n 0 1 on off ja nein oui non si sí nee")


@dataclass(frozen=True)
class Candidate:
    recognizer: Recognizer
    score: float
    hit_rate: float
    hint: str | None
    extra: dict[str, Any] = field(default_factory=dict)


def _spread_list(values: pa.Array, size: int) -> list[str]:
    length = len(values)
    if length > size:
        values = values.take(pa.array([i * length // size for i in range(size)], type=pa.int64()))
    return values.to_pylist()


def _evaluate(recognizer: Recognizer, values: pa.Array, gates: Gates, distinct: int, normalized: str,
              threshold: float, best: float) -> Candidate | None:
    n = len(values)
    tier = recognizer.tier
    strength, hint_text = recognizer.hint.strength(normalized)
    adjustment = CONSTANT_PENALTY if recognizer.identifier and distinct <= 3 and n >= 30 else 0.0

    def reachable(share: float) -> bool:
        # Whether a hit rate of ``share`` could still matter: come near the threshold, or beat a verdict.
        ceiling = score(tier, share, n, strength, adjustment)
        return ceiling >= min(FLOOR, threshold) and not (best >= threshold and ceiling <= best)

    inside = min(gates.count(recognizer.gate), gates.within(*recognizer.length))
    if not reachable((inside + recognizer.outside_gate * (n - inside)) / n):
        return None
    if recognizer.pattern is None:
        matched, m = None, n
    else:
        matched = pc.match_substring_regex(values, recognizer.pattern)
        m = pc.sum(matched).as_py() or 0
    match_rate = m / n
    if m == 0 or not reachable(match_rate):
        return None
    total, checked, accepted = 0.0, 0, []
    for value in _spread_list(values if matched is None else values.filter(matched), MAX_CHECKED):
        verdict = recognizer.validate(value)
        total += verdict
        checked += 1
        if verdict > 0:
            accepted.append(value)
        if checked in LOOKS or checked % CHUNK == 0:
            low, high = wilson(total, checked)
            if not reachable(match_rate * high) or high - low < 0.12:
                break  # cannot reach a verdict, or the share is known well enough
    hit_rate = match_rate * total / checked
    extra: dict[str, Any] = {"candidates": m, "checked": checked}
    if adjustment:
        extra["constant"] = True
    if recognizer.column_check is not None and accepted:
        penalty, reported = recognizer.column_check(accepted)
        adjustment += penalty
        extra.update(reported)
    return Candidate(recognizer, score(tier, hit_rate, n, strength, adjustment), hit_rate, hint_text, extra)


def _booleanish(values: pa.Array) -> bool:
    return all(str(v).lower() in _BOOLEAN_WORDS for v in pc.unique(values).to_pylist())


def _none(name: str, confidence: float, evidence: Evidence) -> ColumnResult:
    return ColumnResult(name=name, entity=None, tags=(), confidence=confidence, evidence=evidence)


def classify_column(name: str, values: Sequence[object] | pa.Array | pa.ChunkedArray, *, dtype: str | None = None,
                    sample: int = 1000, threshold: float = 0.5) -> ColumnResult:
    """Which entity (if any) column ``name`` holds, judged from ``sample`` non-null values and its name."""
    array = flatten(as_array(values, dtype))
    kind = kind_of(array.type)
    type_name = str(array.type)
    if kind in (BOOLEAN, OTHER):
        return _none(name, 1.0, Evidence(None, 0.0, 0, len(array) - array.null_count, 0.0, "none",
                                         {"dtype": type_name, "reason": f"{kind} column"}))
    strings, non_null = sample_strings(array, sample)
    n = len(strings)
    if n == 0:
        return _none(name, 1.0, Evidence(None, 0.0, 0, non_null, 0.0, "none",
                                         {"dtype": type_name, "reason": "no values"}))
    distinct = pc.count_distinct(strings).as_py()
    distinct_ratio = distinct / n
    if distinct <= 2 and _booleanish(strings):
        return _none(name, 1.0, Evidence(None, 0.0, n, non_null, distinct_ratio, "none",
                                         {"dtype": type_name, "reason": "boolean values"}))
    normalized = normalize(name)
    gates = Gates(strings)
    candidates: list[Candidate] = []
    best = 0.0
    for recognizer in RECOGNIZERS:
        if kind in recognizer.kinds:
            found = _evaluate(recognizer, strings, gates, distinct, normalized, threshold, best)
            if found is not None:
                candidates.append(found)
                best = max(best, found.score)
    candidates.sort(key=lambda c: -c.score)
    winner = candidates[0] if candidates else None
    alternatives = {c.recognizer.entity: round(c.score, 4) for c in candidates[1:4]
                    if c.score >= 0.05 and (winner is None or c.recognizer.entity != winner.recognizer.entity)}
    if winner is not None and winner.score >= threshold:
        extra = {"dtype": type_name, **winner.extra}
        if alternatives:
            extra["alternatives"] = alternatives
        entity = winner.recognizer.entity
        return ColumnResult(name=name, entity=entity, tags=ENTITY_TAGS[entity], confidence=winner.score,
                            evidence=Evidence(winner.hint, winner.hit_rate, n, non_null, distinct_ratio,
                                              winner.recognizer.id, extra))
    text_score = 0.0
    if kind == STRING and freetext.is_prose(strings):
        finding = freetext.scan(strings)
        text_score = finding.confidence
        if finding.confidence >= threshold and finding.entities:
            return ColumnResult(
                name=name, entity=finding.entities[0], tags=tags_for(finding.entities),
                confidence=finding.confidence,
                evidence=Evidence(None, finding.rows_with_spans, n, non_null, distinct_ratio, "free_text",
                                  {"dtype": type_name, "free_text": True, "spans": finding.counts,
                                   "checked": finding.checked}))
    top = max(best, text_score)
    extra = {"dtype": type_name}
    if winner is not None and winner.score >= 0.05:
        extra["best_candidate"] = {"entity": winner.recognizer.entity, "recognizer": winner.recognizer.id,
                                   "score": round(winner.score, 4), "hit_rate": round(winner.hit_rate, 4)}
    return _none(name, 1.0 - top, Evidence(winner.hint if winner else None, 0.0, n, non_null, distinct_ratio,
                                           "none", extra))
