"""In-process governance worker for ``lily serve``: propagation, then outbound, in one thread.

The thread sleeps until the store reports a commit of changes (``add_commit_listener``), or a short
poll interval passes (writers that commit through their own transaction do not notify), or the next
delivery retry is due. So a tag set through the API is propagated and delivered within
milliseconds, not at the next poll. ``lily worker propagation|outbound`` runs one stage alone.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable

from lily.bus.commits import add_commit_listener
from lily.governance.consumer import PropagationConsumer
from lily.governance.propagation import PropagationLimits
from lily.observability import Metrics, log
from lily.outbound.retry import RetryPolicy
from lily.outbound.worker import OutboundWorker
from lily.settings import Settings
from lily.store import Store


def propagation_limits(settings: Settings) -> PropagationLimits:
    return PropagationLimits(settings.propagation_max_depth, settings.propagation_max_fanout,
                             settings.propagation_time_budget_s)


def retry_policy(settings: Settings) -> RetryPolicy:
    return RetryPolicy(settings.outbound_retry_base_s, settings.outbound_retry_cap_s,
                       settings.outbound_max_attempts, settings.outbound_max_elapsed_s)


def propagation_consumer(store: Store, settings: Settings, metrics: Metrics | None = None) -> PropagationConsumer:
    return PropagationConsumer(store, propagation_limits(settings), settings.propagation_batch_size, metrics)


def outbound_worker(store: Store, settings: Settings, metrics: Metrics | None = None,
                    rng: random.Random | None = None) -> OutboundWorker:
    return OutboundWorker(store, settings.fernet_key(), retry_policy(settings), metrics, rng=rng,
                          lease_s=settings.outbound_lease_s)


class _Loop:
    """A named thread running ``step`` whenever woken, or after ``interval()`` seconds."""

    def __init__(self, name: str, step: Callable[[], None], interval: Callable[[], float],
                 error_pause: float = 1.0) -> None:
        self.name = name
        self.step = step
        self.interval = interval
        self.error_pause = error_pause
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"lily-{name}", daemon=True)

    def _run(self) -> None:
        while not self.stopping.is_set():
            self.wake.clear()  # before the step: a commit during the step wakes the next one
            try:
                self.step()
                timeout = self.interval()
            except Exception:
                log.exception("worker_step_failed", worker=self.name)
                # A fixed pause, not ``interval()``: it reads the database, which is what may be down
                # (asking it here once killed the thread during a PostgreSQL restart, and the worker
                # process stayed up doing nothing).
                timeout = self.error_pause
            self.wake.wait(timeout)

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        self.wake.set()
        self.thread.join(timeout)


_ROUNDS_PER_STEP = 20


class GovernanceRuntime:
    """Starts/stops the propagation and outbound loops over one store."""

    def __init__(self, store: Store, settings: Settings, metrics: Metrics | None = None,
                 propagation: bool = True, outbound: bool = True) -> None:
        self.store = store
        self.poll = settings.worker_poll_s
        self.consumer = propagation_consumer(store, settings, metrics)
        self.worker = outbound_worker(store, settings, metrics)
        self.propagation, self.outbound = propagation, outbound
        # One thread runs both stages in order (propagate, then plan and deliver what that caused):
        # two threads would contend for SQLite's single writer lock, and its busy handler sleeps
        # in growing steps, which costs more latency than running the stages back to back.
        name = "governance" if propagation and outbound else "propagation" if propagation else "outbound"
        self.loops: list[_Loop] = [_Loop(name, self._step, self._interval)] if propagation or outbound else []
        self._unsubscribe: Callable[[], None] | None = None

    def _step(self) -> None:
        if self.propagation:
            self.consumer.drain(max_rounds=_ROUNDS_PER_STEP)
        if self.outbound:
            self.worker.drain()
        if self.propagation and self.consumer.behind():
            self.wake()  # a backlog: keep going, but let deliveries and retries run in between

    def _interval(self) -> float:
        due = self.worker.next_due_in() if self.outbound else None
        return self.poll if due is None else min(self.poll, due)

    def _on_commit(self, _tenant: str) -> None:
        for loop in self.loops:
            loop.wake.set()

    def start(self) -> GovernanceRuntime:
        self._unsubscribe = add_commit_listener(self.store.engine, self._on_commit)
        for loop in self.loops:
            loop.thread.start()
        return self

    def wake(self) -> None:
        self._on_commit("")

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        for loop in self.loops:
            loop.stop()

    def __enter__(self) -> GovernanceRuntime:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
