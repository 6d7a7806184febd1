"""PostgreSQL target against a real server: apply, prove enforcement as each role, revert, read back."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import psycopg
import pytest

from lily.governance.rules import GovernedColumn, GovernedTable, evaluate
from lily.model import AssetRef
from lily.model.rules import SecurityRule
from lily.outbound.plan import plan
from lily.outbound.targets import PostgresTarget
from lily.outbound.targets.base import ApplyError, Statement

pytestmark = pytest.mark.postgres


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture
def warehouse(pg_server) -> Iterator[dict[str, str]]:
    suffix = uuid.uuid4().hex[:8]
    db, analyst, reader = f"warehouse_{suffix}", f"analyst_{suffix}", f"pii_reader_{suffix}"
    admin = _plain(pg_server.admin_url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db}"')
        conn.execute(f'CREATE ROLE "{analyst}" LOGIN')
        conn.execute(f'CREATE ROLE "{reader}" LOGIN')
    url = _plain(pg_server.url_for(db))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE public.users (id int PRIMARY KEY, email text, country text)")
        conn.execute("INSERT INTO public.users VALUES (1, 'ada@example.com', 'UK'), (2, 'bob@example.com', 'US')")
        conn.execute(f'GRANT SELECT ON public.users TO "{analyst}", "{reader}"')
    try:
        yield {"url": url, "analyst": analyst, "reader": reader}
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            conn.execute(f'DROP ROLE IF EXISTS "{analyst}"')
            conn.execute(f'DROP ROLE IF EXISTS "{reader}"')


def as_role(url: str, role: str) -> str:
    base, _, dbname = url.rpartition("/")
    return f"postgresql://{role}@{base.rsplit('@', 1)[1]}/{dbname}"


def run(url: str, sql: str) -> list[tuple]:
    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.execute(sql)
        return cur.fetchall() if cur.description else []


def test_mask_deny_filter_apply_revert_and_read_back(warehouse) -> None:
    url, analyst, reader = warehouse["url"], warehouse["analyst"], warehouse["reader"]
    ref = AssetRef(namespace="postgres://db.prod:5432", name="shop.public.users")
    table = GovernedTable(asset_id=uuid.uuid4(), ref=ref, tags=frozenset({"GDPR.personal"}), columns=(
        GovernedColumn(uuid.uuid4(), "id", "integer"),
        GovernedColumn(uuid.uuid4(), "email", "text", frozenset({"PII.email"})),
        GovernedColumn(uuid.uuid4(), "country", "text"),
    ))
    rules = [
        SecurityRule.model_validate({
            "rule_id": "mask-pii", "rule_type": "masking",
            "conditions": [{"field": "classification", "operator": "matches", "value": "PII.*"}],
            "actions": [{"type": "mask", "parameters": {"strategy": "hash", "exempt_roles": [reader]}},
                        {"type": "tag", "parameters": {}}]}),
        SecurityRule.model_validate({
            "rule_id": "uk-only", "rule_type": "row_level_security",
            "conditions": [{"field": "classification", "operator": "equals", "value": "GDPR.personal"}],
            "actions": [{"type": "row_filter", "parameters": {"column": "country", "values": ["UK"],
                                                              "allowed_roles": [reader]}}]}),
    ]
    desired = evaluate(rules, [table])
    (key,) = desired
    target = PostgresTarget(managed_roles=[analyst, reader])

    with psycopg.connect(url) as conn:
        applied = target.read_state(conn, [key])[key]
    assert applied.is_empty
    statements = target.render(plan(desired[key], applied))
    with psycopg.connect(url) as conn:
        target.apply(statements, conn)

    # analyst: raw column gone, masked view hashes it, row filter applies
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        run(as_role(url, analyst), "SELECT email FROM public.users")
    assert run(as_role(url, analyst), "SELECT id, country FROM public.users ORDER BY id") == [(1, "UK")]
    masked = run(as_role(url, analyst), "SELECT id, email, country FROM lily_governed.users ORDER BY id")
    assert len(masked) == 1 and masked[0][1] != "ada@example.com" and len(masked[0][1]) == 64
    # pii_reader: raw everything, all rows, and the view shows it raw
    assert run(as_role(url, reader), "SELECT email FROM public.users ORDER BY id") == [
        ("ada@example.com",), ("bob@example.com",)]
    assert run(as_role(url, reader), "SELECT email FROM lily_governed.users ORDER BY id")[1] == ("bob@example.com",)
    assert run(url, "SELECT col_description('public.users'::regclass, 2)") == [("lily:tags=PII.email",)]

    # converged: read_state gives back the desired state, re-planning renders nothing
    with psycopg.connect(url) as conn:
        state = target.read_state(conn, [key])[key]
    assert state.masks == desired[key].masks and state.row_filters == desired[key].row_filters
    assert state.column_tags == desired[key].column_tags and state.revoked_roles == frozenset()
    assert plan(desired[key], state).is_empty
    assert target.render(plan(desired[key], state)) == []

    # drift: someone re-grants the table; read_state notices, re-plan fixes it
    run(url, f'GRANT SELECT ON public.users TO "{analyst}"')
    with psycopg.connect(url) as conn:
        drifted = target.read_state(conn, [key])[key]
    fix = plan(desired[key], drifted)
    assert set(fix.masks_set or {}) == {"email"}
    with psycopg.connect(url) as conn:
        target.apply(target.render(fix), conn)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        run(as_role(url, analyst), "SELECT email FROM public.users")

    # revert: no rules -> analyst reads raw again, everything Lily added is gone
    with psycopg.connect(url) as conn:
        target.apply(target.render(plan(None, desired[key], key)), conn)
    assert run(as_role(url, analyst), "SELECT email FROM public.users ORDER BY id") == [
        ("ada@example.com",), ("bob@example.com",)]
    assert run(url, "SELECT to_regclass('lily_governed.users') IS NULL, "
                    "(SELECT relrowsecurity FROM pg_class WHERE oid = 'public.users'::regclass), "
                    "col_description('public.users'::regclass, 2)") == [(True, False, None)]
    with psycopg.connect(url) as conn:
        final = target.read_state(conn, [key])[key]
    assert final.is_empty and plan(None, final, key).is_empty


def test_table_deny_and_atomic_failure(warehouse) -> None:
    url, analyst, reader = warehouse["url"], warehouse["analyst"], warehouse["reader"]
    ref = AssetRef(namespace="postgres://db.prod:5432", name="shop.public.users")
    table = GovernedTable(asset_id=uuid.uuid4(), ref=ref, columns=(
        GovernedColumn(uuid.uuid4(), "id", "integer"), GovernedColumn(uuid.uuid4(), "email", "text"),
        GovernedColumn(uuid.uuid4(), "country", "text")))
    rule = SecurityRule.model_validate({
        "rule_id": "deny", "rule_type": "access_control", "asset_id": ref.qualified_name,
        "conditions": [], "actions": [{"type": "deny", "parameters": {"roles": [analyst]}}]})
    (key, policy), = evaluate([rule], [table]).items()
    target = PostgresTarget(managed_roles=[analyst, reader])
    statements = target.render(plan(policy, None))
    # a failing statement at the end rolls the whole diff back
    with psycopg.connect(url) as conn, pytest.raises(ApplyError) as err:
        target.apply([*statements, Statement("boom", "SELECT * FROM no_such_table")], conn)
    assert err.value.index == len(statements)
    assert run(as_role(url, analyst), "SELECT count(*) FROM public.users") == [(2,)]
    with psycopg.connect(url) as conn:
        target.apply(statements, conn)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        run(as_role(url, analyst), "SELECT id FROM public.users")
    assert run(as_role(url, reader), "SELECT count(*) FROM public.users") == [(2,)]
    with psycopg.connect(url) as conn:
        state = target.read_state(conn, [key])[key]
    assert state.revoked_roles == frozenset({analyst}) and plan(policy, state).is_empty


def test_a_delivery_runs_once_even_when_it_is_applied_again(warehouse) -> None:
    """A worker killed after the database committed and before Lily recorded the delivery retries
    it: the delivery's id, committed with its statements, makes the retry a no-op."""
    url = warehouse["url"]
    run(url, "CREATE TABLE public.probe (n int)")
    target = PostgresTarget(managed_roles=[warehouse["analyst"]])
    once = [Statement("probe", "INSERT INTO public.probe VALUES (1)"), Statement("label", "COMMENT ON TABLE public.probe IS 'x'")]
    delivery = uuid.uuid4()
    # A failure rolls back the marker with the statements: the retry runs them.
    with psycopg.connect(url) as conn, pytest.raises(ApplyError):
        target.apply([*once, Statement("boom", "SELECT * FROM no_such_table")], conn, delivery=delivery)
    assert run(url, "SELECT count(*) FROM public.probe") == [(0,)]
    for expected in (2, 0, 0):
        with psycopg.connect(url) as conn:
            assert target.apply(once, conn, delivery=delivery) == expected
    assert run(url, "SELECT count(*) FROM public.probe") == [(1,)]
    assert run(url, "SELECT delivery_id FROM lily_governed.lily_applied_deliveries") == [(delivery,)]
    # Without an id (tests, one-off tools), statements simply run.
    with psycopg.connect(url) as conn:
        assert target.apply(once, conn) == 2
    assert run(url, "SELECT count(*) FROM public.probe") == [(2,)]


def test_two_workers_applying_one_delivery_at_once_run_it_once(warehouse) -> None:
    url = warehouse["url"]
    run(url, "CREATE TABLE public.probe (n int)")
    target = PostgresTarget(managed_roles=[warehouse["analyst"]])
    once = [Statement("probe", "INSERT INTO public.probe VALUES (1)")]
    delivery = uuid.uuid4()
    with psycopg.connect(url) as first:
        assert target.apply([], first, delivery=uuid.uuid4()) == 0  # creates the table of ids
        first.execute("INSERT INTO lily_governed.lily_applied_deliveries (delivery_id) VALUES (%s)", (delivery,))
        first.execute("INSERT INTO public.probe VALUES (1)")  # the first worker, mid-transaction
        results: list[int] = []
        with psycopg.connect(url) as second:
            thread = threading.Thread(target=lambda: results.append(target.apply(once, second, delivery=delivery)))
            thread.start()
            thread.join(0.5)
            assert thread.is_alive()  # waits on the first worker's row
            first.commit()
            thread.join(10)
    assert results == [0]
    assert run(url, "SELECT count(*) FROM public.probe") == [(1,)]
