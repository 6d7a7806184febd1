"""The PostgreSQL connector against a real server: catalog, keys, view lineage (and its fallback),
incremental re-crawls, classification, bad credentials."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import psycopg
import pytest
from sqlalchemy import select

from lily.bootstrap import ensure_tenant
from lily.connectors import runner
from lily.connectors.postgres import PostgresConfig
from lily.model import AssetRef
from lily.store import Store, catalog
from lily.store.tables import assets, lineage_edges
from tests.support.pgserver import ThrowawayPostgres

pytestmark = pytest.mark.postgres
TENANT = "default"
NS = "postgres://db.prod:5432"

SHOP = """
CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL, phone text, full_name text,
                    created_at timestamptz DEFAULT now());
COMMENT ON TABLE users IS 'customers'; COMMENT ON COLUMN users.email IS 'login address';
CREATE TABLE accounts (id serial PRIMARY KEY, user_id int NOT NULL REFERENCES users(id), iban text,
                       balance numeric(12, 2) DEFAULT 0);
CREATE TABLE transactions (id bigserial PRIMARY KEY, account_id int REFERENCES accounts(id), amount numeric,
                           at timestamptz);
INSERT INTO users (email, phone, full_name)
  SELECT 'user' || i || '@example.com', '+1-202-555-' || lpad(i::text, 4, '0'), 'Name ' || i
  FROM generate_series(1, 300) i;
INSERT INTO accounts (user_id, iban, balance) SELECT i, 'DE89370400440532013000', i FROM generate_series(1, 300) i;
CREATE TABLE pairs (b int, a int, note text, PRIMARY KEY (a, b));
CREATE TABLE pair_refs (x int, y int, FOREIGN KEY (y, x) REFERENCES pairs (a, b));
CREATE VIEW user_balances AS
  WITH totals AS (SELECT user_id, sum(balance) AS total FROM accounts GROUP BY user_id)
  SELECT u.id, u.email, t.total, rank() OVER (ORDER BY t.total DESC) AS position
  FROM users u JOIN totals t ON t.user_id = u.id;
CREATE VIEW everyone AS SELECT * FROM users;
CREATE MATERIALIZED VIEW emails AS SELECT id, email FROM users UNION SELECT id, iban FROM accounts;
CREATE VIEW odd AS SELECT COLLATION FOR (email) AS c, id FROM users;
CREATE SCHEMA "Billing";
CREATE TABLE "Billing"."Invoice" (id serial PRIMARY KEY, "userId" int, "totalAmount" numeric, "createdAt" timestamptz);
CREATE VIEW "Billing"."LatestInvoice" AS
  SELECT u.id, u.email, li."totalAmount"
  FROM users u, LATERAL (SELECT i."totalAmount" FROM "Billing"."Invoice" i WHERE i."userId" = u.id
                         ORDER BY i."createdAt" DESC LIMIT 1) li;
