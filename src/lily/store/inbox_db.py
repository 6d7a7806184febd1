"""The inbox's own database file, next to a SQLite catalog.

SQLite has one writer per file. With the inbox in the catalog's file, every accept request waited
for the inbound worker's transaction to end (tens of milliseconds) before it could commit its
events. In a file of its own the accept path only shares the write lock with the worker's short
inbox writes (claiming events, settling them), never with its catalog transactions. The price is
that applying an event and settling its inbox row are two commits; ``inbound_applied`` markers in
the catalog keep that exactly-once (``lily.bus.local.sqlite_file``).

A catalog in PostgreSQL or in memory keeps the inbox in the same database (one transaction).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, Engine, delete, inspect, select
from sqlalchemy.dialects import sqlite

from lily.store.db import make_engine
from lily.store.tables_inbound import inbound_event_assets, inbound_events

INBOX_TABLES = (inbound_events, inbound_event_assets)
# Indexes an inbox file of an older Lily has and this one does not (the catalog's migrations drop
# them there; the inbox file has no migrations of its own).
_RETIRED_INDEXES = ("ix_inbound_events_ready",)


def inbox_path(catalog_engine: Engine) -> Path | None:
    """Where the inbox of this catalog lives when it has a file of its own (``lily.db`` →
    ``lily.inbox.db``); None when it shares the catalog's database."""
    url = catalog_engine.url
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:" or database.startswith("file:"):
        return None
    path = Path(database)
    return path.with_name(f"{path.stem}.inbox{path.suffix or '.db'}")


def open_inbox(catalog_engine: Engine) -> Engine:
    """The engine holding the inbox tables for this catalog (the catalog's own one, or a new one for
    the inbox file, whose tables are created on first use)."""
    path = inbox_path(catalog_engine)
    if path is None:
        return catalog_engine
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:  # BEGIN IMMEDIATE: processes opening the store at once take turns
        if not inspect(conn).has_table(inbound_events.name):
            for table in INBOX_TABLES:
                table.create(conn)
        else:
            _update_schema(conn)
    _move_rows(catalog_engine, engine)
    return engine


def _update_schema(conn: Connection) -> None:
    """Give an inbox file made by an older Lily the columns and indexes of this one (columns added
    since are nullable: SQLite adds them in place)."""
    inspector = inspect(conn)
    for table in INBOX_TABLES:
        columns = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in columns:
                kind = column.type.compile(dialect=conn.dialect)
                conn.exec_driver_sql(f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind}')
        existing = {ix["name"] for ix in inspector.get_indexes(table.name)}
        for index in table.indexes:
            if index.name not in existing:
                index.create(conn)
        for name in _RETIRED_INDEXES:
            if name in existing:  # only inbound_events has one; names are unique per database
                conn.exec_driver_sql(f'DROP INDEX IF EXISTS "{name}"')


def _move_rows(catalog_engine: Engine, inbox_engine: Engine) -> None:
    """Move inbox rows a catalog recorded before its inbox had a file of its own, so no accepted
    event is left behind: copied first (a row copied before is skipped), deleted from the catalog
    only once the copy has committed."""
    with catalog_engine.connect() as catalog:
        if not inspect(catalog).has_table(inbound_events.name):
            return  # a catalog not migrated yet has nothing to move
        if catalog.execute(select(inbound_events.c.seq).limit(1)).first() is None:
            return
        moved = {table: [dict(r) for r in catalog.execute(select(table)).mappings()] for table in INBOX_TABLES}
    with inbox_engine.begin() as inbox:
        for table, rows in moved.items():
            if rows:
                inbox.execute(sqlite.insert(table).on_conflict_do_nothing(), rows)
    with catalog_engine.begin() as catalog:
        for table in INBOX_TABLES:
            catalog.execute(delete(table))
