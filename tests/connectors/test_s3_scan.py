"""The S3 connector against a real S3 API (moto server): registration, schemas, partitions,
incremental re-scans, deletions, bad input, classifications."""

from __future__ import annotations

import io
import uuid
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from faker import Faker

from lily.bootstrap import ensure_tenant
from lily.connectors import runner
from lily.connectors.s3 import S3Config
from lily.model import AddClassification, AssetRef, ChangeSet
from lily.store import Store, catalog
from tests.support.motoserver import MotoServer

TENANT = "default"


def parquet(columns: dict[str, list[Any]]) -> bytes:
    buf = io.BytesIO()
    pq.write_table(pa.table(columns), buf)
    return buf.getvalue()


def users(n: int, seed: int = 1, phone: bool = True) -> bytes:
    fake = Faker()
    fake.seed_instance(seed)
    cols: dict[str, list[Any]] = {"id": list(range(n)), "email": [fake.email() for _ in range(n)],
                                  "country": [fake.country_code() for _ in range(n)]}
    if phone:
        cols["phone"] = [fake.numerify("+1-202-555-####") for _ in range(n)]
    return parquet(cols)


@pytest.fixture
def store(sqlite_url: str) -> Store:
    s = Store(Store.from_url(sqlite_url).engine)
    ensure_tenant(s, TENANT)
    return s


@pytest.fixture
def bucket(moto_server: MotoServer) -> str:
    name = f"lake-{uuid.uuid4().hex[:12]}"
    moto_server.client("s3").create_bucket(Bucket=name)
    return name


def config(moto: MotoServer, *specs: str, **extra: Any) -> S3Config:
    return S3Config(name="lake", endpoint_url=moto.url, access_key_id="testing", secret_access_key="testing",
                    path_specs=list(specs), **extra)


def asset(store: Store, bucket: str, name: str, field: str = "") -> Any:
    with store.read() as conn:
        return catalog.get_by_ref(conn, TENANT, AssetRef(namespace=f"s3://{bucket}", name=name, field=field))


def tags(store: Store, bucket: str, name: str, field: str) -> dict[str, str]:
    return {tag: source for tag, source in tag_pairs(store, bucket, name, field)}


def tag_pairs(store: Store, bucket: str, name: str, field: str) -> set[tuple[str, str]]:
    found = asset(store, bucket, name, field)
    if found is None:
        return set()
    with store.read() as conn:
        return {(c.tag, c.source.value) for c in catalog.classifications_of(conn, TENANT, [found.id])}


SPEC = "s3://{bucket}/exports/{{table}}/export_date={{partition}}/*.parquet"


def test_scan_registers_objects_datasets_partitions_and_schemas(store: Store, moto_server: MotoServer,
                                                                bucket: str) -> None:
    s3 = moto_server.client("s3")
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "owner", "Value": "data-eng"}]})
    keys = [f"exports/users/export_date=2025-01-0{d}/part-{p}.parquet" for d in (1, 2, 3) for p in (0, 1)]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=users(50))
    # The newest partition has no phone column: the union keeps it, seen in fewer files.
    s3.put_object(Bucket=bucket, Key="exports/users/export_date=2025-01-04/part-0.parquet",
                  Body=users(50, phone=False))
    s3.put_object(Bucket=bucket, Key="exports/readme.txt", Body=b"not a dataset")

    result = runner.run(store, config(moto_server, SPEC.format(bucket=bucket)))

    assert result.state == "succeeded", result.to_json()
    assert result.report.counts["objects"] == 7
    assert result.report.counts["objects_unmatched"] == 1
    for key in [*keys, "exports/users/export_date=2025-01-04/part-0.parquet"]:
        obj = asset(store, bucket, key)
        assert obj is not None and obj.type == "s3_object"
        assert obj.attributes["format"] == "parquet" and obj.attributes["size"] > 0
        assert obj.attributes["dataset"] == "exports/users"
        assert obj.attributes["partition"] == {"export_date": key.split("=")[1].split("/")[0]}
    dataset = asset(store, bucket, "exports/users")
    assert dataset.type == "dataset"
    assert dataset.attributes["objects"] == 7 and dataset.attributes["partitions"] == 4
    assert dataset.attributes["formats"] == {"parquet": 7}
    assert dataset.attributes["partition_dates"] == ["2025-01-01", "2025-01-04"]
    phone = asset(store, bucket, "exports/users", "phone")
    email = asset(store, bucket, "exports/users", "email")
    assert (phone.attributes["seen_in"], phone.attributes["files"], phone.attributes["in_latest_file"]) == (3, 4, False)
    assert (email.attributes["seen_in"], email.attributes["in_latest_file"]) == (4, True)
    assert result.report.counts["schema_bytes_max"] <= 64 * 1024
    b = asset(store, bucket, "")
    assert b.type == "s3_bucket"
    assert b.attributes["arn"] == f"arn:aws:s3:::{bucket}"
    assert b.attributes["versioning"] == "Enabled" and b.attributes["tags"] == {"owner": "data-eng"}
    assert tags(store, bucket, "exports/users", "email").get("PII.email") == "detected"


