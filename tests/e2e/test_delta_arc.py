"""The Delta Arc scenario end to end (issue 16): PostgreSQL → S3 → Snowflake → Looker.

A real PostgreSQL server holds ``shop`` (users, accounts, transactions with Faker PII); an export
step writes Parquet partitions to the moto S3 server in the seed's bucket ``atlan-tech-challenge``;
Lily's API is served by uvicorn over real HTTP (in this process, so the Snowflake target's
recording connection and the contract monitor's clock can be read and injected). Then, as the
CLI does it (``lily connect run``): a PostgreSQL crawl and an S3 scan; through the API: declared
lineage processes into Snowflake and a Looker dashboard, a data contract on the S3 export, and the
compliance report. Asserted: every object registered with size, format, partition and schema;
column lineage from ``users.email`` to the dashboard; emails and phone numbers detected in
PostgreSQL and S3, propagated to Snowflake and masked there (the recorded SQL); a dropped column
breaks the contract (an incident with blast radius) and the fixed export resolves it; a stopped
export is a freshness incident; the report lists the chain with its enforcement and a
deliberately unprotected copy as a finding.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import uvicorn
from faker import Faker

from lily.connectors import runner
from lily.connectors.postgres import PostgresConfig
from lily.connectors.s3 import S3Config
from lily.contracts.monitor import FRESHNESS_SOURCE, ContractMonitor
from lily.model import AssetRef, asset_id
from lily.outbound.connections import recorded
from lily.outbound.runtime import GovernanceRuntime
from tests.api.conftest import Env, make_env
from tests.governance_flow.helpers import pii_rule, snowflake_parses
from tests.support.live import free_port
from tests.support.motoserver import ACCESS_KEY, REGION, SECRET_KEY, MotoServer
from tests.support.pgserver import ThrowawayPostgres

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

TENANT = "default"
BUCKET = "atlan-tech-challenge"
PG = "postgres://db.deltaarc.internal:5432"
S3 = f"s3://{BUCKET}"
SF = "snowflake://deltaarc"
SANDBOX = "snowflake://deltaarc-sandbox"  # an account no warehouse target governs
LOOKER = "looker://deltaarc.looker.com"
USERS = AssetRef(namespace=PG, name="shop.public.users")
EXPORT = AssetRef(namespace=S3, name="exports/users")
RAW = AssetRef(namespace=SF, name="RAW.PUBLIC.USERS")
DIM = AssetRef(namespace=SF, name="ANALYTICS.PUBLIC.DIM_USERS")
DASHBOARD = AssetRef(namespace=LOOKER, name="dashboards/customer_360")
COPY = AssetRef(namespace=SANDBOX, name="SANDBOX.PUBLIC.USERS_COPY")
SPEC = f"s3://{BUCKET}/exports/{{table}}/export_date={{partition}}/*.parquet"
EXPORTED = ("users", "accounts", "transactions")
EXEMPT = "PII_READERS"

SHOP = """
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, phone text, full_name text, country char(2),
                    created_at timestamptz NOT NULL);
CREATE TABLE accounts (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users(id), iban text,
                       balance numeric(12, 2) NOT NULL);
CREATE TABLE transactions (id bigint PRIMARY KEY, account_id bigint NOT NULL REFERENCES accounts(id),
                           amount numeric(12, 2) NOT NULL, merchant text, at timestamptz NOT NULL);
