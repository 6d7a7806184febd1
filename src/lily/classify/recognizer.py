"""One recognizer: how an entity is found in a column's values, and how much its evidence weighs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from lily.classify.gates import ANY
from lily.classify.names import Hint

# The Arrow types a recognizer reads; every non-string column is cast to strings for it.
STRING = "string"
INTEGER = "integer"
FLOAT = "float"
DATE = "date"


@dataclass(frozen=True)
class Tier:
    """Weights of a logistic score: ``prior + weight * hit_rate + hint * name_hint``.

    The tiers say how much a value check proves on its own. A checksum or a very specific structure
    (Luhn, mod-97, an email's shape) needs no name; shape and vocabulary (names, addresses, phone
    layouts) need most values to agree without a name; a plain pattern (passport numbers, dates of
    birth, latitude) proves nothing without the column's name.
    """

    prior: float
    weight: float
    hint: float


CHECKSUM = Tier(prior=-6.0, weight=12.0, hint=3.0)   # alone at a hit rate >= 0.5; named at >= 0.25
SHAPE = Tier(prior=-8.0, weight=11.0, hint=4.0)      # alone at >= 0.73; named at >= 0.36
NAMED = Tier(prior=-9.0, weight=8.0, hint=5.0)       # never alone (0.27 at most); named at >= 0.5

# A column-level check over the validated values: (logit adjustment, evidence to report).
ColumnCheck = Callable[[Sequence[str]], tuple[float, dict[str, object]]]


@dataclass(frozen=True)
class Recognizer:
    """``gate`` bounds the candidates cheaply (see :mod:`lily.classify.gates`); ``pattern`` is an
    anchored RE2 expression, kept simple so it compiles fast, that Arrow runs over the sample as a
    prefilter; ``validate`` then scores only the values it matched, with whatever precision it needs:
    1.0 proven, 0.5 the right shape only, 0.
    """

    entity: str
    id: str
    pattern: str | None  # None: every value is a candidate
    validate: Callable[[str], float]
    hint: Hint
    tier: Tier
    gate: str = ANY
    length: tuple[int, int] = (1, 1 << 16)  # shortest and longest value the entity can be written as
    outside_gate: float = 0.0  # the most a value outside the gate can score (a street name has no number)
    kinds: frozenset[str] = frozenset({STRING})
    column_check: ColumnCheck | None = None
    # Identifiers are distinct per person: a handful of values repeated over a large sample is a
    # constant (a sender address, a test card), not a column of personal data.
    identifier: bool = True
