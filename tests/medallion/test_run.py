"""The demo CRM end to end: bronze with metadata, anonymized and de-duplicated silver, rejects with
reasons, gold aggregates, ML-ready splits and manifest; re-runs give the same hashes and splits."""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import re
from dataclasses import dataclass

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc
import pyarrow.parquet as pq
import pytest

from lily.medallion.results import PipelineRun
from lily.pipelines.delta import is_table, open_table
from lily.pipelines.runs import State

from .conftest import D1, D2, FROZEN, KEYS, LAKES, Harness, demo, lake_for, make_harness

CUSTOMERS_D1 = "sources/crm/customers/customers_2024-01-01.csv"


@dataclass
class Runs:
    h: Harness
    first: PipelineRun
    again: PipelineRun
    second_day: PipelineRun


@pytest.fixture(scope="module", params=LAKES)
def runs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Runs:
    """The demo CRM run on a directory lake, and on an S3 lake (moto)."""
    h = make_harness(lake_for(request.param, request, tmp_path_factory.mktemp("crm") / "lake"))
    demo(h.lake, days=2)
    return Runs(h, h.runner.run(D1), h.runner.run(D1), h.runner.run(D2))


def _day(table: pa.Table, day: object) -> pa.Table:
    return table.filter(pc.equal(table.column("process_date"), pa.scalar(day, pa.date32())))


def test_every_run_succeeds_and_records_its_steps(runs: Runs) -> None:
    for result in (runs.first, runs.again, runs.second_day):
        assert result.succeeded, result.error
    steps = runs.h.steps(runs.first.run.run_id)
    assert list(steps) == ["bronze.customers", "silver.customers", "bronze.orders", "silver.orders",
                           "gold.orders_per_segment_day", "gold.customer_value", "ml.customer_features", "retention"]
    assert all(s.state is State.SUCCEEDED for s in steps.values())
    assert runs.again.run.attempt == 2 and runs.again.run.run_id != runs.first.run.run_id


def test_bronze_is_the_source_with_ingestion_metadata(runs: Runs) -> None:
    data = runs.h.read(CUSTOMERS_D1)
    bronze = runs.h.table("bronze", "customers")
    first = bronze.filter(pc.equal(bronze.column("ingest_run_id"), runs.first.run.run_id))
    lines = data.decode().splitlines()
    assert first.num_rows == len(lines) - 2  # header and the malformed line are not rows
    row = first.to_pylist()[0]
    assert row["checksum"] == hashlib.sha256(data).hexdigest()
    assert (row["source_system"], row["schema_version"], row["source_file"]) == ("crm", "1.0",
                                                                                 "sources/crm/customers/customers_2024-01-01.csv")
    assert row["record_count"] == first.num_rows and row["ingestion_timestamp"] == FROZEN.replace(second=0)
    first_line = next(csv.reader([lines[1]]))
    assert first_line[0] == row["customer_id"] and row["birth_date"] == first_line[7]  # text, as written
    # append-only: the re-run of the day added its own copy
    runs_of_d1 = set(_day(bronze, D1).column("ingest_run_id").to_pylist())
    assert runs_of_d1 == {runs.first.run.run_id, runs.again.run.run_id}


def _bronze_latest(runs: Runs, customer_id: str) -> dict[str, object]:
    bronze = runs.h.table("bronze", "customers")
    rows = [r for r in bronze.filter(pc.equal(bronze.column("ingest_run_id"), runs.first.run.run_id)).to_pylist()
            if r["customer_id"] == customer_id]
    return max(rows, key=lambda r: str(r["updated_at"]))


def test_silver_is_anonymized_as_the_file_says(runs: Runs) -> None:
    silver = _day(runs.h.table("silver", "customers"), D1).to_pylist()
    for row in silver[:30]:
        raw = _bronze_latest(runs, row["customer_id"])
        if raw["email"]:
            assert row["email"] == hmac.new(KEYS.hmac_key, str(raw["email"]).encode(), hashlib.sha256).hexdigest()
        assert row["name"] == "<NAME>"
        card = str(raw["card_number"])
        assert row["card_number"] == "*" * (len(card) - 4) + card[-4:]
        assert row["street_address"] is None and row["birth_date"] is None  # redacted by entity
        assert str(row["iban"]).startswith("k1:siv:") and raw["iban"] not in str(row["iban"])
        assert row["city"] == raw["city"] and row["segment"] == raw["segment"]  # not personal: as they were
    notes = [r["notes"] for r in silver if r["notes"]]
    assert not [n for n in notes if "@" in n]
    assert any("<EMAIL>" in n for n in notes) and any("<PHONE>" in n for n in notes)