"""


def aid(ref: AssetRef) -> str:
    return str(asset_id(TENANT, ref))


def wait_for(check: Callable[[], Any], deadline_s: float = 30.0, what: str = "condition") -> Any:
    end = time.monotonic() + deadline_s
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < end, f"timed out after {deadline_s}s waiting for {what}"
        time.sleep(0.02)


# ------------------------------------------------------------------------------------------ shop
def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _fill(url: str, users: int = 200) -> None:
    fake = Faker()
    fake.seed_instance(16)
    at = datetime(2024, 5, 1, tzinfo=UTC)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(SHOP)
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO users VALUES (%s, %s, %s, %s, %s, %s)", [
                (i, fake.unique.email(), fake.numerify("+1-202-555-####"), fake.name(), fake.country_code(),
                 at + timedelta(minutes=i)) for i in range(1, users + 1)])
            cur.executemany("INSERT INTO accounts VALUES (%s, %s, %s, %s)", [
                (i, i, fake.iban(), round(fake.pyfloat(min_value=0, max_value=10_000), 2))
                for i in range(1, users + 1)])
            cur.executemany("INSERT INTO transactions VALUES (%s, %s, %s, %s, %s)", [
                (i, 1 + i % users, round(fake.pyfloat(min_value=1, max_value=500), 2), fake.company(),
                 at + timedelta(hours=i)) for i in range(1, 3 * users + 1)])
        conn.execute("ANALYZE")


@pytest.fixture
def shop(pg_server: ThrowawayPostgres) -> Iterator[str]:
    name = "shop"  # the crawl names tables database.schema.table: shop.public.users
    admin = _plain(pg_server.admin_url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = _plain(pg_server.url_for(name))
    _fill(url)
    yield url
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def export(shop_url: str, s3: Any, table: str, day: str, drop: tuple[str, ...] = ()) -> str:
    """The nightly export: one table to one Parquet partition (``drop``: columns the export lost)."""
    with psycopg.connect(shop_url) as conn:
        cur = conn.execute(f"SELECT * FROM {table} ORDER BY id")
        names = [d.name for d in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    data = pa.Table.from_pylist([{k: (float(v) if k in ("balance", "amount") else v) for k, v in r.items()
                                  if k not in drop} for r in rows])
    buf = io.BytesIO()
    pq.write_table(data, buf)
    key = f"exports/{table}/export_date={day}/part-0.parquet"
    s3.put_object(Bucket=BUCKET, Key=key, Body=buf.getvalue())
    return key


# ------------------------------------------------------------------------------------------ Lily
@dataclass
class Lily:
    env: Env
    http: httpx.Client
    governance: GovernanceRuntime
    monitor: ContractMonitor
    now: list[datetime]  # the monitor's clock
    snowflake: str  # the Snowflake target's id

    def get(self, path: str, **params: Any) -> Any:
        resp = self.http.get(path, params=params)
        assert resp.status_code == 200, (path, resp.status_code, resp.text)
        return resp.json()

    def asset(self, ref: AssetRef) -> dict[str, Any]:
        return self.get(f"/api/v1/assets/{aid(ref)}")

    def tags(self, ref: AssetRef) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for c in self.get(f"/api/v1/assets/{aid(ref)}/classifications"):
            out.setdefault(c["tag"], set()).add(c["source"])
        return out

    def incidents(self, source: str) -> list[dict[str, Any]]:
        return [self.get(f"/api/v1/incidents/{i['id']}") for i in self.get("/api/v1/incidents", source=source)["items"]]


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # a thread: the test runner keeps its handlers
        pass


@pytest.fixture
def lily(postgres_url: str, tmp_path: Path, moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Lily]:
    # The contract's S3 reader takes credentials from the AWS chain, as in production.
    for var, value in (("AWS_ACCESS_KEY_ID", ACCESS_KEY), ("AWS_SECRET_ACCESS_KEY", SECRET_KEY),
                       ("AWS_DEFAULT_REGION", REGION)):
        monkeypatch.setenv(var, value)
    env = make_env(postgres_url, tmp_path, worker_poll_s=0.1, outbound_retry_base_s=0.02, outbound_retry_cap_s=0.1,
                   contracts_monitor=False)
    port = free_port()
    server = _Server(uvicorn.Config(env.client.app, host="127.0.0.1", port=port, lifespan="off", log_level="warning",
                                    access_log=False))
    thread = threading.Thread(target=server.run, name="delta-arc-http", daemon=True)
    thread.start()
    wait_for(lambda: server.started, what="uvicorn")
    http = httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=env.admin_headers, timeout=30)
    governance = GovernanceRuntime(env.store, env.settings, env.client.app.state.ctx.metrics).start()
    now = [datetime.now(UTC)]
    try:
        target = http.post("/api/v1/targets", json={
            "name": "snowflake-prod", "kind": "snowflake",
            "config": {"namespaces": [SF], "connection": "recording", "policy_schema": "GOV.POLICIES"}})
        assert target.status_code == 201, target.text
        rule = http.post("/api/v1/security/rules", json=pii_rule([EXEMPT]))
        assert rule.status_code == 201, rule.text
        yield Lily(env, http, governance, ContractMonitor(env.store, clock=lambda: now[0]), now, target.json()["id"])
    finally:
        governance.stop()
        http.close()
        server.should_exit = True
        thread.join(10)
        env.store.dispose()


@pytest.fixture
def s3(moto_server: MotoServer) -> Any:
    client = moto_server.client("s3")
    existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
    if BUCKET in existing:  # another run in this session: start from an empty bucket
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
            for obj in page.get("Contents", []):
                client.delete_object(Bucket=BUCKET, Key=obj["Key"])
    else:
        client.create_bucket(Bucket=BUCKET)
    client.put_bucket_tagging(Bucket=BUCKET, Tagging={"TagSet": [{"Key": "owner", "Value": "data-platform"}]})
    return client


def crawl(lily: Lily, shop_url: str) -> runner.RunResult:
    u = urlparse(shop_url)
    config = PostgresConfig(name="shop", host=u.hostname, port=u.port, database=u.path.lstrip("/"),
                            user=u.username or "postgres", password=u.password, namespace=PG)
    result = runner.run(lily.env.store, config)
    assert result.state == "succeeded", result.to_json()
    return result


def scan(lily: Lily, moto: MotoServer) -> runner.RunResult:
    config = S3Config(name="delta-arc-lake", endpoint_url=moto.url, region=REGION, access_key_id=ACCESS_KEY,
                      secret_access_key=SECRET_KEY, path_specs=[SPEC])
    result = runner.run(lily.env.store, config)
    assert result.state == "succeeded", result.to_json()
    return result


def settle(lily: Lily) -> None:
    """What `lily serve` does in the background, now: the contract monitor reads the change feed."""
    lily.monitor.drain_tenant(TENANT)


# ------------------------------------------------------------------------------------------ the chain
def snowflake_tables(lily: Lily) -> None:
    """Snowflake's side as its catalog sync describes it: the raw landing table and the model."""
    cols = [{"name": n, "data_type": t} for n, t in (("ID", "NUMBER(38,0)"), ("EMAIL", "VARCHAR"),
                                                     ("PHONE", "VARCHAR"), ("FULL_NAME", "VARCHAR"),
                                                     ("COUNTRY", "VARCHAR(2)"), ("CREATED_AT", "TIMESTAMP_TZ"))]
    for ref, owner in ((RAW, "data-platform"), (DIM, "analytics")):
        resp = lily.http.post("/api/v1/assets", json={"type": "table", "namespace": ref.namespace, "name": ref.name,
                                                      "owners": [{"name": owner}], "columns": cols})
        assert resp.status_code == 201, resp.text
    resp = lily.http.post("/api/v1/assets", json={"type": "dashboard", "namespace": LOOKER, "name": DASHBOARD.name,
                                                  "display_name": "Customer 360", "owners": [{"name": "analytics"}]})
    assert resp.status_code == 201, resp.text


