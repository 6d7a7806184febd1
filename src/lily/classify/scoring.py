"""The score: a logistic function of the evidence, absolute rather than relative.

Every recognizer's score is computed on its own, from its tier's weights, the share of values it
validated, the column name's hint and column-level adjustments. Nothing is normalised across
entities, so a column where nothing fits scores low everywhere and gets no entity.
"""

from __future__ import annotations

import math

from lily.classify.recognizer import Tier

# Wilson interval at about 95 %: how far a share measured on few values may be from the column's.
_Z = 1.96


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def shrink(rate: float, n: int, pseudo: float = 2.0) -> float:
    """Pull a share towards zero when few values support it: 3 of 3 is not 1,000 of 1,000."""
    return rate * n / (n + pseudo)


def score(tier: Tier, hit_rate: float, n: int, hint: float, adjustment: float = 0.0) -> float:
    return sigmoid(tier.prior + tier.weight * shrink(hit_rate, n) + tier.hint * hint + adjustment)


def wilson(successes: float, trials: int) -> tuple[float, float]:
    """The ~95 % interval of a share observed as ``successes`` out of ``trials``."""
    if trials == 0:
        return 0.0, 1.0
    p = successes / trials
    denominator = 1 + _Z * _Z / trials
    centre = (p + _Z * _Z / (2 * trials)) / denominator
    spread = _Z * math.sqrt(p * (1 - p) / trials + _Z * _Z / (4 * trials * trials)) / denominator
    return max(0.0, centre - spread), min(1.0, centre + spread)
