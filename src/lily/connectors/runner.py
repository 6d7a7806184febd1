"""One connector run, recorded: the run row (``running``), the connector's pass, the writer's last
batch, then the row's end state with counts, skipped items, notes and the next run's cursor.

States: ``succeeded``; ``partial`` when items were skipped (each in ``errors``); ``failed`` when
the run could not go on (``error`` says why, and the cursor of the last good run stays in force).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lily.connectors.base import (
    Connector,
    ConnectorConfig,
    ConnectorError,
    NoProgress,
    Progress,
    Report,
    RunContext,
    Writer,
)
from lily.connectors.registry import KINDS
from lily.observability import log
from lily.store import Store, connector_runs


@dataclass
class RunResult:
    run_id: str
    connector: str
    state: str
    report: Report
    changes: int
    started_at: datetime
    finished_at: datetime
    error: str | None = None

    @property
    def seconds(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()

    def to_json(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "connector": self.connector, "state": self.state, "error": self.error,
                "counts": dict(self.report.counts), "changes": self.changes, "seconds": round(self.seconds, 3),
                "phases": {name: round(seconds, 3) for name, seconds in self.report.phases.items()},
                "errors": [{"item": e.item, "reason": e.reason} for e in self.report.errors],
                "notes": self.report.notes}


def run(store: Store, config: ConnectorConfig, *, full: bool = False, trigger: str = "cli",
        progress: Progress | None = None, now: datetime | None = None, bus: Any = None,
        connector: Connector | None = None) -> RunResult:
    """Run ``config``'s connector once and record it; never raises for what the system did.
    ``connector``: one already built from ``config`` (a queue poller holding what it received)."""
    kind = KINDS[config.type]
    started = now or datetime.now(UTC)
    run_id = uuid.uuid4().hex
    tenant = config.tenant
    with store.read() as conn:
        cursor = connector_runs.last_cursor(conn, tenant, config.name)
    with store.write() as conn:
        connector_runs.save_run(conn, {"tenant_id": tenant, "run_id": run_id, "connector": config.name,
                                       "kind": kind.name, "state": "running", "full": full or cursor is None,
                                       "trigger": trigger, "started_at": started, "finished_at": None,
                                       "counts": {}, "errors": [], "notes": [], "cursor": None, "error": None})
    report = Report()
    writer = Writer(store, tenant, f"connector:{config.name}", config.batch_size)
    ctx = RunContext(store=store, tenant_id=tenant, writer=writer, report=report,
                     progress=progress or NoProgress(), full=full or cursor is None, cursor=cursor, now=started,
                     bus=bus)
    error: str | None = None
    try:
        (connector or kind.build(config)).run(ctx)
        writer.flush()
    except ConnectorError as exc:
        error = str(exc)
    except Exception as exc:  # a bug or an unforeseen failure: recorded, not raised into a scheduler
        log.exception("connector_run_failed", connector=config.name)
        error = f"{type(exc).__name__}: {exc}"
    if error is None:
        state = "partial" if report.counts.get("errors") else "succeeded"
    else:
        state = "failed"
        try:
            writer.flush()  # what was found before the failure is kept
        except Exception:
            log.exception("connector_flush_failed", connector=config.name)
    writer.close()
    report.phases["catalog_write"] = writer.seconds
    finished = datetime.now(UTC)
    report.counts["changes"] = writer.changes
    with store.write() as conn:
        connector_runs.finish_run(conn, tenant, run_id, {
            "state": state, "finished_at": finished, "counts": dict(report.counts),
            "errors": [{"item": e.item, "reason": e.reason} for e in report.errors], "notes": report.notes,
            "cursor": report.cursor if state != "failed" else None, "error": error})
    log.info("connector_run", connector=config.name, state=state, counts=dict(report.counts), error=error)
    return RunResult(run_id, config.name, state, report, writer.changes, started, finished, error)


__all__ = ["RunResult", "open_store", "run"]


def open_store() -> Store:
    """The configured store, migrated (the command line's)."""
    from lily.bootstrap import ensure_tenant
    from lily.settings import Settings

    store = Store.from_url(Settings().resolved_database_url, migrate=True)
    ensure_tenant(store, "default")
    return store
