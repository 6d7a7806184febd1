"""The governance workers' loop survives a database outage (a step and its wait both failing)."""

from __future__ import annotations

import threading
import time

from lily.outbound.runtime import _Loop


class Database:
    """Down for the first ``outage`` calls of anything that reads it."""

    def __init__(self, outage: int) -> None:
        self.outage = outage
        self.calls = 0
        self.stepped_after = threading.Event()

    def read(self) -> None:
        self.calls += 1
        if self.calls <= self.outage:
            raise ConnectionError("server closed the connection unexpectedly")

    def step(self) -> None:
        self.read()
        self.stepped_after.set()

    def interval(self) -> float:
        self.read()  # the next retry's due time comes from the deliveries table
        return 0.05


def test_the_loop_keeps_stepping_through_an_outage_that_also_fails_its_wait() -> None:
    db = Database(outage=5)
    loop = _Loop("outbound", db.step, db.interval, error_pause=0.02)
    loop.thread.start()
    try:
        assert db.stepped_after.wait(10), "the loop stopped during the outage"
        assert loop.thread.is_alive()
        calls = db.calls
        time.sleep(0.3)
        assert db.calls > calls  # and it goes on
    finally:
        loop.stop()
    assert not loop.thread.is_alive()
