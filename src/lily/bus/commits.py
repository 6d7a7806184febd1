"""Commit signals: in-process change-feed consumers (propagation, outbound) wait on these instead of
polling hard.

A writer that committed changes for a tenant calls ``notify_committed`` after its commit, so a woken
consumer sees them; consumers also poll, so a signal missed (a writer in another process that does
not report its commits) only costs latency. Listeners are kept per engine: two stores in one process
(tests, benchmarks) do not wake each other's consumers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import Engine

from lily.model import ChangeSet
from lily.store import ApplyResult, Store

_listeners: list[tuple[Engine, Callable[[str], None]]] = []
_lock = threading.Lock()


def add_commit_listener(engine: Engine, fn: Callable[[str], None]) -> Callable[[], None]:
    """Call ``fn(tenant_id)`` after each commit of changes on ``engine``; returns the unsubscribe."""
    entry = (engine, fn)
    with _lock:
        _listeners.append(entry)

    def remove() -> None:
        with _lock:
            if entry in _listeners:
                _listeners.remove(entry)

    return remove


def notify_committed(engine: Engine, tenant_id: str) -> None:
    """Wake the listeners of ``engine``: changes of ``tenant_id`` were committed."""
    with _lock:
        targets = [fn for e, fn in _listeners if e is engine]
    for fn in targets:
        fn(tenant_id)


def apply_and_notify(store: Store, cs: ChangeSet) -> ApplyResult:
    """``store.apply`` for writers outside the inbound worker (API routes, pipelines): the change set
    in its own transaction, then the consumers of this process woken if it changed anything."""
    result = store.apply(cs)
    if result.changes:
        notify_committed(store.engine, cs.tenant_id)
    return result
