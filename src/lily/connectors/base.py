"""What every connector is: a config model, a ``run`` that discovers one system, and the run record.

A connector kind is one module ending with ``KIND = Kind(...)`` and one line in
``lily.connectors.registry.BUILTIN``. Its config model (a ``ConnectorConfig``) declares the YAML it
takes; ``build`` turns a validated config into a ``Connector``; ``run`` discovers what it can and
hands operations to the context's ``Writer``, which applies them through the catalog's one apply
path in batches. Nothing outside the module branches on a kind's name.

Failure model: an item that cannot be read (a corrupt Parquet footer, an unreadable CSV, a view
that does not parse) is recorded with ``report.fail(item, reason)`` and the run goes on; what makes
the whole run impossible (an unreachable endpoint, wrong credentials) raises ``ConnectorError``.
"""

from __future__ import annotations

import gc
import queue
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator

from lily.bus.commits import apply_and_notify
from lily.model import ChangeSet, MetadataEvent, UpsertAsset
from lily.store import Store

_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,99}")


class ConnectorError(Exception):
    """The run cannot go on (endpoint unreachable, credentials refused, nothing configured matches)."""


class ConnectorConfig(BaseModel):
    """Fields every connector has; a kind's model adds its own (unknown fields are errors)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    type: str
    tenant: str = "default"
    schedule: str | None = None  # cron (UTC) inside `lily serve`; none: run by hand only
    enabled: bool = True
    # Assets per apply transaction (about). Each commit writes every index page its batch touched,
    # and random ids touch most of them: a 10,000-table crawl (210,000 assets) took 41 s in
    # batches of 1,000, 27 s in 5,000, 25 s in 20,000; 5,000 holds the write lock ~0.5 s.
    batch_size: int = Field(default=5000, ge=1, le=100_000)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.fullmatch(value):
            raise ValueError("expected lower-case letters, digits, '_', '.' or '-' (at most 100)")
        return value

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        from croniter import croniter

        if value is not None and not croniter.is_valid(value):
            raise ValueError(f"not a cron expression: {value!r}")
        return value


@dataclass
class ItemError:
    item: str  # what was skipped: an object key, a table, a view
    reason: str


@dataclass
class Report:
    """What a run found and did: counts by name, skipped items, notes, the next run's cursor, and
    the seconds its phases took (reading the source system, writing the catalog: which one a slow
    run waits on)."""

    counts: Counter[str] = field(default_factory=Counter)
    errors: list[ItemError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    cursor: dict[str, Any] | None = None
    max_errors: int = 1000  # kept in the run record; the count goes on
    phases: dict[str, float] = field(default_factory=dict)

    def count(self, name: str, n: int = 1) -> None:
        self.counts[name] += n

    @contextmanager
    def timed(self, phase: str) -> Iterator[None]:
        """Add the wall time of the block to ``phases[phase]``."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.phases[phase] = self.phases.get(phase, 0.0) + time.perf_counter() - started

    def fail(self, item: str, reason: str) -> None:
        self.counts["errors"] += 1
        if len(self.errors) < self.max_errors:
            self.errors.append(ItemError(item, reason))


class Progress(Protocol):
    def update(self, description: str, *, advance: int = 0, total: int | None = None) -> None:
        """Show what the run does now; ``advance`` items done of ``total`` (when known)."""


class NoProgress:
    def update(self, description: str, *, advance: int = 0, total: int | None = None) -> None:
        del description, advance, total


def _weight(op: MetadataEvent) -> int:
    """Assets an operation writes: a table upsert writes one per column too."""
    return 1 + len(op.columns or ()) if isinstance(op, UpsertAsset) else 1


