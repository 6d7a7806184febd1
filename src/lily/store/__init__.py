"""Storage port: one schema and one set of repositories for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

from sqlalchemy import Connection, Engine

from lily.model import ChangeSet
from lily.store.apply import ApplyError, ApplyResult, UnknownAsset
from lily.store.apply import apply as apply_changeset
from lily.store.db import make_engine
from lily.store.inbox_db import open_inbox
from lily.store.migrate import upgrade


class Store:
    """Owns the engine; hands out connections for reads and runs the one apply path for writes.

    The inbox (accepted inbound events) may live in a database of its own, ``inbox_engine``: a SQLite
    catalog file gets an inbox file next to it (``lily.store.inbox_db``); otherwise it is ``engine``.
    """

    def __init__(self, engine: Engine, inbox_engine: Engine | None = None) -> None:
        self.engine = engine
        self.inbox_engine = inbox_engine if inbox_engine is not None else engine

    @classmethod
    def from_url(cls, url: str, migrate: bool = False) -> Store:
        engine = make_engine(url)
        if migrate:
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
        return _reading(self.engine)

    def write(self) -> AbstractContextManager[Connection]:
        return self.engine.begin()

    def inbox_read(self) -> AbstractContextManager[Connection]:
        return _reading(self.inbox_engine)

    def inbox_write(self) -> AbstractContextManager[Connection]:
        return self.inbox_engine.begin()

    def apply(self, cs: ChangeSet) -> ApplyResult:
        return apply_changeset(self.engine, cs)

    def dispose(self) -> None:
        self.engine.dispose()
        if self.inbox_apart:
            self.inbox_engine.dispose()


@contextmanager
def _reading(engine: Engine) -> Iterator[Connection]:
    with engine.connect().execution_options(lily_readonly=True) as conn:
        yield conn


__all__ = ["ApplyError", "ApplyResult", "Store", "UnknownAsset"]
