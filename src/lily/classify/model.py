"""What a classification says: the result per column, its evidence, and spans found in free text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CLASSIFIER_VERSION = "lily-classify/2"


@dataclass(frozen=True)
class Evidence:
    """Why a column got its answer; enough for a person to confirm or reject a suggestion.

    ``hit_rate`` is the share of sampled non-null values the recognizer accepted (for free text: the
    share of values holding at least one validated span). ``distinct_ratio`` is distinct values over
    sampled values. ``recognizer`` names the check that decided (``"none"`` when nothing fired).
    """

    name_hint: str | None
    hit_rate: float
    sample_size: int
    non_null: int
    distinct_ratio: float
    recognizer: str
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"name_hint": self.name_hint, "hit_rate": round(self.hit_rate, 4), "sample_size": self.sample_size,
                "non_null": self.non_null, "distinct_ratio": round(self.distinct_ratio, 4),
                "recognizer": self.recognizer, "extra": self.extra}


@dataclass(frozen=True)
class ColumnResult:
    """The verdict on one column.

    ``confidence`` is the probability of the answer given: that the column holds ``entity`` when there
    is one, that it holds none of the known entities when ``entity`` is ``None``.
    """

    name: str
    entity: str | None
    tags: tuple[str, ...]
    confidence: float
    evidence: Evidence

    @property
    def tag(self) -> str | None:
        return self.tags[0] if self.tags else None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "entity": self.entity, "tag": self.tag,
                "confidence": round(self.confidence, 4), "evidence": self.evidence.to_json()}


@dataclass(frozen=True)
class Span:
    """A half-open character range ``[start, end)`` of ``entity`` in a text."""

    entity: str
    start: int
    end: int