def test_listing_rescan_notices_changes_and_deletions_in_any_partition(store: Store, moto_server: MotoServer,
                                                                       bucket: str) -> None:
    s3 = moto_server.client("s3")
    for d in range(1, 6):
        s3.put_object(Bucket=bucket, Key=f"exports/t/export_date=2025-02-0{d}/a.parquet", Body=users(5, seed=d))
    cfg = config(moto_server, SPEC.format(bucket=bucket), classify=False, rescan="listing")
    first = runner.run(store, cfg)
    assert first.report.counts["schemas_read"] == 5
    unchanged = runner.run(store, cfg)
    assert (unchanged.report.counts["objects_written"], unchanged.changes) == (0, 0)
    assert unchanged.report.counts["schemas_read"] == 0

    # Old partitions, not the newest: one object rewritten with another schema, one deleted, one added.
    s3.put_object(Bucket=bucket, Key="exports/t/export_date=2025-02-02/a.parquet",
                  Body=parquet({"id": [1, 2], "note": ["a", "b"]}))
    s3.delete_object(Bucket=bucket, Key="exports/t/export_date=2025-02-01/a.parquet")
    s3.put_object(Bucket=bucket, Key="exports/t/export_date=2025-02-03/b.parquet", Body=users(5, seed=9))
    again = runner.run(store, cfg)
    counts = again.report.counts
    assert (counts["objects_written"], counts["objects_deleted"], counts["objects_unchanged"]) == (2, 1, 3)
    assert counts["schemas_read"] == 2  # the two partitions with a new or changed object only
    assert asset(store, bucket, "exports/t/export_date=2025-02-01/a.parquet").status == "deleted"
    assert asset(store, bucket, "exports/t/export_date=2025-02-02/a.parquet").attributes["schema"] == [
        {"name": "id", "type": "int64"}, {"name": "note", "type": "string"}]
    dataset = asset(store, bucket, "exports/t")
    assert (dataset.attributes["objects"], dataset.attributes["partitions"]) == (5, 4)
    assert asset(store, bucket, "exports/t", "note").attributes["seen_in"] == 1


def test_partition_rescan_walks_new_partitions_and_notices_deletions(store: Store, moto_server: MotoServer,
                                                                     bucket: str) -> None:
    s3 = moto_server.client("s3")
    for d in range(1, 6):
        s3.put_object(Bucket=bucket, Key=f"exports/t/export_date=2025-02-0{d}/a.parquet", Body=users(5, seed=d))
    cfg = config(moto_server, SPEC.format(bucket=bucket), classify=False, rescan="partitions")
    assert runner.run(store, cfg).report.counts["objects_written"] == 5

    unchanged = runner.run(store, cfg)
    assert unchanged.report.counts["objects_written"] == 0 and unchanged.changes == 0

    s3.put_object(Bucket=bucket, Key="exports/t/export_date=2025-02-06/a.parquet", Body=users(5, seed=6))
    s3.delete_object(Bucket=bucket, Key="exports/t/export_date=2025-02-01/a.parquet")
    again = runner.run(store, cfg)
    counts = again.report.counts
    assert (counts["partitions_new"], counts["partitions_gone"], counts["objects_written"],
            counts["objects_deleted"]) == (1, 1, 1, 1)
    # Only the new partition and the newest known one were listed, not all five.
    assert counts["objects"] == 2
    assert asset(store, bucket, "exports/t/export_date=2025-02-01/a.parquet").status == "deleted"
    assert asset(store, bucket, "exports/t").attributes["objects"] == 5

    # A change inside an old partition is found by a full scan.
    s3.delete_object(Bucket=bucket, Key="exports/t/export_date=2025-02-02/a.parquet")
    s3.put_object(Bucket=bucket, Key="exports/t/export_date=2025-02-03/b.parquet", Body=users(5, seed=9))
    full = runner.run(store, cfg, full=True)
    assert (full.report.counts["objects_deleted"], full.report.counts["objects_written"]) == (1, 1)
    assert asset(store, bucket, "exports/t/export_date=2025-02-02/a.parquet").status == "deleted"
    assert asset(store, bucket, "exports/t").attributes["objects"] == 5


