"""Storage port: one schema and one set of repositories for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine

from lily.model import ChangeSet
from lily.store.apply import ApplyError, ApplyResult, UnknownAsset
from lily.store.apply import apply as apply_changeset
from lily.store.db import make_engine
from lily.store.migrate import upgrade


class Store:
    """Owns the engine; hands out connections for reads and runs the one apply path for writes."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def from_url(cls, url: str, migrate: bool = False) -> Store:
        store = cls(make_engine(url))
        if migrate:
            upgrade(store.engine)
        return store

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect().execution_options(lily_readonly=True) as conn:
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    def apply(self, cs: ChangeSet) -> ApplyResult:
        return apply_changeset(self.engine, cs)

    def dispose(self) -> None:
        self.engine.dispose()


__all__ = ["ApplyError", "ApplyResult", "Store", "UnknownAsset"]
