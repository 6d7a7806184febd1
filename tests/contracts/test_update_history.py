"""A dataset's update history: bursts count once, dated by their last change, whatever the batches
the monitor happened to read them in."""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lily.contracts.freshness import BURST
from lily.store import Store
from lily.store import contracts as repo
from tests.contracts.conftest import T0

DATASETS = [uuid.UUID(int=i + 1) for i in range(3)]


def bursts(times: list[float]) -> list[float]:
    """The oracle: walk the times in order; one closer than BURST to the current burst's end extends it."""
    ends: list[float] = []
    for t in times:
        if ends and t <= ends[-1]:
            continue
        if ends and t - ends[-1] < BURST.total_seconds():
            ends[-1] = t
        else:
            ends.append(t)
    return ends


def _record(store: Store, tenant: str, seen: list[tuple[uuid.UUID, datetime, int, str]]) -> None:
    """As the monitor does it: the reads before the write transaction, the writes in it."""
    with store.read() as conn:
        planned = repo.plan_updates(conn, tenant, seen, BURST)
    with store.write() as conn:
        repo.write_updates(conn, planned)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(updates=st.lists(st.tuples(st.sampled_from(DATASETS), st.integers(0, 600)), max_size=40),
       cuts=st.lists(st.integers(0, 40), max_size=4))
def test_history_is_the_bursts_whatever_the_batches(store: Store, updates: list[tuple[uuid.UUID, int]],
                                                    cuts: list[int]) -> None:
    tenant = f"t{uuid.uuid4().hex[:8]}"
    seen = [(aid, T0 + timedelta(seconds=s), seq, "test") for seq, (aid, s) in enumerate(updates, 1)]
    bounds = sorted({0, len(seen), *(c for c in cuts if c < len(seen))})
    for a, b in itertools.pairwise(bounds):
        _record(store, tenant, seen[a:b])
    with store.read() as conn:
        history = repo.update_history(conn, tenant, DATASETS)
    for aid in DATASETS:
        expected = bursts([s for d, s in updates if d == aid])
        assert [(t - T0).total_seconds() for t in history[aid]] == expected


def test_a_stream_of_writes_keeps_one_row_moved_to_the_last_write(store: Store) -> None:
    aid = DATASETS[0]
    _record(store, "acme", [(aid, T0 + timedelta(milliseconds=50 * i), i, "run completed") for i in range(1, 400)])
    with store.read() as conn:
        assert repo.update_history(conn, "acme", [aid])[aid] == [T0 + timedelta(milliseconds=50 * 399)]