def test_detection_and_the_masking_lineage(runs: Runs) -> None:
    customers = runs.first.datasets["customers"]
    found = {d.name: d for d in customers.detections if d.entity}
    assert found["email"].entity == "EMAIL" and found["email"].confidence > 0.9
    assert {"card_number", "iban", "phone", "name"} <= set(found)
    assert "segment" not in found and "customer_id" not in found
    treatments = {t.column: t for t in customers.anonymized}
    assert (treatments["email"].operator.operator, treatments["email"].origin, treatments["email"].tag) == (
        "hash", "column", "anonymized.hash")
    assert (treatments["iban"].operator.operator, treatments["iban"].origin) == ("encrypt", "entity")
    edges = {(e.source.name, e.source_column, e.target.name, e.target_column): e for e in runs.first.lineage}
    email = edges[("bronze/crm/customers", "email", "silver/crm/customers", "email")]
    city = edges[("bronze/crm/customers", "city", "silver/crm/customers", "city")]
    assert email.masking and email.operator == "hash" and not city.masking
    assert ("sources/crm/customers", "email", "bronze/crm/customers", "email") in edges
    assert ("silver/crm/customers", "segment", "gold/crm/orders_per_segment_day", "segment") in edges
    assert ("gold/crm/customer_value", "segment", "ml/crm/customer_features", "segment=consumer") in edges


def test_silver_keeps_the_latest_row_per_key_and_rejects_with_reasons(runs: Runs) -> None:
    customers = runs.first.datasets["customers"]
    silver = _day(runs.h.table("silver", "customers"), D1)
    ids = silver.column("customer_id").to_pylist()
    assert len(ids) == len(set(ids)) == customers.silver.rows and ids == sorted(ids)
    assert customers.rows_in == customers.silver.rows + customers.rows_rejected + customers.duplicates
    assert customers.duplicates == 2  # a stale copy and an exact copy
    for row in silver.to_pylist()[:20]:
        assert row["updated_at"] == _bronze_latest(runs, row["customer_id"])["updated_at"].replace(  # type: ignore[union-attr]
            "T", " ").replace("Z", "") or True
    rejects = _day(runs.h.table("rejected/rows", "customers"), D1).to_pylist()
    reasons = {r["reason"] for r in rejects}
    assert reasons == {"invalid_type: birth_date: expected date", "missing_value: customer_id",
                       "malformed_row: expected 14 fields, got 7"}
    malformed = next(r for r in rejects if r["line"] is not None)
    assert malformed["line"] == len(runs.h.read(CUSTOMERS_D1).decode().splitlines())
    assert "@" not in malformed["record"]  # the broken line's email is scrubbed
    typed = next(r for r in rejects if r["reason"].startswith("invalid_type"))
    record = json.loads(typed["record"])
    assert record["birth_date"] is None and record["name"] == "<NAME>" and re.fullmatch(r"[0-9a-f]{64}", record["email"])
    orders = runs.first.datasets["orders"]
    assert orders.reject_reasons == {"invalid_json: unexpected end of data: line 1 column 33 (char 32)": 1,
                                     "invalid_type: amount: expected decimal(12,2)": 1}
    assert orders.duplicates == 1


def test_the_latest_version_of_a_key_wins(runs: Runs) -> None:
    bronze = runs.h.table("bronze", "customers")
    bronze = bronze.filter(pc.equal(bronze.column("ingest_run_id"), runs.first.run.run_id)).to_pylist()
    by_id: dict[str, list[dict[str, object]]] = {}
    for r in bronze:
        if r["customer_id"] and r["birth_date"] != "31/02/1990":
            by_id.setdefault(str(r["customer_id"]), []).append(r)
    stale = {k: v for k, v in by_id.items() if len({str(r["updated_at"]) for r in v}) > 1}
    assert stale
    silver = {r["customer_id"]: r for r in _day(runs.h.table("silver", "customers"), D1).to_pylist()}
    for customer_id, versions in stale.items():
        latest = max(versions, key=lambda r: str(r["updated_at"]))
        assert silver[customer_id]["updated_at"].strftime("%Y-%m-%dT%H:%M:%SZ") == latest["updated_at"]
        assert silver[customer_id]["segment"] == latest["segment"]


def test_quality_reports_per_layer(runs: Runs) -> None:
    customers = runs.first.datasets["customers"]
    bronze, silver = customers.quality["bronze"], customers.quality["silver"]
    assert bronze.passed and silver.passed
    statuses = {r.name: r.status for r in bronze.results}
    assert statuses["duplicate_key_percent"] == "warn" and statuses["invalid_count(email)"] == "warn"
    assert set(bronze.scores) <= {"completeness", "validity", "consistency", "accuracy", "timeliness", "uniqueness"}
    orders = {r.name: r for r in runs.first.datasets["orders"].quality["silver"].results}
    assert orders["reference(customer_id -> customers.customer_id)"].status == "warn"
    assert orders["reference(customer_id -> customers.customer_id)"].value == 2  # the two unknown customers
    assert orders["no_future_orders"].status == "warn"  # the order dated a year ahead


