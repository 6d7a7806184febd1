"""Storage port: one schema and one set of repositories for SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

from sqlalchemy import Connection, Engine

from lily.model import ChangeSet
from lily.store.apply import ApplyError, ApplyResult, UnknownAsset
from lily.store.apply import apply as apply_changeset
from lily.store.db import make_engine
from lily.store.inbox_db import open_inbox


class Store:
    """Owns the engine; hands out connections for reads and runs the one apply path for writes.

    The inbox (accepted inbound events) may live in a database of its own, ``inbox_engine``: a SQLite
    catalog file gets an inbox file next to it (``lily.store.inbox_db``); otherwise it is ``engine``.
    """

    def __init__(self, engine: Engine, inbox_engine: Engine | None = None) -> None:
        self.engine = engine
        self.inbox_engine = inbox_engine if inbox_engine is not None else engine
        self._held = _HeldConnections()

    @classmethod
    def from_url(cls, url: str, migrate: bool = False) -> Store:
        engine = make_engine(url)
        if migrate:
            from lily.store.migrate import upgrade  # alembic: ~60 ms of import a worker mostly skips

            upgrade(engine)
        return cls(engine, open_inbox(engine))

    @property
    def inbox_apart(self) -> bool:
        """True when the inbox is a database of its own (settled in a transaction after the catalog's)."""
        return self.inbox_engine is not self.engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def read(self) -> AbstractContextManager[Connection]:
        return (self._held.transaction(self.engine, readonly=True)
                or self.engine.connect().execution_options(lily_readonly=True))

    def write(self) -> AbstractContextManager[Connection]:
        return self._held.transaction(self.engine, readonly=False) or self.engine.begin()

    def inbox_read(self) -> AbstractContextManager[Connection]:
        return (self._held.transaction(self.inbox_engine, readonly=True)
                or self.inbox_engine.connect().execution_options(lily_readonly=True))

    def inbox_write(self) -> AbstractContextManager[Connection]:
        return self._held.transaction(self.inbox_engine, readonly=False) or self.inbox_engine.begin()

    @contextmanager
    def pinned(self) -> Iterator[None]:
        """Keep this thread's connections between its transactions until the block ends (a worker's
        loop): taking a connection from the pool and resetting it on return cost about as much as a
        small transaction, and the inbound worker runs three or four of them per cycle."""
        self._held.pin()
        try:
            yield
        finally:
            self._held.release()

    def apply(self, cs: ChangeSet) -> ApplyResult:
        return apply_changeset(self.engine, cs)

    def dispose(self) -> None:
        self.engine.dispose()
        if self.inbox_apart:
            self.inbox_engine.dispose()


class _HeldConnections:
    """Per thread, while pinned: one reading and one writing connection per engine, each used for one
    transaction at a time (a transaction asked for while the held one is busy gets a pooled one)."""

    def __init__(self) -> None:
        self._local = threading.local()

    def pin(self) -> None:
        self._local.depth = getattr(self._local, "depth", 0) + 1
        if self._local.depth == 1:
            self._local.conns = {}

    def release(self) -> None:
        self._local.depth -= 1
        if self._local.depth == 0:
            conns, self._local.conns = self._local.conns, None
            for conn in conns.values():
                conn.close()

    def transaction(self, engine: Engine, *, readonly: bool) -> AbstractContextManager[Connection] | None:
        conns: dict[tuple[int, bool], Connection] | None = getattr(self._local, "conns", None)
        if conns is None:
            return None
        key = (id(engine), readonly)
        conn = conns.get(key)
        if conn is None or conn.closed or conn.invalidated:
            conn = engine.connect()
            if readonly:
                conn = conn.execution_options(lily_readonly=True)
            conns[key] = conn
        elif conn.in_transaction():
            return None  # nested on this thread: a connection of its own
        return _held_transaction(conn, readonly)


@contextmanager
def _held_transaction(conn: Connection, readonly: bool) -> Iterator[Connection]:
    if readonly:  # as a pooled reading connection: begun by its first statement, rolled back after
        try:
            yield conn
        finally:
            if conn.in_transaction():
                conn.rollback()
        return
    with conn.begin():
        yield conn


__all__ = ["ApplyError", "ApplyResult", "Store", "UnknownAsset"]
