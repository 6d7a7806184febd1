from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lily.model import AssetRef, AssetType, ChangeSet, ColumnSpec, MetadataEvent, UpsertAsset
from lily.store import Store
from lily.store.accounts import create_tenant

T0 = datetime(2025, 1, 2, 6, 0, tzinfo=UTC)
S3 = "s3://atlan-tech-challenge"
USERS = AssetRef(namespace=S3, name="exports/users")


def contract_doc(path: Path | None = None, **overrides: object) -> dict:
    doc = {
        "apiVersion": "v3.1.0", "kind": "DataContract", "id": "users-export", "version": "1.0.0", "status": "active",
        "name": "users export",
        "servers": [{"server": "lake", "type": "local", "path": str(path), "format": "parquet"} if path else
                    {"server": "lake", "type": "s3", "location": f"{S3}/exports/users/"}],
        "customProperties": [{"property": "lilyDataset", "value": {"namespace": S3, "name": "exports/users"}}],
        "schema": [{"name": "users", "physicalName": "users", "logicalType": "object", "properties": [
            {"name": "id", "logicalType": "integer", "required": True, "unique": True},
            {"name": "email", "logicalType": "string", "required": True, "classification": "restricted",
             "quality": [{"metric": "invalidValues", "arguments": {"pattern": "^[^@]+@[^@]+$"}, "mustBe": 0}]},
            {"name": "country", "logicalType": "string",
             "quality": [{"metric": "invalidValues", "arguments": {"validValues": ["DE", "FR", "US"]}, "mustBe": 0}]},
        ], "quality": [{"metric": "rowCount", "mustBeGreaterThan": 0}]}],
        "slaProperties": [{"property": "freshness", "value": 1, "unit": "d", "element": "users"}],
        "team": {"name": "data-platform", "members": [{"username": "ana@deltaarc.example", "role": "owner"}]},
        "support": [{"channel": "#data-platform", "tool": "slack"}],
        "x-vendor-extension": {"kept": [1, 2, {"deep": True}]},
    }
    doc.update(overrides)
    return doc


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    s = Store.from_url(database_url)
    with s.write() as conn:
        create_tenant(conn, "acme", "Acme", T0)
    yield s
    s.dispose()


def apply(store: Store, *ops: MetadataEvent, at: datetime = T0) -> None:
    store.apply(ChangeSet(tenant_id="acme", actor="test", operations=list(ops), at=at))


def users_dataset(store: Store, cols: dict[str, str], *, at: datetime = T0, last_modified: str | None = None) -> None:
    attrs = {"last_modified": last_modified} if last_modified else {}
    apply(store, UpsertAsset(ref=USERS, type=AssetType.DATASET, attributes=attrs,
                             columns=[ColumnSpec(name=k, data_type=v) for k, v in cols.items()], replace_columns=True),
          at=at)


def write_partition(root: Path, day: str, rows: list[dict]) -> None:
    d = root / f"export_date={day}"
    d.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows), d / "part-0.parquet")
from tests.api.conftest import env  # noqa: E402, F401  (the API fixture, for test_api.py)
