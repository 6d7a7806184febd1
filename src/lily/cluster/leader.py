"""Leader election for ``lily scheduler``: whoever holds the lock runs the cron work; the others wait.

- **PostgreSQL**: a session-level ``pg_try_advisory_lock`` on a dedicated connection. The lock lives
  exactly as long as that session: a leader that dies (even by SIGKILL) closes its socket, the
  server ends the session and the lock is free for a follower's next try. A leader checks its
  session every tick (``held``); a lost connection (a PostgreSQL restart) means it is no longer leader.
- **SQLite**: an exclusive ``flock`` on ``<database>.scheduler.lock``, released by the kernel when
  the holder dies. (In-memory SQLite has one process: it always leads.)
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for ``name``."""
    return int.from_bytes(hashlib.sha256(f"lily:{name}".encode()).digest()[:8], "big", signed=True)


class LeaderLock(Protocol):
    def try_acquire(self) -> bool: ...

    def held(self) -> bool: ...

    def release(self) -> None: ...


class PostgresLeaderLock:
    def __init__(self, engine: Engine, name: str = "scheduler") -> None:
        self.engine, self.key = engine, lock_key(name)
        self._conn: Connection | None = None

    def try_acquire(self) -> bool:
        if self._conn is not None:
            return self.held()
        conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar())
        except Exception:
            conn.close()
            raise
        if got:
            self._conn = conn  # held for as long as this session lives
        else:
            conn.close()
        return got

    def held(self) -> bool:
        if self._conn is None:
            return False
        try:
            self._conn.execute(text("SELECT 1"))
            return True
        except Exception:  # the session is gone, and the lock with it
            self._drop()
            return False

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.invalidate()
                conn.close()

    def release(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
            self._drop()


class FileLeaderLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the descriptor drops the flock


class AlwaysLeader:
    def try_acquire(self) -> bool:
        return True

    def held(self) -> bool:
        return True

    def release(self) -> None:
        return None


def leader_lock(engine: Engine, name: str = "scheduler") -> Any:
    """The lock that fits the store's database."""
    if engine.dialect.name == "postgresql":
        return PostgresLeaderLock(engine, name)
    database = engine.url.database
    if not database or database == ":memory:":
        return AlwaysLeader()
    return FileLeaderLock(Path(f"{database}.{name}.lock"))