PROCESSES: dict[str, dict[str, Any]] = {
    **{f"{t}-export": {"type": "export", "owner": "data-platform", "schedule": "0 2 * * *",
                       "inputs": [{"namespace": PG, "name": f"shop.public.{t}"}],
                       "outputs": [{"pattern": f"{S3}/exports/{t}"}], "columns": "by_name"} for t in EXPORTED},
    "users-ingest": {"type": "ingestion", "owner": "data-platform", "schedule": "30 2 * * *",
                     "inputs": [{"namespace": S3, "name": EXPORT.name}],
                     "outputs": [{"namespace": SF, "name": RAW.name}], "columns": "by_name"},
    "dim-users": {"type": "transformation", "owner": "analytics",
                  "inputs": [{"namespace": SF, "name": RAW.name}],
                  "outputs": [{"namespace": SF, "name": DIM.name}], "columns": "by_name"},
    "customer-360": {"type": "transformation", "owner": "analytics",
                     "inputs": [{"namespace": SF, "name": DIM.name}],
                     "outputs": [{"namespace": LOOKER, "name": DASHBOARD.name}],
                     "columns": [{"from": "EMAIL", "to": "customer_email"}, {"from": "COUNTRY", "to": "country"}]},
}


def contract(moto: MotoServer) -> dict[str, Any]:
    props = [{"name": "id", "logicalType": "integer", "required": True, "unique": True},
             {"name": "email", "logicalType": "string", "required": True, "classification": "restricted",
              "quality": [{"metric": "invalidValues", "arguments": {"pattern": "^[^@]+@[^@]+$"}, "mustBe": 0}]},
             {"name": "phone", "logicalType": "string", "classification": "restricted"},
             {"name": "full_name", "logicalType": "string"},
             {"name": "country", "logicalType": "string"}]
    return {"apiVersion": "v3.1.0", "kind": "DataContract", "id": "users-export", "version": "1.0.0",
            "status": "active", "name": "users export",
            "servers": [{"server": "lake", "type": "s3", "location": f"{S3}/exports/users/", "endpointUrl": moto.url}],
            "schema": [{"name": "users", "physicalName": "users", "logicalType": "object", "properties": props,
                        "quality": [{"metric": "rowCount", "mustBeGreaterThan": 0}]}],
            "slaProperties": [{"property": "freshness", "value": 1, "unit": "d", "element": "users"},
                              {"property": "retention", "value": 5, "unit": "y"}],
            "team": {"name": "data-platform", "members": [{"username": "ana@deltaarc.example", "role": "owner"}]},
            "support": [{"channel": "#data-platform", "tool": "slack"}]}