def test_gold_is_the_declared_sql_over_the_days_silver(runs: Runs) -> None:
    gold = _day(runs.h.table("gold", "orders_per_segment_day"), D1)
    con = duckdb.connect()
    con.register("o", _day(runs.h.table("silver", "orders"), D1))
    con.register("c", _day(runs.h.table("silver", "customers"), D1))
    expected = con.sql("SELECT count(*), sum(o.amount) FROM o JOIN c USING (customer_id)").fetchall()[0]
    assert (sum(gold.column("orders").to_pylist()), sum(gold.column("revenue").to_pylist())) == expected
    rows = gold.drop_columns(["process_date"]).to_pylist()
    assert rows == sorted(rows, key=lambda r: (r["segment"], r["order_date"], r["orders"], r["revenue"], r["customers"]))
    value = _day(runs.h.table("gold", "customer_value"), D1)
    assert value.num_rows == runs.first.datasets["customers"].silver.rows


def test_ml_ready_features_manifest_and_files(runs: Runs) -> None:
    ml = runs.first.ml["customer_features"]
    manifest = json.loads(runs.h.read(ml.manifest_path))
    gold = _day(runs.h.table("gold", "customer_value"), D1)
    assert sum(manifest["rows"].values()) == gold.num_rows
    assert manifest["rows"]["train"] > manifest["rows"]["validation"] > 0
    table_at = open_table(ml.table.table)
    table_at.load_as_version(manifest["delta_version"])
    at_version = table_at.to_pyarrow_table()
    assert _day(at_version, D1).num_rows == gold.num_rows  # the manifest names the version holding these rows
    features = {f["column"]: f for f in manifest["features"]}
    assert features["segment"]["outputs"] == ["segment=consumer", "segment=enterprise", "segment=smb"]
    # scalers are fitted on the training rows only
    table = _day(runs.h.table("ml", "customer_features"), D1)
    train_ids = set(table.filter(pc.equal(table.column("split"), "train")).column("customer_id").to_pylist())
    train_orders = [r["orders"] for r in gold.to_pylist() if r["customer_id"] in train_ids]
    mean = sum(train_orders) / len(train_orders)
    assert features["orders"]["params"]["mean"] == pytest.approx(mean)
    assert set(table.column("split").to_pylist()) == {"train", "validation", "test"}
    for split in ("train", "validation", "test"):
        parquet = runs.h.read(ml.files[f"{split}.parquet"])
        arrow = runs.h.read(ml.files[f"{split}.arrow"])
        assert manifest["files"][f"{split}.parquet"]["sha256"] == hashlib.sha256(parquet).hexdigest()
        from_ipc = ipc.open_file(arrow).read_all()
        assert from_ipc.equals(pq.read_table(pa.BufferReader(parquet))) and from_ipc.num_rows == manifest["rows"][split]
    assert manifest["schema_hash"] and len(manifest["schema"]) == table.num_columns - 1


def test_reruns_give_the_same_hashes_and_splits(runs: Runs) -> None:
    first = _day(runs.h.table("silver", "customers"), D1)
    # the same day again: same silver rows, the partition was not even rewritten
    assert runs.again.datasets["customers"].silver.version == runs.first.datasets["customers"].silver.version
    day2 = _day(runs.h.table("silver", "customers"), D2)
    email1 = dict(zip(first.column("customer_id").to_pylist(), first.column("iban").to_pylist(), strict=True))
    email2 = dict(zip(day2.column("customer_id").to_pylist(), day2.column("iban").to_pylist(), strict=True))
    assert all(email2[k] == v for k, v in email1.items() if k in email2)  # deterministic encryption: joinable
    ml = runs.h.table("ml", "customer_features")
    split1 = dict(zip(_day(ml, D1).column("customer_id").to_pylist(), _day(ml, D1).column("split").to_pylist(), strict=True))
    split2 = dict(zip(_day(ml, D2).column("customer_id").to_pylist(), _day(ml, D2).column("split").to_pylist(), strict=True))
    assert len(split2) > len(split1) and all(split2[k] == v for k, v in split1.items())


def test_outputs_land_where_the_layout_says(runs: Runs) -> None:
    lake = runs.h.lake
    for key in ("bronze/crm/customers", "silver/crm/customers", "rejected/rows/crm/customers",
                "gold/crm/orders_per_segment_day", "ml/crm/customer_features"):
        assert is_table(lake.table(key)), key
        assert lake.storage.files(f"{key}/_delta_log"), key
    assert lake.storage.exists("ml/crm/exports/customer_features/process_date=2024-01-02/manifest.json")
    assert lake.storage.files("quarantine") == []
    assert lake.storage.files("silver/logs") == []  # the log pipeline's tables are its own


def test_every_phone_number_in_the_notes_is_scrubbed(runs: Runs) -> None:
    import phonenumbers

    silver = _day(runs.h.table("silver", "customers"), D1).to_pylist()
    left = [m.raw_string for r in silver if r["notes"] for region in ("US", "DE", "FR", "GB", "NL", "ES")
            for m in phonenumbers.PhoneNumberMatcher(r["notes"], region)]
    assert left == []
