"""Cron helper: which ``process_date``s are due (pure; the caller passes ``last`` and ``now``)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from croniter import croniter


def due_dates(cron: str, *, last: datetime | None, now: datetime, lag_days: int = 1,
              max_catchup: int = 366) -> list[date]:
    """Process dates for every fire time in ``(last, now]``, oldest first, without duplicates.

    A fire at time ``T`` processes the day ``T.date() - lag_days`` (a 02:00 daily run processes
    yesterday). With no ``last`` only the most recent fire counts: a new deployment does not
    backfill history by itself — that is what ``backfill`` is for. ``max_catchup`` bounds the
    list after a long outage.
    """
    if not croniter.is_valid(cron):
        raise ValueError(f"invalid cron expression: {cron!r}")
    fires: list[datetime] = []
    if last is None:
        fires.append(croniter(cron, now + timedelta(microseconds=1)).get_prev(datetime))
    else:
        it = croniter(cron, last)
        while True:
            fire = it.get_next(datetime)
            if fire > now:
                break
            fires.append(fire)
            if len(fires) > max_catchup:
                fires = fires[-max_catchup:]
    days = [(fire - timedelta(days=lag_days)).date() for fire in fires if fire <= now]
    return sorted(set(days))