def test_bad_objects_and_empty_patterns_are_reported_and_the_scan_goes_on(store: Store, moto_server: MotoServer,
                                                                          bucket: str) -> None:
    s3 = moto_server.client("s3")
    s3.put_object(Bucket=bucket, Key="data/good/p=1/a.parquet", Body=users(10))
    s3.put_object(Bucket=bucket, Key="data/corrupt/p=1/a.parquet", Body=b"PAR1" + b"\x00" * 100 + b"PAR1")
    s3.put_object(Bucket=bucket, Key="data/text/p=1/a.csv", Body=b"id,email\n1,a@example.com\n2,b@example.com\n")
    s3.put_object(Bucket=bucket, Key="data/badcsv/p=1/a.csv", Body=b'a,b\n1,2,3,4\n"unterminated\n')
    result = runner.run(store, config(moto_server, f"s3://{bucket}/data/{{table}}/p={{partition}}/*.*",
                                      f"s3://{bucket}/nothing/{{table}}/*.parquet"))
    assert result.state == "partial"
    reasons = {e.item: e.reason for e in result.report.errors}
    assert "Parquet" in reasons[f"s3://{bucket}/data/corrupt/p=1/a.parquet"]
    assert "csv" in reasons[f"s3://{bucket}/data/badcsv/p=1/a.csv"]
    assert "matches no object" in reasons[f"s3://{bucket}/nothing/{{table}}/*.parquet"]
    assert len(reasons) == 3
    # Every object is still registered; the good ones with their schema.
    assert asset(store, bucket, "data/corrupt/p=1/a.parquet") is not None
    assert asset(store, bucket, "data/good", "email").attributes["seen_in"] == 1
    assert asset(store, bucket, "data/text", "email") is not None


def test_unreachable_endpoint_and_wrong_credentials_fail_the_run(store: Store, bucket: str) -> None:
    dead = S3Config(name="dead", endpoint_url="http://127.0.0.1:9", access_key_id="x", secret_access_key="y",
                    path_specs=[f"s3://{bucket}/**"], connect_timeout=1, max_attempts=1)
    result = runner.run(store, dead)
    assert result.state == "failed" and "cannot be reached" in (result.error or "")
    with MotoServer(auth=True) as strict:
        wrong = S3Config(name="wrong", endpoint_url=strict.url, access_key_id="AKIAWRONG", secret_access_key="nope",
                         path_specs=[f"s3://{bucket}/**"])
        result = runner.run(store, wrong)
    assert result.state == "failed" and "credentials were refused" in (result.error or ""), result.error
    with store.read() as conn:
        from lily.store import connector_runs

        assert [r["state"] for r in connector_runs.runs(conn, TENANT, "wrong")] == ["failed"]


def test_rescan_retracts_detected_tags_and_never_overrides_direct_ones(store: Store, moto_server: MotoServer,
                                                                        bucket: str) -> None:
    s3 = moto_server.client("s3")
    s3.put_object(Bucket=bucket, Key="exports/people/export_date=2025-03-01/a.parquet", Body=users(200))
    cfg = config(moto_server, SPEC.format(bucket=bucket))
    runner.run(store, cfg)
    assert tags(store, bucket, "exports/people", "email") == {"PII.email": "detected", "GDPR.personal": "detected"}
    phone_tags = tags(store, bucket, "exports/people", "phone")
    assert "PII.phone" in phone_tags
    store.apply(ChangeSet(tenant_id=TENANT, actor="steward", operations=[AddClassification(
        ref=AssetRef(namespace=f"s3://{bucket}", name="exports/people", field="email"), tag="PII.email")]))
    # The export's values change: the column named email now holds no addresses, phone is gone.
    fake = Faker()
    s3.put_object(Bucket=bucket, Key="exports/people/export_date=2025-03-01/a.parquet", Body=parquet(
        {"id": list(range(200)), "email": [fake.word() for _ in range(200)]}))
    runner.run(store, cfg, full=True)
    # The suggestions on email are retracted; the tag the steward set stays.
    assert tag_pairs(store, bucket, "exports/people", "email") == {("PII.email", "direct")}
    assert asset(store, bucket, "exports/people", "phone").status == "deleted"
    assert tag_pairs(store, bucket, "exports/people", "phone") == set()  # a dropped column keeps no suggestion


def test_config_file_round_trip(tmp_path: Path, moto_server: MotoServer) -> None:
    from lily.connectors import config as connectors_config

    path = tmp_path / "connectors.yaml"
    path.write_text(f"""connectors:
  - name: lake
    type: s3
    endpoint_url: {moto_server.url}
    secret_access_key: ${{LAKE_SECRET}}
    path_specs: ["s3://bucket/exports/{{table}}/*.parquet"]
""")
    [cfg] = connectors_config.load(path, env={"LAKE_SECRET": "s3cr3t"})
    assert isinstance(cfg, S3Config) and cfg.secret_access_key == "s3cr3t"