CREATE VIEW invoice_days AS SELECT "Invoice"."userId", "Invoice"."createdAt"::date AS day FROM "Billing"."Invoice";
ANALYZE;
"""


@pytest.fixture
def shop(pg_server: ThrowawayPostgres) -> Iterator[str]:
    name = f"shop_{os.getpid()}"
    admin = pg_server.admin_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = pg_server.url_for(name).replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(SHOP)
    yield url
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def store(sqlite_url: str) -> Store:
    s = Store.from_url(sqlite_url)
    ensure_tenant(s, TENANT)
    return s


def cfg(url: str, **extra: Any) -> PostgresConfig:
    u = urlparse(url)
    return PostgresConfig(name="shop", host=u.hostname, port=u.port, database=u.path.lstrip("/"),
                          user=u.username or "postgres", password=u.password, namespace=NS, **extra)


def ref(db: str, *parts: str, field: str = "") -> AssetRef:
    return AssetRef(namespace=NS, name=".".join((db, *parts)), field=field)


def get(store: Store, r: AssetRef) -> Any:
    with store.read() as conn:
        return catalog.get_by_ref(conn, TENANT, r)


def edges(store: Store) -> set[tuple[str, str, str, str, str]]:
    with store.read() as conn:
        names = {r.id: (r.name.rsplit(".", 1)[-1], r.field) for r in conn.execute(
            select(assets.c.id, assets.c.name, assets.c.field))}
        rows = conn.execute(select(lineage_edges.c.source_id, lineage_edges.c.target_id,
                                   lineage_edges.c.transformation_type)).all()
    return {(*names[s], *names[t], kind) for s, t, kind in rows}


def test_crawl_catalog_lineage_and_classifications(store: Store, shop: str) -> None:
    config = cfg(shop)
    db = config.database
    result = runner.run(store, config)
    assert result.state == "succeeded", result.to_json()
    counts = result.report.counts
    assert counts["catalog_queries"] == 1 + 4 * counts["schemas"]  # never one per table
    assert (counts["tables"], counts["views"]) == (6, 6)
    phases = result.to_json()["phases"]
    assert set(phases) == {"catalog_read", "catalog_write"} and 0 < phases["catalog_read"] <= result.seconds

    users = get(store, ref(db, "public", "users"))
    assert users.type == "table" and users.description == "customers"
    assert users.attributes["row_estimate"] == 300 and users.attributes["primary_key"] == ["id"]
    email = get(store, ref(db, "public", "users", field="email"))
    assert email.description == "login address" and email.attributes["nullable"] is False
    user_id = get(store, ref(db, "public", "accounts", field="user_id"))
    assert user_id.attributes["references"] == ["public.users.id"]
    balance = get(store, ref(db, "public", "accounts", field="balance"))
    assert balance.attributes["default"] == "0" and balance.attributes["data_type"] == "numeric(12,2)"
    assert get(store, ref(db, "public", "emails")).attributes["kind"] == "materialized_view"
    # Composite keys keep the constraint's column order, not the table's.
    assert get(store, ref(db, "public", "pairs")).attributes["primary_key"] == ["a", "b"]
    assert [get(store, ref(db, "public", "pairs", field=c)).attributes.get("primary_key") for c in "ab"] == [True] * 2
    fk = next(c for c in get(store, ref(db, "public", "pair_refs")).attributes["constraints"]
              if c["type"] == "foreign_key")
    assert fk["columns"] == ["y", "x"] and fk["references"] == {"schema": "public", "table": "pairs",
                                                                 "columns": ["a", "b"]}
    assert get(store, ref(db, "public", "pair_refs", field="y")).attributes["references"] == ["public.pairs.a"]

    found = edges(store)
    assert ("users", "email", "user_balances", "email", "DIRECT") in found
    assert ("accounts", "balance", "user_balances", "total", "INDIRECT") in found
    assert ("accounts", "balance", "user_balances", "position", "INDIRECT") in found  # window over the CTE
    assert {("users", c, "everyone", c, "DIRECT") for c in ("id", "email", "phone", "full_name", "created_at")} \
        <= found  # SELECT *
    assert {("users", "email", "emails", "email", "DIRECT"), ("accounts", "iban", "emails", "email", "DIRECT")} \
        <= found  # UNION
    # Names an ORM quotes (mixed case), and a LATERAL subquery: its output reads the subquery's own
    # projection, not the outer column it is correlated with.
    assert {("Invoice", "totalAmount", "LatestInvoice", "totalAmount", "DIRECT"),
            ("users", "email", "LatestInvoice", "email", "DIRECT"),
            ("Invoice", "userId", "invoice_days", "userId", "DIRECT"),
            ("Invoice", "createdAt", "invoice_days", "day", "INDIRECT")} <= found
    assert {e[:2] for e in found if e[2:4] == ("LatestInvoice", "totalAmount")} == {("Invoice", "totalAmount")}
    # The view sqlglot cannot read: table-level lineage from pg_depend, and the run says so.
    assert ("users", "", "odd", "", "DIRECT") in found
    assert not {e for e in found if e[2] == "odd" and e[3]}  # no column-level edge into it
    assert counts["views_unparsed"] == 1 and any("odd" in note for note in result.report.notes)

    with store.read() as conn:
        tags = {(c.tag, c.source.value) for c in catalog.classifications_of(conn, TENANT, [email.id])}
    assert ("PII.email", "detected") in tags


def test_recrawl_writes_only_changes_and_removes_stale_edges(store: Store, shop: str) -> None:
    config = cfg(shop, classify=False)
    db = config.database
    runner.run(store, config)
    again = runner.run(store, config)
    assert again.report.counts["relations_written"] == 0 and again.changes == 0
    with psycopg.connect(shop, autocommit=True) as conn:
        conn.execute("""DROP VIEW user_balances;
                        CREATE VIEW user_balances AS SELECT u.id, u.full_name AS email FROM users u;
                        DROP TABLE transactions""")
    third = runner.run(store, config)
    assert (third.report.counts["relations_written"], third.report.counts["relations_deleted"]) == (1, 1)
    assert get(store, ref(db, "public", "transactions")).status == "deleted"
    found = {e for e in edges(store) if e[2] == "user_balances"}
    with store.read() as conn:
        live = {(r.source_id, r.target_id) for r in conn.execute(select(lineage_edges))}
    assert ("users", "full_name", "user_balances", "email", "DIRECT") in found
    stale = get(store, ref(db, "public", "accounts", field="balance")).id
    assert not any(s == stale for s, _ in live)


def test_wrong_credentials_and_unreachable_server_fail_the_run(store: Store, shop: str) -> None:
    u = urlparse(shop)
    wrong = PostgresConfig(name="bad", host=u.hostname, port=u.port, database="nope_db", user="nobody",
                           password="wrong")
    result = runner.run(store, wrong)
    assert result.state == "failed" and "postgres://" in (result.error or "")
    dead = PostgresConfig(name="dead", host="127.0.0.1", port=9, database="x", user="x", connect_timeout=1)
    result = runner.run(store, dead)
    assert result.state == "failed" and "cannot be reached" in (result.error or "")
