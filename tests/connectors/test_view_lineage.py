"""view_lineage on view definitions as PostgreSQL prints them: which table columns each output reads,
and whether it is a plain column reference. The expected sources are written by hand per query."""

from __future__ import annotations

import pytest

from lily.connectors.view_lineage import ViewParseError, view_lineage

TABLES = {"app": {
    "public": {
        "users": {"id": "int", "email": "text", "first_name": "text", "last_name": "text", "profile": "jsonb",
                  "tags": "text[]"},
        "orders": {"id": "int", "user_id": "int", "amount": "numeric", "status": "text", "created_at": "timestamp"},
        "archived_orders": {"id": "int", "user_id": "int", "amount": "numeric"},
    },
    "Sales": {"OrderItems": {"productId": "int", "qty": "int"}},
}}

CASES = [
    ("WITH t AS (SELECT o.user_id, sum(o.amount) AS total FROM orders o GROUP BY o.user_id) "
     "SELECT u.email, t.total FROM users u JOIN t ON t.user_id = u.id",
     {"email": ({"users.email"}, True), "total": ({"orders.amount"}, False)}),
    ("SELECT orders.id FROM orders UNION ALL SELECT archived_orders.id FROM archived_orders",
     {"id": ({"orders.id", "archived_orders.id"}, True)}),
    ("SELECT o.id, row_number() OVER (PARTITION BY o.user_id ORDER BY o.created_at) AS rn FROM orders o",
     {"id": ({"orders.id"}, True), "rn": ({"orders.user_id", "orders.created_at"}, False)}),
    # LATERAL: the output reads the subquery's projection, not the outer column it is correlated with
    ("SELECT u.id, l.amount FROM users u, LATERAL (SELECT o.amount FROM orders o WHERE o.user_id = u.id "
     "ORDER BY o.created_at DESC LIMIT 1) l",
     {"id": ({"users.id"}, True), "amount": ({"orders.amount"}, True)}),
    ("SELECT u.id, LATERAL_SUM.s FROM users u CROSS JOIN LATERAL (SELECT sum(o.amount) AS s FROM orders o "
     "WHERE o.user_id = u.id) lateral_sum",
     {"id": ({"users.id"}, True), "s": ({"orders.amount"}, False)}),
    # a set-returning function's output is derived from its argument
    ("SELECT u.id, t.tag FROM users u, LATERAL unnest(u.tags) t(tag)",
     {"id": ({"users.id"}, True), "tag": ({"users.tags"}, False)}),
    ("SELECT u.id, j.city FROM users u, LATERAL jsonb_to_record(u.profile) j(city text)",
     {"id": ({"users.id"}, True), "city": ({"users.profile"}, False)}),
    ("SELECT u.id, x.total FROM users u LEFT JOIN LATERAL (SELECT sum(o.amount) AS total FROM orders o "
     "WHERE (o.user_id = u.id)) x ON (true)",
     {"id": ({"users.id"}, True), "total": ({"orders.amount"}, False)}),
    ("SELECT u.id, (u.first_name || ' '::text) || u.last_name AS full_name FROM users u",
     {"id": ({"users.id"}, True), "full_name": ({"users.first_name", "users.last_name"}, False)}),
    ("SELECT u.email FROM users u WHERE EXISTS (SELECT 1 FROM orders o WHERE o.user_id = u.id)",
     {"email": ({"users.email"}, True)}),
    ("SELECT u.id, u.profile ->> 'city'::text AS city FROM users u",
     {"id": ({"users.id"}, True), "city": ({"users.profile"}, False)}),
    # names an ORM quotes: mixed case, in a schema of its own, with and without an alias
    ('SELECT oi."productId", oi.qty FROM "Sales"."OrderItems" oi',
     {"productId": ({"OrderItems.productId"}, True), "qty": ({"OrderItems.qty"}, True)}),
    ('SELECT "OrderItems"."productId" AS pid FROM "Sales"."OrderItems"', {"pid": ({"OrderItems.productId"}, True)}),
    ("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT r.n + 1 FROM r WHERE r.n < 5) SELECT r.n FROM r",
     {"n": (set(), False)}),
    ("SELECT x.a FROM (VALUES (1), (2)) x(a)", {"a": (set(), False)}),
]


@pytest.mark.parametrize("sql,expected", CASES)
def test_each_output_reads_the_columns_its_expression_reads(sql: str, expected: dict[str, tuple[set[str], bool]]) -> None:
    found = {c.column: ({f"{s.table}.{s.column}" for s in c.sources}, c.direct)
             for c in view_lineage(sql, db="app", schema="public", tables=TABLES)}
    assert found == expected


def test_an_unqualified_mixed_case_table_resolves_in_the_views_own_schema() -> None:
    found = view_lineage('SELECT "OrderItems"."productId" FROM "OrderItems"', db="app", schema="Sales", tables=TABLES)
    assert [(c.column, [(s.schema, s.table, s.column) for s in c.sources]) for c in found] == \
        [("productId", [("Sales", "OrderItems", "productId")])]


@pytest.mark.parametrize("sql", ["SELECT nope FROM users", "SELECT * FROM missing", "DELETE FROM users", "SELEC 1"])
def test_what_does_not_resolve_is_a_parse_error(sql: str) -> None:
    with pytest.raises(ViewParseError):
        view_lineage(sql, db="app", schema="public", tables=TABLES)
