"""Engine creation for the two supported databases (SQLite embedded, PostgreSQL scale-out)."""

from __future__ import annotations

import logging
import os
import stat
import threading
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from lily.observability import log as events

log = logging.getLogger(__name__)

# Files at rest: a SQLite catalog holds password hashes, API-key digests and encrypted secrets, the
# inbox holds every payload received. Owner only, like secrets.json.
PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700
# What SQLite keeps next to a database file. SQLite creates a new database 0644 (whatever the
# umask) and gives the WAL, shared-memory and journal files it creates later the database file's
# own mode (it fchmods them to it), so a database file created 0600 keeps all of them 0600.
_COMPANIONS = ("", "-wal", "-shm", "-journal")


def restrict(path: Path, mode: int) -> bool:
    """Narrow ``path``'s permissions to ``mode`` if they are wider (group or other bits beyond it),
    with a log line; True when changed. A missing path is left alone."""
    try:
        current = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return False
    if current & ~mode == 0:
        return False
    try:
        os.chmod(path, current & mode)
    except OSError as exc:  # not ours (another user's file): say so, do not refuse to start
        events.warning("file_permissions_not_fixed", path=str(path), mode=f"{current:04o}", error=str(exc))
        return False
    events.warning("file_permissions_fixed", path=str(path), was=f"{current:04o}", now=f"{current & mode:04o}")
    return True


def secure_sqlite_file(database: str) -> None:
    """Before SQLite opens ``database``: create its directory 0700 and the file itself 0600 when
    they do not exist yet, and narrow an existing file and its WAL, shared-memory and journal files
    to 0600 (installs of an older Lily left them 0644). An existing directory is not changed here:
    it may be any directory (``lily serve`` narrows its data directory, ``bootstrap.secure_data_dir``)."""
    path = Path(database)
    path.parent.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    # O_CREAT without O_EXCL: another process creating it at the same moment is fine (an empty file
    # is an empty SQLite database). Created with the mode directly, so it is never readable by others.
    os.close(os.open(path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, PRIVATE_FILE))
    for suffix in _COMPANIONS:
        restrict(path.with_name(path.name + suffix), PRIVATE_FILE)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")  # durable with WAL across process crashes
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA cache_size=-65536")
    cur.execute("PRAGMA temp_store=MEMORY")
    # A commit that finds the WAL past this size copies it into the database and syncs it, inside
    # the commit (milliseconds). `lily serve` checkpoints every second in the background instead
    # (WalCheckpointer), so this bound is only reached by processes running without it.
    cur.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
    cur.close()


WAL_AUTOCHECKPOINT_PAGES = 16_384  # 64 MB of 4 KB pages


class WalCheckpointer:
    """Checkpoints a SQLite database's WAL from a background thread, every ``interval`` seconds when
    something was committed since the last one (``PRAGMA data_version``; an idle database costs a
    pragma per interval).

    PASSIVE: it copies what no reader still needs and never waits for readers or writers, so
    commits (the accept path, the inbound worker) no longer pay for copying and syncing the WAL.
    Often, in small steps: a checkpoint ends by syncing the database file, and while a large one
    syncs, the writers' commits stall. At a steady 1,000 events/s a checkpoint a second copied about
    45 MB and held commits up to 50-100 ms; with one every 0.1 s the inbound p99 fell from 65-77 to
    21-33 ms (docs/performance.md).
    """

    def __init__(self, engine: Engine, interval: float = 0.1) -> None:
        self.engine = engine
        self.interval = interval
        self.checkpoints = 0  # run by the thread so far
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> WalCheckpointer:
        if self.engine.dialect.name == "sqlite" and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="lily-wal-checkpoint", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def checkpoint(self) -> tuple[int, int, int]:
        """One PASSIVE checkpoint: (busy, WAL pages, pages copied), as SQLite reports them."""
        raw = self.engine.raw_connection()  # autocommit: a checkpoint cannot run inside a transaction
        try:
            cur = raw.cursor()
            busy, log_pages, copied = cur.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            cur.close()
            return int(busy), int(log_pages), int(copied)
        finally:
            raw.close()

    def _run(self) -> None:
        watch = self.engine.raw_connection()  # one connection: its data_version moves on others' commits
        try:
            seen = None
            while not self._stop.wait(self.interval):
                try:
                    cur = watch.cursor()
                    version = cur.execute("PRAGMA data_version").fetchone()[0]
                    if version != seen:
                        cur.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                        seen = version
                        self.checkpoints += 1
                    cur.close()
                except Exception as exc:  # a failed checkpoint is retried next time; commits still work
                    log.warning("wal_checkpoint_failed: %s", exc)
        finally:
            watch.close()


def _sqlite_begin(conn: Any) -> None:
    # pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINTs; take control.
    # Writers start IMMEDIATE so concurrent writers queue (busy_timeout) instead of failing on a
    # lock upgrade; connections marked read-only start a plain deferred transaction (WAL readers
    # never block writers).
    # Straight on the driver's connection: SQLAlchemy's execution context around the statement cost
    # more than the statement itself, on every transaction.
    driver = conn.connection.driver_connection
    driver.execute("BEGIN" if conn.get_execution_options().get("lily_readonly") else "BEGIN IMMEDIATE")


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with the settings each backend needs."""
    parsed = make_url(url)
    # orjson: JSON columns (facets, attributes, change before/after) are decoded on every row read
    # and the stdlib codec was the largest single cost of applying an event.
    kwargs.setdefault("json_serializer", _json_dumps)
    kwargs.setdefault("json_deserializer", orjson.loads)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
            secure_sqlite_file(parsed.database)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "isolation_level": None}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)
