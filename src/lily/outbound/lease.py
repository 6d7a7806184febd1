"""Keeping a worker's claim on the deliveries it is running.

A claimed delivery is leased (``claimed_until``) so that several outbound workers can run and a
dead worker's deliveries are taken over. The lease must be short, or a SIGKILLed worker holds back
its deliveries for that long (with the old fixed 120 s lease, a governance change waited two
minutes after an outbound worker died), and it must outlive a slow warehouse, or another worker
applies the same statements a second time. So the lease is short and renewed by a heartbeat while
the worker is alive and still running the claimed deliveries.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta

from lily.observability import log
from lily.store import Store
from lily.store import governance as repo


@contextmanager
def kept(store: Store, ids: Sequence[uuid.UUID], lease: timedelta,
         clock: Callable[[], datetime]) -> Iterator[None]:
    """Renew the claims on ``ids`` every third of ``lease`` until the block ends (a delivery
    recorded as applied or failed meanwhile has no claim left to renew)."""
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(lease.total_seconds() / 3):
            try:
                with store.write() as conn:
                    repo.extend_claims(conn, ids, clock() + lease)
            except Exception as e:  # the store is down: the lease runs out, another worker takes over
                log.warning("delivery_lease_renewal_failed", deliveries=len(ids), error=str(e))

    keeper = threading.Thread(target=renew, name="lily-delivery-lease", daemon=True)
    keeper.start()
    try:
        yield
    finally:
        stop.set()
        keeper.join()