_paused = 0  # batches being applied with the cyclic collector paused (``collector_paused``)
_was_enabled = False
_paused_lock = threading.Lock()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a batch is applied (it runs again between batches).

    Why: a batch allocates tens of thousands of rows that live until its commit, so the collector
    ran over and over, each full pass walking everything alive (a crawl holds its whole catalog:
    10,000 relations, 210,000 columns). Paused, a 3,000-table crawl took 7.0 s of CPU instead of
    9.0 s (its apply allocates few reference cycles; what it does is collected after the batch).
    Global to the process, so counted: the last batch to end resumes it (unless it was off).
    Connectors pause it too while they read a catalog into memory (PostgreSQL's, 1.3 -> 1.0 s for
    10,000 tables)."""
    global _paused, _was_enabled
    with _paused_lock:
        if _paused == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _paused_lock:
            _paused -= 1
            if _paused == 0 and _was_enabled:
                gc.enable()


class Writer:
    """Operations to the catalog in transactions of about ``batch_size`` assets (``store.apply``
    through ``apply_and_notify``, so propagation and targets wake as for any other writer).

    The batches are applied by one thread beside the connector, through a queue of at most two
    batches: the connector lists or reads the next page while the last one is written (a first S3
    scan waited on the catalog writes between pages), memory stays bounded (a full queue makes the
    connector wait), and one writer keeps the operations in the order they were added. A batch that
    fails stops the writing: the error is raised by the next ``add`` or ``flush``, and what was
    queued after it is dropped (as a failure in the connector's own thread would have)."""

    def __init__(self, store: Store, tenant_id: str, actor: str, batch_size: int = 5000) -> None:
        self.store, self.tenant_id, self.actor, self.batch_size = store, tenant_id, actor, batch_size
        self._pending: list[MetadataEvent] = []
        self._weight = 0
        self.changes = 0
        self.transactions = 0
        self.seconds = 0.0  # wall time spent applying batches (on the writing thread)
        self._queue: queue.Queue[list[MetadataEvent] | None] = queue.Queue(maxsize=2)
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def add(self, ops: Iterable[MetadataEvent]) -> None:
        for op in ops:
            self._pending.append(op)
            self._weight += _weight(op)
            if self._weight >= self.batch_size:
                self._hand_off()

    def flush(self) -> None:
        """Apply everything added so far (returns when it is committed; raises what the writing met)."""
        self._hand_off()
        self._queue.join()
        self._raise()

    def close(self) -> None:
        """Stop the writing thread (after ``flush``: what is still queued is applied first)."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def _hand_off(self) -> None:
        self._raise()
        if self._pending:
            batch, self._pending, self._weight = self._pending, [], 0
            if self._thread is None:
                self._thread = threading.Thread(target=self._write, name="lily-connector-writer", daemon=True)
                self._thread.start()
            self._queue.put(batch)

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            self._pending, self._weight = [], 0
            raise error

    def _write(self) -> None:
        while True:
            batch = self._queue.get()
            try:
                if batch is None:
                    return
                if self._error is None:
                    started = time.perf_counter()
                    with collector_paused():
                        result = apply_and_notify(self.store, ChangeSet(tenant_id=self.tenant_id, actor=self.actor,
                                                                        operations=batch))
                        self.changes += len(result.changes)
                        self.transactions += 1
                        # Freed before the collector resumes, which would walk them all once more
                        # (that pass was 5 % of a 10,000-table crawl, py-spy).
                        del result
                        batch = None
                    self.seconds += time.perf_counter() - started
            except BaseException as exc:  # raised in the connector's thread by the next add or flush
                self._error = exc
            finally:
                self._queue.task_done()


@dataclass
class RunContext:
    """What a run gets: where to write, what to report into, and where the last run stopped."""

    store: Store
    tenant_id: str
    writer: Writer
    report: Report
    progress: Progress
    full: bool  # walk everything, as on a first run (the cursor still tells what existed before)
    cursor: dict[str, Any] | None  # the last good run's ``report.cursor`` (None on a first run)
    now: datetime
    bus: Any = None  # the inbound bus (lily.bus.base.Bus) of this process, for connectors that publish events


class Connector(Protocol):
    def run(self, ctx: RunContext) -> None:
        """Discover, write through ``ctx.writer``, report into ``ctx.report``; raise ConnectorError
        when the run cannot go on."""


@dataclass(frozen=True)
class Kind:
    """A kind of connector: its name (the ``type:`` in the connectors file), config and builder."""

    name: str
    config: type[ConnectorConfig]
    build: Callable[[Any], Connector]
    title: str = ""
    continuous: bool = False  # runs as a loop inside `lily serve` (a queue), not on a schedule


__all__ = ["Connector", "ConnectorConfig", "ConnectorError", "ItemError", "Kind", "NoProgress", "Progress",
           "Report", "RunContext", "Writer", "collector_paused"]
