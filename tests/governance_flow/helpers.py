"""Shared pieces of the governance flow tests: the demo chain, a warehouse database, polling."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import psycopg
import sqlglot

from lily.demo import PG, S3, SF, demo_operations, pg, s3, sf
from lily.model import AddClassification, AssetRef, ChangeSet, asset_id
from lily.store import Store

T = TypeVar("T")
TENANT = "default"
USERS = pg("users")
USERS_EMAIL = USERS.column("email")
S3_EMAIL = s3("users").column("email")
SF_EMAIL = sf("DIM_USERS").column("EMAIL")
SF_USERS = sf("DIM_USERS")

__all__ = ["PG", "S3", "SF"]  # re-exported for the tests


def aid(ref: AssetRef, tenant: str = TENANT) -> str:
    return str(asset_id(tenant, ref))


def load_demo_chain(store: Store, tenant: str = TENANT) -> None:
    """The Delta Arc catalog and lineage, without its PII tags (tests set them)."""
    ops = [o for o in demo_operations() if not isinstance(o, AddClassification)]
    store.apply(ChangeSet(tenant_id=tenant, actor="system:demo", operations=ops, correlation_id="demo-load"))


def wait_for(check: Callable[[], T | None], deadline_s: float = 1.0, what: str = "condition") -> T:
    """Poll ``check`` until it returns something truthy; fail after ``deadline_s`` (no fixed sleeps)."""
    end = time.monotonic() + deadline_s
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {deadline_s}s waiting for {what}")
        time.sleep(0.005)


def plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def as_role(url: str, role: str) -> str:
    base, _, dbname = url.rpartition("/")
    return f"postgresql://{role}@{base.rsplit('@', 1)[1]}/{dbname}"


def run(url: str, sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.execute(sql)
        return cur.fetchall() if cur.description else []


def can_read(url: str, sql: str) -> bool:
    try:
        run(url, sql)
    except psycopg.errors.InsufficientPrivilege:
        return False
    return True


@dataclass
class Warehouse:
    """A PostgreSQL database holding ``public.users`` and two login roles, unique per test."""

    admin_url: str
    name: str
    url: str
    analyst: str
    reader: str

    def rename(self, to: str) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
                         "AND pid <> pg_backend_pid()", (self.name,))
            conn.execute(f'ALTER DATABASE "{self.name}" RENAME TO "{to}"')
        self.name = to


@contextmanager
def warehouse(pg_admin_url: str, url_for: Callable[[str], str]) -> Iterator[Warehouse]:
    suffix = uuid.uuid4().hex[:8]
    db, analyst, reader = f"warehouse_{suffix}", f"analyst_{suffix}", f"pii_reader_{suffix}"
    admin = plain(pg_admin_url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db}"')
        conn.execute(f'CREATE ROLE "{analyst}" LOGIN')
        conn.execute(f'CREATE ROLE "{reader}" LOGIN')
    url = plain(url_for(db))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE public.users (id bigint PRIMARY KEY, email varchar, country char(2))")
        conn.execute("INSERT INTO public.users VALUES (1, 'ada@example.com', 'UK'), (2, 'bob@example.com', 'US')")
        conn.execute(f'GRANT SELECT ON public.users TO "{analyst}", "{reader}"')
    wh = Warehouse(admin, db, url, analyst, reader)
    try:
        yield wh
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            for name in {wh.name, db}:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'DROP ROLE IF EXISTS "{analyst}"')
            conn.execute(f'DROP ROLE IF EXISTS "{reader}"')


def snowflake_parses(statement: str) -> bool:
    """sqlglot accepts it in the Snowflake dialect (an opaque Command counts: see PROTOCOLS.md §5.4)."""
    if statement.startswith(("CREATE ROW ACCESS POLICY", "CREATE MASKING POLICY")):
        # sqlglot cannot parse these; check the expression after '->' instead
        return sqlglot.parse_one(statement.split("->", 1)[1], read="snowflake") is not None
    return sqlglot.parse_one(statement, read="snowflake") is not None


def pii_rule(exempt: list[str], rule_id: str = "pii-mask") -> dict[str, Any]:
    return {"rule_id": rule_id, "rule_type": "masking",
            "conditions": [{"field": "classification", "operator": "matches", "value": "PII.*"}],
            "actions": [{"type": "mask", "parameters": {"strategy": "hash", "exempt_roles": exempt}},
                        {"type": "tag", "parameters": {}}]}
