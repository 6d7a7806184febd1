"""Catalog wiring: the pipeline's ``MetadataSink`` that applies catalog events to the Lily store.

Everything that changes metadata goes through ``Store.apply`` (state + ordered changes + audit in one
transaction), so what a pipeline run writes is in the change feed like any other producer's
writes and propagation/outbound react to it. The actor is ``pipeline:<name>``; the run id is the
correlation id, linking the catalog changes and audit rows back to the run record.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from lily.bus.commits import apply_and_notify
from lily.model import ChangeSet, MetadataEvent
from lily.store import Store

ATTEMPTS = 3


class StoreMetadataSink:
    def __init__(self, store: Store, tenant_id: str, *, pipeline: str = "logs",
                 clock: Callable[[], datetime] | None = None) -> None:
        self.store = store
        self.tenant_id = tenant_id
        self.actor = f"pipeline:{pipeline}"
        self.clock = clock  # None: the store stamps changes with its own clock
        # Backfill days publish the same assets concurrently. On PostgreSQL two transactions that
        # both find an asset missing both insert it and one fails on the primary key, so this
        # process publishes one change set at a time; another process racing us is retried (the
        # retry finds the asset and updates it).
        self._lock = threading.Lock()

    def publish(self, events: Sequence[MetadataEvent], *, run_id: str | None = None) -> None:
        if not events:
            return
        cs = ChangeSet(tenant_id=self.tenant_id, actor=self.actor, operations=list(events),
                       correlation_id=run_id, at=self.clock() if self.clock else None)
        with self._lock:
            for attempt in range(1, ATTEMPTS + 1):
                try:
                    apply_and_notify(self.store, cs)
                    return
                except IntegrityError:
                    if attempt == ATTEMPTS:
                        raise


__all__ = ["StoreMetadataSink"]
