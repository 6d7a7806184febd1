"""Freshness: how often a dataset is expected to change, and whether it is late. Pure.

The expected cadence comes from the contract's ``freshness`` SLA when there is one; otherwise it is
learned from the dataset's update history (the median gap between its recorded updates, once there
are at least ``MIN_UPDATES``). A dataset is late when the time since its last update exceeds the
SLA, or ``LATE_FACTOR`` times the learned cadence.
"""

from __future__ import annotations

import itertools
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

MIN_UPDATES = 3
LATE_FACTOR = 1.5
# Updates closer than this are one update (a burst, dated by its last change): a table written on
# every event of a stream has no cadence to learn, and "late after 1.5 x 50 ms" is noise.
BURST = timedelta(minutes=1)


@dataclass(frozen=True)
class Expectation:
    seconds: float
    source: str  # "contract <id>" or "learned from N updates"


@dataclass(frozen=True)
class Verdict:
    late: bool
    age_s: float
    allowed_s: float
    source: str
    last_update: datetime

    def message(self) -> str:
        return (f"last updated {self.age_s / 3600:.1f} h ago ({self.last_update.isoformat()}); expected within "
                f"{self.allowed_s / 3600:.1f} h ({self.source})")


def learned(history: list[datetime]) -> Expectation | None:
    times = sorted(set(history))
    if len(times) < MIN_UPDATES:
        return None
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    cadence = statistics.median(gaps)
    if cadence <= 0:
        return None
    return Expectation(cadence * LATE_FACTOR, f"learned from {len(times)} updates: every "
                                              f"{cadence / 3600:.1f} h, late after {LATE_FACTOR:g}x")


def judge(last_update: datetime | None, expectation: Expectation | None, now: datetime) -> Verdict | None:
    if last_update is None or expectation is None:
        return None
    age = (now - last_update).total_seconds()
    return Verdict(age > expectation.seconds, age, expectation.seconds, expectation.source, last_update)
