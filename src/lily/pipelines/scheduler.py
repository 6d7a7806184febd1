"""Scheduled runs inside ``lily serve``: a thread that asks ``schedule.due_dates`` which days are due
and submits them to the ``PipelineService``.

Time is injected: ``tick(now)`` does one scheduling decision for a given instant (tests call it
directly, no sleeping); the thread only calls ``tick(clock())`` every ``poll_s`` seconds. The last
fire handled is derived from the run records (the newest ``trigger="schedule"`` run), so a restart
neither repeats a day nor skips the fires that happened while the process was down.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, datetime

from croniter import croniter

from lily.observability import log
from lily.pipelines.schedule import due_dates
from lily.pipelines.service import PipelineService, utcnow

TRIGGER = "schedule"


class PipelineScheduler:
    """One pipeline's schedule: which days are due at an instant (``tick``). The thread that ticks
    every pipeline's scheduler is :class:`PipelineSchedules`."""

    def __init__(self, service: PipelineService, cron: str, *, pipeline: str = "logs",
                 clock: Callable[[], datetime] = utcnow) -> None:
        if not croniter.is_valid(cron):
            raise ValueError(f"invalid cron expression for the pipeline schedule: {cron!r}")
        self.service = service
        self.cron = cron
        self.pipeline = pipeline
        self.clock = clock
        self._last: datetime | None = None

    def _last_fire_handled(self) -> datetime | None:
        # A scheduled run is recorded (QUEUED) when its fire is handled, so its started_at is at or
        # after that fire time: fires up to it are done.
        runs = [r for r in self.service.recorder().runs(self.pipeline) if r.trigger == TRIGGER]
        return max((r.started_at for r in runs), default=None)

    def tick(self, now: datetime | None = None) -> list[date]:
        """Submit the process dates due at ``now``; returns them (oldest first)."""
        now = now if now is not None else self.clock()
        last = self._last if self._last is not None else self._last_fire_handled()
        days = due_dates(self.cron, last=last, now=now)
        if days:
            self.service.submit(self.pipeline, days, trigger=TRIGGER)
            log.info("pipeline_schedule_fired", pipeline=self.pipeline, days=[d.isoformat() for d in days])
        self._last = now
        return days


class PipelineSchedules:
    """Every pipeline on its own schedule, in one thread: ``logs`` on ``default`` (LILY_PIPELINE_SCHEDULE),
    each declared pipeline on its file's ``schedule:`` (``default`` when it names none).

    The declared schedules are read again on every tick, as their files are on every run: a new or
    edited file is scheduled without a restart. A pipeline keeps its :class:`PipelineScheduler` while
    its cron stays the same; a changed cron starts from the run records again (no fire is repeated).
    """

    def __init__(self, service: PipelineService, default: str | None, *, clock: Callable[[], datetime] = utcnow,
                 poll_s: float = 30.0, is_leader: Callable[[], bool] | None = None) -> None:
        """``is_leader``: asked before each tick (``lily scheduler``'s leader election); a tick while
        it says no submits nothing, so two schedulers never both fire one day."""
        if default and not croniter.is_valid(default):
            raise ValueError(f"invalid cron expression for the pipeline schedule: {default!r}")
        self.service = service
        self.default = default or None
        self.clock = clock
        self.poll_s = poll_s
        self.is_leader = is_leader
        self.schedulers: dict[str, PipelineScheduler] = {}
        self.last_tick: datetime | None = None  # the instant of the last tick that went through
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def crons(self) -> dict[str, str]:
        """Name -> cron of every pipeline to schedule now."""
        found = {"logs": self.default} if self.default else {}
        if self.service.declared is not None:
            found.update(self.service.declared.schedules(self.default))
        return found

    def tick(self, now: datetime | None = None) -> dict[str, list[date]]:
        """Submit the days due at ``now`` for each pipeline; returns them by pipeline."""
        now = now if now is not None else self.clock()
        if self.is_leader is not None and not self.is_leader():
            log.warning("pipeline_schedule_not_leader")
            return {}
        crons = self.crons()
        for name in set(self.schedulers) - set(crons):  # its file is gone or no longer scheduled
            del self.schedulers[name]
        due: dict[str, list[date]] = {}
        for name, cron in crons.items():
            scheduler = self.schedulers.get(name)
            if scheduler is None or scheduler.cron != cron:
                scheduler = self.schedulers[name] = PipelineScheduler(self.service, cron, pipeline=name,
                                                                      clock=self.clock)
            try:
                due[name] = scheduler.tick(now)
            except Exception:  # one pipeline's failure does not hold the others back
                log.exception("pipeline_schedule_tick_failed", pipeline=name)
        self.last_tick = now
        return due

    def _loop(self) -> None:
        while not self._stop.wait(self.poll_s):
            self._tick_logged()

    def _tick_logged(self) -> None:
        try:
            self.tick()
        except Exception:
            log.exception("pipeline_schedule_tick_failed")

    def start(self) -> None:
        """The first tick runs here, before the server answers: it reads (and, the first time,
        imports the validator for) every pipeline file, ~0.4 s of CPU that would otherwise hold up
        the first requests (the inbound benchmark's batch phase lost a third of its rate to it)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._tick_logged()
        self._thread = threading.Thread(target=self._loop, name="lily-pipeline-schedules", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None


__all__ = ["PipelineScheduler", "PipelineSchedules"]
