"""``lily reconcile`` on a cron (``LILY_RECONCILE_SCHEDULE``), run by the scheduler's leader.

Reconciling re-plans every warehouse policy and converges drift; it is idempotent, so a fire that a
new leader runs again after a failover costs a pass, not a wrong state. ``tick(now)`` makes one
decision for an instant (tests call it); the thread calls it every ``poll_s`` seconds. The first
fire counted is the first after the service started: starting never reconciles by itself.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from croniter import croniter

from lily.observability import log


class ReconcileSchedule:
    def __init__(self, cron: str, run: Callable[[], Any], *, poll_s: float = 30.0,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        if not croniter.is_valid(cron):
            raise ValueError(f"invalid cron expression for the reconcile schedule: {cron!r}")
        self.cron, self.run, self.poll_s, self.clock = cron, run, poll_s, clock
        self.last = clock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self, now: datetime | None = None) -> bool:
        """Reconcile once if a fire passed since the last tick that did; True when it ran."""
        now = now or self.clock()
        if croniter(self.cron, self.last).get_next(datetime) > now:
            return False
        self.last = now
        report = self.run()
        log.info("reconcile_schedule_fired", targets=len(getattr(report, "targets", [])))
        return True

    def _loop(self) -> None:
        while not self._stop.wait(self.poll_s):
            try:
                self.tick()
            except Exception:
                log.exception("reconcile_schedule_failed")

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="lily-reconcile-schedule", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)
            self._thread = None


def reconcile_runner(store: Any, settings: Any, metrics: Any) -> Callable[[], Any]:
    """Every tenant and target, as ``lily reconcile`` does."""
    from lily.outbound.reconcile import reconcile
    from lily.outbound.runtime import outbound_worker, propagation_consumer

    def run() -> Any:
        return reconcile(store, propagation_consumer(store, settings, metrics),
                         outbound_worker(store, settings, metrics).deliverer, correlation_id="reconcile-schedule")

    return run
