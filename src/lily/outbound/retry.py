"""Delivery retry policy (pure): exponential backoff with full jitter, then dead letter.

Full jitter (``sleep = uniform(0, min(cap, base * 2**attempt))``) spreads retries of many failed
deliveries after a target outage instead of having them hammer the target in lock-step. A delivery
is dead-lettered when its attempts or its elapsed-time budget run out, or at once when the error is
not retryable (bad SQL, permission denied: retrying cannot help, a person must look).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    base_s: float = 1.0
    cap_s: float = 300.0
    max_attempts: int = 8  # total attempts, the first one included
    max_elapsed_s: float | None = 24 * 3600.0  # since the first attempt; None: attempts only

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Delay after failed attempt number ``attempt`` (1-based)."""
        ceiling = min(self.cap_s, self.base_s * (2 ** max(attempt - 1, 0)))
        return rng.uniform(0.0, ceiling)


@dataclass(frozen=True, slots=True)
class RetryDecision:
    retry: bool
    next_attempt_at: datetime | None
    dead_letter: bool
    reason: str


def decide(policy: RetryPolicy, attempts: int, first_attempt_at: datetime, now: datetime,
           retryable: bool = True, rng: random.Random | None = None) -> RetryDecision:
    """What to do after ``attempts`` failed attempts (the latest one just failed at ``now``)."""
    if not retryable:
        return RetryDecision(False, None, True, "error is not retryable")
    if attempts >= policy.max_attempts:
        return RetryDecision(False, None, True, f"retry budget exhausted after {attempts} attempts")
    delay = policy.backoff(attempts, rng or random.Random())
    at = now + timedelta(seconds=delay)
    if policy.max_elapsed_s is not None and (at - first_attempt_at).total_seconds() > policy.max_elapsed_s:
        return RetryDecision(False, None, True, f"retry window of {policy.max_elapsed_s:.0f}s exhausted")
    return RetryDecision(True, at, False, f"retry {attempts + 1}/{policy.max_attempts} in {delay:.2f}s")
