"""Acceptance: the demo chain end to end against real PostgreSQL (store and warehouse).

PostgreSQL users.email -> S3 exports/users.email -> Snowflake DIM_USERS.EMAIL -> Looker. A rule masks
every PII.* column (hash) except for the pii_reader role; tagging the source column through the API
propagates the tag downstream, masks the warehouse column for real (checked by logging in as each
role) and sends a valid tag + masking policy set to Snowflake (recording connection). Removing the tag
reverts all of it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from lily import cli
from lily.outbound.connections import recorded
from lily.outbound.reconcile import ReconcileReport, reconcile
from lily.outbound.runtime import GovernanceRuntime
from lily.store.governance import tenants_with_requests
from tests.api.conftest import Env, make_env
from tests.governance_flow.helpers import (
    PG,
    S3_EMAIL,
    SF,
    SF_EMAIL,
    USERS,
    USERS_EMAIL,
    Warehouse,
    aid,
    as_role,
    can_read,
    load_demo_chain,
    pii_rule,
    run,
    snowflake_parses,
    wait_for,
    warehouse,
)

pytestmark = pytest.mark.postgres

FAST = {"worker_poll_s": 0.1, "outbound_retry_base_s": 0.02, "outbound_retry_cap_s": 0.1,
        "outbound_max_attempts": 3}


@pytest.fixture
def wh(pg_server) -> Iterator[Warehouse]:
    with warehouse(pg_server.admin_url, pg_server.url_for) as w:
        yield w


@pytest.fixture
def flow(postgres_url: str, tmp_path: Path, wh: Warehouse) -> Iterator[tuple[Env, GovernanceRuntime, dict[str, str]]]:
    env = make_env(postgres_url, tmp_path, **FAST)
    load_demo_chain(env.store)
    h = env.admin_headers
    # The catalog describes the warehouse table as it is (a catalog sync would do this).
    assert env.client.put(f"/api/v1/assets/{aid(USERS)}/columns", headers=h, json={"columns": [
        {"name": "id", "data_type": "bigint"}, {"name": "email", "data_type": "varchar"},
        {"name": "country", "data_type": "char(2)"}]}).status_code == 200
    runtime = GovernanceRuntime(env.store, env.settings, env.client.app.state.ctx.metrics).start()
    pg_target = env.client.post("/api/v1/targets", headers=h, json={
        "name": "warehouse", "kind": "postgres",
        "config": {"namespaces": [PG], "database": "shop", "managed_roles": [wh.analyst, wh.reader]},
        "secrets": {"dsn": wh.url}})
    sf_target = env.client.post("/api/v1/targets", headers=h, json={
        "name": "snowflake", "kind": "snowflake",
        "config": {"namespaces": [SF], "connection": "recording", "policy_schema": "GOV.POLICIES"}})
    assert pg_target.status_code == 201 and sf_target.status_code == 201, (pg_target.text, sf_target.text)
    assert env.client.post("/api/v1/security/rules", headers=h, json=pii_rule([wh.reader])).status_code == 201
    ids = {"warehouse": pg_target.json()["id"], "snowflake": sf_target.json()["id"]}
    # The set-up's replans (two targets, a rule) are planned before a test acts: on a busy machine
    # one planned after the test's first tag would carry the set-up request's correlation id.
    wait_for(lambda: not _replans_waiting(env), deadline_s=30, what="the set-up's replans")
    try:
        yield env, runtime, ids
    finally:
        runtime.stop()
        env.client.close()
        env.store.dispose()


def _replans_waiting(env: Env) -> bool:
    with env.store.read() as conn:
        return bool(tenants_with_requests(conn))


def propagated(env: Env, asset: str) -> list[dict]:
    tags = env.client.get(f"/api/v1/assets/{asset}/classifications", headers=env.admin_headers).json()
    return [t for t in tags if t["source"] == "propagated" and t["tag"] == "PII.email"]


def deliveries(env: Env, **params: str) -> list[dict]:
    return env.client.get("/api/v1/deliveries", headers=env.admin_headers, params=params).json()


def test_tag_propagates_and_is_enforced_then_reverted(flow, wh: Warehouse) -> None:
    env, _, ids = flow
    h = env.admin_headers
    analyst, reader = as_role(wh.url, wh.analyst), as_role(wh.url, wh.reader)
    assert can_read(analyst, "SELECT email FROM public.users")
    started = time.monotonic()
    resp = env.client.post(f"/api/v1/assets/{aid(USERS_EMAIL)}/classifications", headers=h, json={"tag": "PII.email"})
    assert resp.status_code == 201
    request_id = resp.headers["x-request-id"]

    # within a second: propagated downstream, applied in PostgreSQL, sent to Snowflake
    wait_for(lambda: propagated(env, aid(S3_EMAIL)) and propagated(env, aid(SF_EMAIL)), what="propagation")
    wait_for(lambda: not can_read(analyst, "SELECT email FROM public.users"), what="postgres masking")
    wait_for(lambda: any("SET MASKING POLICY" in s for s in recorded(ids["snowflake"])), what="snowflake policy")
    assert time.monotonic() - started < 1.0

    # provenance: origin, path and depth, as the API shows them
    (sf_tag,) = propagated(env, aid(SF_EMAIL))
    prov = sf_tag["provenance"]
    assert prov["origin_asset_id"] == aid(USERS_EMAIL) and prov["depth"] == 2
    assert prov["path"] == [aid(USERS_EMAIL), aid(S3_EMAIL), aid(SF_EMAIL)]
    assert propagated(env, aid(S3_EMAIL))[0]["provenance"]["depth"] == 1

    # PostgreSQL, for real: the analyst cannot read the raw email, the masked view hashes it;
    # the pii_reader reads everything raw
    assert run(analyst, "SELECT id, country FROM public.users ORDER BY id") == [(1, "UK"), (2, "US")]
    masked = run(analyst, "SELECT email FROM lily_governed.users ORDER BY id")
    assert [len(m[0]) for m in masked] == [64, 64] and masked[0][0] != "ada@example.com"
    assert run(reader, "SELECT email FROM public.users ORDER BY id") == [("ada@example.com",), ("bob@example.com",)]
    assert run(reader, "SELECT email FROM lily_governed.users ORDER BY id")[0] == ("ada@example.com",)
    assert run(wh.url, "SELECT col_description('public.users'::regclass, 2)") == [("lily:tags=PII.email",)]

    # Snowflake: a tag and a masking policy set on DIM_USERS.EMAIL, every statement valid SQL
    sql = wait_for(lambda: [s for s in recorded(ids["snowflake"]) if "SET TAG" in s] and recorded(ids["snowflake"]),
                   what="snowflake tag")
    table = '"ANALYTICS"."PUBLIC"."DIM_USERS" MODIFY COLUMN "EMAIL"'
    assert 'CREATE TAG IF NOT EXISTS "GOV"."POLICIES"."PII_EMAIL"' in sql[0]
    assert any(s.startswith(f"ALTER TABLE {table} SET TAG") and "= 'PII.email'" in s for s in sql)
    policy = next(s for s in sql if s.startswith("CREATE MASKING POLICY"))
    assert f"IS_ROLE_IN_SESSION('{wh.reader}') THEN val ELSE SHA2(val, 256)" in policy
    assert any(s.startswith(f"ALTER TABLE {table} SET MASKING POLICY") and s.endswith("FORCE") for s in sql)
    assert all(snowflake_parses(s) for s in sql)

    # every applied statement is audited with the correlation id of the tagging request
    audit = env.client.get("/api/v1/audit", headers=h, params={"action": "outbound.statement", "limit": 1000}).json()
    assert audit and {a["correlation_id"] for a in audit} == {request_id}
    assert {d["status"] for d in deliveries(env)} == {"applied"}

    # remove the tag: everything reverts
    before = len(recorded(ids["snowflake"]))
    resp = env.client.delete(f"/api/v1/assets/{aid(USERS_EMAIL)}/classifications/PII.email", headers=h)
    assert resp.status_code == 204
    wait_for(lambda: not propagated(env, aid(S3_EMAIL)) and not propagated(env, aid(SF_EMAIL)), what="retraction")
    wait_for(lambda: can_read(analyst, "SELECT email FROM public.users"), what="postgres revert")
    unset = wait_for(lambda: [s for s in recorded(ids["snowflake"])[before:] if "UNSET MASKING POLICY" in s],
                     what="snowflake unset")
    assert unset == [f"ALTER TABLE {table} UNSET MASKING POLICY"]
    assert any("UNSET TAG" in s for s in recorded(ids["snowflake"])[before:])
    assert run(analyst, "SELECT email FROM public.users ORDER BY id")[0] == ("ada@example.com",)
    assert run(wh.url, "SELECT to_regclass('lily_governed.users')") == [(None,)]
    wait_for(lambda: {d["status"] for d in deliveries(env)} == {"applied"}, what="all deliveries applied")
    with psycopg.connect(wh.url) as conn:
        assert conn.execute("SELECT col_description('public.users'::regclass, 2)").fetchone() == (None,)
    # Each delivery the warehouse committed left its id there, in the same transaction: what makes a
    # retry after a crash between that commit and Lily's record of it a no-op.
    applied = {d["id"] for d in deliveries(env, target="warehouse", status="applied")}
    assert len(applied) >= 2  # the mask, then its revert
    assert {str(i) for (i,) in run(wh.url, "SELECT delivery_id FROM lily_governed.lily_applied_deliveries")} == applied


def test_outage_dead_letters_then_replay_and_reconcile_converge(flow, wh: Warehouse, postgres_url: str,
                                                                  tmp_path: Path) -> None:
    env, runtime, ids = flow
    h = env.admin_headers
    analyst = as_role(wh.url, wh.analyst)
    original = wh.name
    wh.rename(f"{original}_down")  # the warehouse is gone: connections fail

    resp = env.client.post(f"/api/v1/assets/{aid(USERS_EMAIL)}/classifications", headers=h, json={"tag": "PII.email"})
    assert resp.status_code == 201
    # Snowflake is unaffected; the PostgreSQL delivery retries with backoff, then dead-letters
    wait_for(lambda: deliveries(env, target="snowflake", status="applied"), what="snowflake applied")
    (dead,) = wait_for(lambda: deliveries(env, target="warehouse", status="dead"), deadline_s=5, what="dead letter")
    assert dead["attempts"] == 3 and dead["next_attempt_at"] is None
    assert "does not exist" in dead["last_error"] and dead["correlation_id"] == resp.headers["x-request-id"]
    audit = env.client.get("/api/v1/audit", headers=h, params={"limit": 1000}).json()
    assert [a["action"] for a in audit if a["entity_id"] == dead["id"]].count("outbound.retry") == 2
    assert not [a for a in audit if a["action"] == "outbound.statement" and a["entity_id"] == dead["id"]]

    wh.rename(original)  # restored; nothing happens until someone replays (or reconciles)
    replayed = env.client.post(f"/api/v1/deliveries/{dead['id']}/replay", headers=h)
    assert replayed.status_code == 200 and replayed.json()["replays"] == 1
    assert replayed.json()["status"] in ("pending", "applied")
    wait_for(lambda: env.client.get(f"/api/v1/deliveries/{dead['id']}", headers=h).json()["status"] == "applied",
             what="replayed delivery applied")
    assert not can_read(analyst, "SELECT email FROM public.users")
    assert env.client.post(f"/api/v1/deliveries/{dead['id']}/replay", headers=h).status_code == 409
    runtime.stop()

    # reconcile: re-planning a converged world yields nothing (no drift, no statements, no new deliveries)
    sent, planned = len(recorded(ids["snowflake"])), len(deliveries(env))
    report = reconcile_now(env)
    assert {(r.target, r.read_state, len(r.drifted), r.statements) for r in report.targets} == {
        ("warehouse", True, 0, 0), ("snowflake", False, 0, 0)}
    assert len(recorded(ids["snowflake"])) == sent and len(deliveries(env)) == planned

    # drift: someone re-opens the column by hand; `lily reconcile` sees it and closes it again
    run(wh.url, f'GRANT SELECT ON public.users TO "{wh.analyst}"')
    assert can_read(analyst, "SELECT email FROM public.users")
    result = CliRunner().invoke(cli.app, ["reconcile", "--target", "warehouse"],
                                env={"LILY_DATABASE_URL": postgres_url, "LILY_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 0, result.output
    assert "drift" in result.output and "shop.public.users" in result.output
    assert not can_read(analyst, "SELECT email FROM public.users")
    assert all(r.statements == 0 for r in reconcile_now(env).targets)


def reconcile_now(env: Env) -> ReconcileReport:
    from lily.outbound.runtime import outbound_worker, propagation_consumer

    return reconcile(env.store, propagation_consumer(env.store, env.settings),
                     outbound_worker(env.store, env.settings).deliverer)