def test_delta_arc_end_to_end(lily: Lily, shop: str, s3: Any, moto_server: MotoServer) -> None:
    # -- discovery: the nightly exports, a PostgreSQL crawl and an S3 scan ------------------------------
    keys = [export(shop, s3, t, day) for t in EXPORTED for day in ("2024-06-01", "2024-06-02")]
    crawled = crawl(lily, shop)
    assert crawled.report.counts["tables"] == 3, crawled.to_json()
    scanned = scan(lily, moto_server)
    assert scanned.report.counts["objects"] == len(keys) and scanned.report.counts["datasets"] == 3

    # 100 % of the objects registered, each with size, format, partition and schema
    listed = [o for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET) for o in page["Contents"]]
    assert sorted(o["Key"] for o in listed) == sorted(keys)
    for obj in listed:
        asset = lily.asset(AssetRef(namespace=S3, name=obj["Key"]))
        attrs = asset["attributes"]
        assert asset["type"] == "s3_object" and attrs["size"] == obj["Size"] and attrs["format"] == "parquet"
        assert attrs["partition"] == {"export_date": obj["Key"].split("export_date=")[1].split("/")[0]}
        assert attrs["dataset"] == "/".join(obj["Key"].split("/")[:2])
        assert {c["name"] for c in attrs["schema"]} >= {"id"} and attrs["rows"] > 0
    users_export = lily.asset(EXPORT)
    assert users_export["attributes"]["partitions"] == 2 and users_export["attributes"]["objects"] == 2
    assert users_export["attributes"]["partition_dates"] == ["2024-06-01", "2024-06-02"]
    bucket = lily.asset(AssetRef(namespace=S3, name=""))
    assert bucket["attributes"]["arn"] == f"arn:aws:s3:::{BUCKET}"
    export_columns = {c["field"]: c for c in lily.get(f"/api/v1/assets/{aid(EXPORT)}/columns")}
    assert set(export_columns) == {"id", "email", "phone", "full_name", "country", "created_at"}

    # PII detected in PostgreSQL and in S3, from the data itself
    for ref in (USERS, EXPORT):
        assert "detected" in lily.tags(ref.column("email")).get("PII.email", set()), ref
        assert "detected" in lily.tags(ref.column("phone")).get("PII.phone", set()), ref

    # -- declared lineage: PostgreSQL → S3 → Snowflake → Looker -----------------------------------
    snowflake_tables(lily)
    for name, body in PROCESSES.items():
        resp = lily.http.put(f"/api/v1/lineage-processes/{name}", json=body)
        assert resp.status_code == 200 and resp.json()["problems"] == [], (name, resp.text)
    email = lily.get(f"/api/v1/assets/{aid(USERS.column('email'))}/lineage", direction="downstream", depth=10,
                     level="column")
    reached = {(n["asset"]["namespace"], n["asset"]["name"], n["asset"]["field"]): n["depth"] for n in email["nodes"]}
    assert reached[(S3, EXPORT.name, "email")] == 1
    assert reached[(SF, RAW.name, "EMAIL")] == 2
    assert reached[(SF, DIM.name, "EMAIL")] == 3
    assert reached[(LOOKER, DASHBOARD.name, "customer_email")] == 4
    impact = lily.get(f"/api/v1/assets/{aid(USERS)}/impact")
    assert {(n["asset"]["namespace"], n["asset"]["name"]) for n in impact["nodes"] if not n["asset"]["field"]} >= {
        (S3, EXPORT.name), (SF, RAW.name), (SF, DIM.name), (LOOKER, DASHBOARD.name)}

    # -- propagation and enforcement: the detected tags reach Snowflake and are masked there ----------
    def propagated(ref: AssetRef, tag: str) -> bool:
        return "propagated" in lily.tags(ref).get(tag, set())

    for ref in (RAW, DIM):
        for column, tag in (("EMAIL", "PII.email"), ("PHONE", "PII.phone")):
            wait_for(lambda r=ref, c=column, t=tag: propagated(r.column(c), t), what=f"{tag} on {ref.name}.{column}")
    wait_for(lambda: propagated(DASHBOARD.column("customer_email"), "PII.email"), what="PII.email on the dashboard")
    assert not lily.tags(DIM.column("COUNTRY")), "country is not personal data here"

    def masked(table: AssetRef, column: str) -> list[str]:
        quoted = ".".join(f'"{p}"' for p in table.name.split("."))
        prefix = f'ALTER TABLE {quoted} MODIFY COLUMN "{column}" SET MASKING POLICY'
        return [s for s in recorded(lily.snowflake) if s.startswith(prefix)]

    for ref in (RAW, DIM):
        for column in ("EMAIL", "PHONE"):
            wait_for(lambda r=ref, c=column: masked(r, c), what=f"masking policy on {ref.name}.{column}")
    sql = recorded(lily.snowflake)
    policies = [s for s in sql if s.startswith("CREATE MASKING POLICY")]
    assert policies and all(f"IS_ROLE_IN_SESSION('{EXEMPT}') THEN val ELSE SHA2(val, 256)" in p for p in policies)
    assert not [s for s in sql if '"COUNTRY"' in s and "MASKING POLICY" in s]
    assert all(snowflake_parses(s) for s in sql)
    wait_for(lambda: {d["status"] for d in lily.get("/api/v1/deliveries")} == {"applied"}, what="deliveries applied")

    # -- the S3 interface's contract: passing, then broken by a dropped column, then fixed -----------
    resp = lily.http.put("/api/v1/contracts/users-export", json=contract(moto_server))
    assert resp.status_code in (200, 201), resp.text
    settle(lily)
    state = lily.get("/api/v1/contracts/users-export")
    assert state["status"] == "passing", state["result"]
    assert lily.asset(EXPORT)["attributes"]["contract"]["status"] == "passing"

    export(shop, s3, "users", "2024-06-03", drop=("phone",))  # the export lost a column
    scan(lily, moto_server)
    lily.now[0] = datetime.now(UTC)
    settle(lily)
    assert lily.get("/api/v1/contracts/users-export")["status"] == "failing"
    (incident,) = lily.incidents("lily_contracts")
    assert incident["status"] == "open" and incident["severity"] == "high"
    findings = incident["timeline"][-1]["update"]["findings"]
    assert any(f["kind"] == "schema" and "phone" in f["message"] for f in findings), incident["timeline"]
    radius = {(a["namespace"], a["name"]) for a in incident["enrichment"]["blast_radius"]["assets"]}
    assert {(SF, RAW.name), (SF, DIM.name), (LOOKER, DASHBOARD.name)} <= radius

    export(shop, s3, "users", "2024-06-04")  # fixed: the column is back
    scan(lily, moto_server)
    lily.now[0] = datetime.now(UTC)
    settle(lily)
    assert lily.get("/api/v1/contracts/users-export")["status"] == "passing"
    (incident,) = lily.incidents("lily_contracts")
    assert incident["status"] == "resolved"

    # -- the export stops: a day later (the SLA) the dataset is late ---------------------------------
    assert lily.monitor.tick(TENANT)["freshness"][str(EXPORT)] == "on time"
    assert not lily.incidents(FRESHNESS_SOURCE)
    lily.now[0] = datetime.now(UTC) + timedelta(days=1, hours=2)
    verdicts = lily.monitor.tick(TENANT)["freshness"]
    assert verdicts[str(EXPORT)] == "late"
    late = [i for i in lily.incidents(FRESHNESS_SOURCE) if i["status"] == "open"]
    assert [i["external_id"] for i in late if i["external_id"] == str(EXPORT)] == [str(EXPORT)], late

    # -- compliance: the chain with its enforcement, and a deliberately unprotected copy ---------------
    edge = lily.http.post("/api/v1/edges", json={  # someone's CREATE TABLE ... AS SELECT in a sandbox account
        "source": {"namespace": SF, "name": RAW.name, "field": "EMAIL"},
        "target": {"namespace": SANDBOX, "name": COPY.name, "field": "EMAIL"}})
    assert edge.status_code == 201, edge.text
    wait_for(lambda: propagated(COPY.column("EMAIL"), "PII.email"), what="PII.email on the sandbox copy")
    report = lily.get("/api/v1/compliance/report", format="json")
    rows = {(r["namespace"], r["dataset"], r["column"], r["tag"], r["source"]): r for r in report["inventory"]}
    origin = rows[(PG, USERS.name, "email", "PII.email", "detected")]
    assert origin["confidence"] > 0.9 and {"namespace": S3, "name": EXPORT.name, "field": "email",
                                           "masking": False} in origin["flows_to"]
    users_email = aid(USERS.column("email"))
    for ref, depth in ((RAW, 2), (DIM, 3)):
        # The export's own detected email is a nearer origin; the table's is the one traced here.
        inherited = {r["provenance"]["origin_asset_id"]: r for r in report["inventory"]
                     if (r["namespace"], r["dataset"], r["column"], r["tag"], r["source"])
                     == (SF, ref.name, "EMAIL", "PII.email", "propagated")}
        assert aid(EXPORT.column("email")) in inherited, inherited
        row = inherited[users_email]
        assert row["provenance"]["depth"] == depth
        (enforced,) = row["enforcement"]
        assert enforced["masked"] and enforced["strategy"] == "hash" and enforced["exempt_roles"] == [EXEMPT]
        assert enforced["target"] == "snowflake-prod" and enforced["applied_at"]
    assert rows[(S3, EXPORT.name, "email", "PII.email", "propagated")]["contracts"] == ["users-export"]
    unprotected = {f["asset"] for f in report["findings"] if f["kind"] == "unprotected_pii_copy"}
    assert f"{SANDBOX}/{COPY.name}#EMAIL" in unprotected
    assert not {f"{SF}/{t.name}#{c}" for t in (RAW, DIM) for c in ("EMAIL", "PHONE")} & unprotected
    assert f"{SANDBOX}/{COPY.name}" in {f["asset"] for f in report["findings"] if f["kind"] == "pii_without_owner"}
    art30 = report["record_of_processing"]
    assert {"PII.email", "PII.phone"} <= set(art30["categories_of_personal_data"])
    assert {f"{SF}/{RAW.name}", f"{SF}/{DIM.name}", f"{SANDBOX}/{COPY.name}"} <= set(art30["recipients"])
    assert "snowflake: mask hash" in art30["security_measures"] and art30["retention"] == {"users-export": "5 y"}
    html = lily.http.get("/api/v1/compliance/report", params={"format": "html"})
    assert html.status_code == 200 and "USERS_COPY#EMAIL" in html.text
    assert date.fromisoformat(report["generated_at"][:10]) >= date(2024, 6, 1)
