"""Connectors inside ``lily serve``: scans on their cron schedules, queues polled continuously.

One thread ticks the schedules: the connectors file is read again on every tick (a new or edited
connector needs no restart), and a connector is due when a fire of its cron (UTC) has passed since
its last recorded run (or since the thread started, for one that never ran), so a restart neither
repeats nor skips a fire. Due runs go one at a time. A continuous connector (an SQS queue) gets a
thread of its own that long-polls and starts a recorded run only when messages arrive. ``tick(now)``
makes one decision for an instant, without sleeping (tests call it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from croniter import croniter

from lily.connectors import config as connectors_config
from lily.connectors import runner
from lily.connectors.base import ConnectorConfig
from lily.connectors.registry import KINDS
from lily.observability import log
from lily.store import Store, connector_runs


def _now() -> datetime:
    return datetime.now(UTC)


class ConnectorSchedules:
    def __init__(self, store: Store, path: str | Path, *, bus: Callable[[], Any] | None = None, poll_s: float = 30.0,
                 clock: Callable[[], datetime] = _now) -> None:
        """``bus``: gives the app's inbound bus when a queue connector first needs it (an app whose
        connectors file has no queue never creates one here)."""
        self.store, self.path, self.poll_s, self.clock = store, Path(path), poll_s, clock
        self._bus = bus
        self.started_at = clock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._loops: dict[str, threading.Thread] = {}

    def configs(self) -> list[ConnectorConfig]:
        try:
            return [c for c in connectors_config.load(self.path) if c.enabled]
        except connectors_config.ConfigError as exc:
            log.error("connectors_file_invalid", path=str(self.path), problems=[str(p) for p in exc.problems])
            return []

    def due(self, config: ConnectorConfig, now: datetime) -> bool:
        if config.schedule is None:
            return False
        with self.store.read() as conn:
            last = connector_runs.runs(conn, config.tenant, config.name, limit=1)
        since = last[0]["started_at"] if last else self.started_at
        since = since.replace(tzinfo=UTC) if since.tzinfo is None else since
        return croniter(config.schedule, since).get_next(datetime) <= now

    def tick(self, now: datetime | None = None) -> list[str]:
        """Run every scheduled connector due at ``now``; start the loops of continuous ones."""
        now = now or self.clock()
        ran = []
        for config in self.configs():
            if KINDS[config.type].continuous:
                self._ensure_loop(config)
            elif self.due(config, now):
                runner.run(self.store, config, trigger="schedule")
                ran.append(config.name)
        return ran

    def _ensure_loop(self, config: ConnectorConfig) -> None:
        thread = self._loops.get(config.name)
        if thread is not None and thread.is_alive():
            return
        thread = threading.Thread(target=self._poll_loop, args=(config,), name=f"lily-connector-{config.name}",
                                  daemon=True)
        self._loops[config.name] = thread
        thread.start()

    def _poll_loop(self, config: ConnectorConfig) -> None:
        connector: Any = KINDS[config.type].build(config)
        while not self._stop.is_set():
            try:
                messages = connector.receive()
                if messages:
                    connector.pending = messages
                    runner.run(self.store, config, trigger="queue", bus=self._bus() if self._bus else None,
                               connector=connector)
            except Exception:
                log.exception("connector_poll_failed", connector=config.name)
                self._stop.wait(self.poll_s)

    def _loop(self) -> None:
        while True:  # the first tick at once (queues start polling), in this thread: a scan a restart
            try:     # finds due never holds up the server's start
                self.tick()
            except Exception:
                log.exception("connector_schedule_tick_failed")
            if self._stop.wait(self.poll_s):
                return

    def start(self) -> None:
        self._stop.clear()
        thread = threading.Thread(target=self._loop, name="lily-connector-schedules", daemon=True)
        self._threads.append(thread)
        thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in [*self._threads, *self._loops.values()]:
            thread.join(timeout=30)
        self._threads, self._loops = [], {}


__all__ = ["ConnectorSchedules"]
