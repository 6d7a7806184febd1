"""The compliance report lists the personal-data chain with its enforcement, and a deliberately
unprotected copy as a finding."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from lily.compliance.render import to_csv, to_html
from lily.compliance.report import report
from lily.governance.consumer import PropagationConsumer
from lily.model import (
    AddClassification,
    AddLineage,
    AssetRef,
    AssetType,
    ChangeSet,
    ColumnSpec,
    Owner,
    UpsertAsset,
)
from lily.store import Store
from lily.store import governance as gov
from lily.store.accounts import create_tenant

T0 = datetime(2025, 1, 2, 6, 0, tzinfo=UTC)
PG, S3, SF = "postgres://db.prod:5432", "s3://atlan-tech-challenge", "snowflake://deltaarc"
USERS = AssetRef(namespace=PG, name="shop.public.users")
EXPORT = AssetRef(namespace=S3, name="exports/users")
RAW = AssetRef(namespace=SF, name="RAW.PUBLIC.USERS")
COPY = AssetRef(namespace=SF, name="SANDBOX.PUBLIC.USERS_COPY")  # nobody protects this one


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    s = Store.from_url(database_url)
    with s.write() as conn:
        create_tenant(conn, "acme", "Acme", T0)
    yield s
    s.dispose()


def _catalog(store: Store) -> None:
    def table(ref: AssetRef, col: str, type_: AssetType = AssetType.TABLE, owner: str | None = "data-platform"):
        return UpsertAsset(ref=ref, type=type_, columns=[ColumnSpec(name=col), ColumnSpec(name="id")],
                           owners=[Owner(name=owner)] if owner else None)
    ops = [table(USERS, "email"), table(EXPORT, "email", AssetType.DATASET), table(RAW, "EMAIL"),
           table(COPY, "EMAIL", owner=None),
           UpsertAsset(ref=AssetRef(namespace=S3, name=""), type=AssetType.S3_BUCKET, attributes={"region": "eu-west-1"}),
           AddLineage(source=USERS.column("email"), target=EXPORT.column("email")),
           AddLineage(source=EXPORT.column("email"), target=RAW.column("EMAIL")),
           AddLineage(source=RAW.column("EMAIL"), target=COPY.column("EMAIL")),
           AddClassification(ref=USERS.column("email"), tag="PII.email")]
    store.apply(ChangeSet(tenant_id="acme", actor="ana", operations=ops, at=T0))
    PropagationConsumer(store, clock=lambda: T0).drain()
    target = uuid.uuid4()
    with store.write() as conn:
        gov.insert_target(conn, {"id": target, "tenant_id": "acme", "name": "snowflake-prod", "kind": "snowflake",
                                 "config": {}, "secrets": None, "secret_keys": [], "enabled": True,
                                 "created_at": T0, "updated_at": T0})
        gov.put_applied(conn, "acme", target, "RAW", SF, RAW.name,
                        {"masks": {"EMAIL": {"strategy": "hash", "exempt_roles": ["pii_readers"]}}}, None, T0)



def test_a_column_inheriting_one_tag_from_two_origins_lists_both_nearest_first(store: Store) -> None:
    _catalog(store)
    store.apply(ChangeSet(tenant_id="acme", actor="scanner", at=T0, operations=[
        AddClassification(ref=EXPORT.column("email"), tag="PII.email")]))  # the export's own data says so too
    PropagationConsumer(store, clock=lambda: T0).drain()
    orders = []
    for _ in range(3):
        inventory = report(store, "acme", now=T0)["inventory"]
        inherited = [i for i in inventory if (i["dataset"], i["column"], i["source"]) == (RAW.name, "EMAIL", "propagated")]
        orders.append([(i["provenance"]["depth"], i["provenance"]["origin_asset_id"]) for i in inherited])
    assert [d for d, _ in orders[0]] == [1, 2]
    assert orders[0] == orders[1] == orders[2]

def test_report_lists_the_chain_with_enforcement_and_the_unprotected_copy(store: Store) -> None:
    _catalog(store)
    r = report(store, "acme", now=T0)
    rows = {(i["namespace"], i["dataset"], i["column"]): i for i in r["inventory"]}
    origin = rows[(PG, USERS.name, "email")]
    assert origin["source"] == "direct" and origin["owners"] == ["data-platform"]
    assert origin["flows_to"] == [{"namespace": S3, "name": EXPORT.name, "field": "email", "masking": False}]
    raw = rows[(SF, RAW.name, "EMAIL")]
    assert raw["source"] == "propagated" and raw["provenance"]["depth"] == 2
    assert raw["enforcement"][0]["masked"] and raw["enforcement"][0]["strategy"] == "hash"
    assert rows[(S3, EXPORT.name, "email")]["region"] == "eu-west-1"
    unprotected = {f["asset"] for f in r["findings"] if f["kind"] == "unprotected_pii_copy"}
    assert f"{SF}/{COPY.name}#EMAIL" in unprotected and f"{SF}/{RAW.name}#EMAIL" not in unprotected
    assert {f["asset"] for f in r["findings"] if f["kind"] == "pii_without_owner"} == {f"{SF}/{COPY.name}"}
    art30 = r["record_of_processing"]
    assert art30["categories_of_personal_data"] == ["PII.email"]
    assert f"{SF}/{COPY.name}" in art30["recipients"] and "snowflake: mask hash" in art30["security_measures"]
    assert any(a["type"] == "tag" and a["actor"] == "ana" for a in r["audit_trail"])
    # CSV and HTML carry the same facts.
    lines = list(csv.reader(io.StringIO(to_csv(r))))
    assert any(line[:1] == ["finding"] and COPY.name in line[3] for line in lines)
    assert sum(1 for line in lines if line[:1] == ["inventory"]) == len(r["inventory"])
    html = to_html(r)
    assert "SANDBOX.PUBLIC.USERS_COPY#EMAIL" in html and "<script" not in html
