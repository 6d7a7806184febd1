from __future__ import annotations

import copy
from typing import Any

import pytest

from lily.inbound.sources import generic
from lily.inbound.sources.base import ParseError
from lily.model import AddClassification, AssetRef, AssetType, ClassificationSource, DeleteAsset, UpsertAsset


def event(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "event_id": "evt-1",
        "event_type": "asset.created",
        "timestamp": "2024-05-01T12:00:00Z",
        "source": "postgres-crawler",
        "tenant_id": "acme",
        "payload": {
            "asset_id": "postgres://db.prod:5432/shop.public.users",
            "asset_type": "table",
            "metadata": {
                "description": "Users",
                "owners": ["alice@example.com", {"name": "team-data", "type": "TEAM"}],
                "columns": ["id", {"name": "email", "type": "text", "description": "login"}],
                "tags": ["PII.email"],
                "row_count": 12,
            },
        },
    }
    base.update(overrides)
    return base


def test_created_maps_to_upsert_and_classifications() -> None:
    upsert, tag = generic.parse(event())
    ref = AssetRef(namespace="postgres://db.prod:5432", name="shop.public.users")
    assert isinstance(upsert, UpsertAsset) and upsert.ref == ref and upsert.type is AssetType.TABLE
    assert upsert.description == "Users"
    assert [(o.name, o.type) for o in upsert.owners or []] == [
        ("alice@example.com", None),
        ("team-data", "TEAM"),
    ]
    assert [(c.name, c.data_type, c.description) for c in upsert.columns or []] == [
        ("id", None, None),
        ("email", "text", "login"),
    ]
    assert upsert.attributes == {"row_count": 12}
    assert tag == AddClassification(ref=ref, tag="PII.email", source=ClassificationSource.IMPORTED)


def test_columns_keep_the_order_they_are_listed_in_unless_they_give_their_own() -> None:
    columns = ["z", {"name": "a", "type": "int"}, {"name": "m", "ordinal_position": 7}, {"name": "b", "ordinal": 1}]
    payload = {**event()["payload"], "metadata": {"columns": columns}}
    (upsert,) = generic.parse(event(payload=payload))
    assert [(c.name, c.ordinal) for c in upsert.columns or []] == [("z", 0), ("a", 1), ("m", 7), ("b", 1)]


@pytest.mark.parametrize(
    "event_type", ["asset.updated", "ASSET_UPDATED", "asset.upserted", "metadata.updated"]
)
def test_update_types(event_type: str) -> None:
    assert isinstance(generic.parse(event(event_type=event_type))[0], UpsertAsset)


@pytest.mark.parametrize("event_type", ["asset.deleted", "asset.removed"])
def test_deleted(event_type: str) -> None:
    payload = event(event_type=event_type)
    del payload["payload"]["asset_type"]
    assert generic.parse(payload) == [
        DeleteAsset(ref=AssetRef(namespace="postgres://db.prod:5432", name="shop.public.users"))
    ]


@pytest.mark.parametrize(
    ("asset_id", "ref"),
    [
        ("s3://lake/exports/users", AssetRef(namespace="s3://lake", name="exports/users")),
        ("snowflake://org-acct/ANALYTICS.PUBLIC.DIM_USERS#EMAIL",
         AssetRef(namespace="snowflake://org-acct", name="ANALYTICS.PUBLIC.DIM_USERS", field="EMAIL")),
        ("warehouse/analytics.users", AssetRef(namespace="warehouse", name="analytics.users")),
        ("file/tmp/a/b", AssetRef(namespace="file", name="tmp/a/b")),
        ("users", AssetRef(namespace="postgres-crawler", name="users")),
    ],
)  # fmt: skip
def test_asset_id_forms(asset_id: str, ref: AssetRef) -> None:
    assert generic.parse_asset_id(asset_id, "postgres-crawler") == ref
    if "://" in asset_id:  # URIs are exactly the inverse of AssetRef.qualified_name
        assert generic.parse_asset_id(ref.qualified_name, "x") == ref


@pytest.mark.parametrize(
    ("mutate", "path", "message"),
    [
        (lambda e: e.update(extra_field=1), "extra_field", "unknown field"),
        (lambda e: e.pop("event_id"), "event_id", "Field required"),
        (lambda e: e.update(event_type="asset.exploded"), "event_type", "unsupported event_type"),
        (lambda e: e.update(timestamp="soon"), "timestamp", "datetime"),
        (lambda e: e["payload"].update(asset_type="spaceship"), "payload.asset_type", "Input should be"),
        (lambda e: e["payload"].pop("asset_type"), "payload.asset_type", "is required for asset.created"),
        (lambda e: e["payload"].update(asset_id="s3:///"), "payload.asset_id", "cannot derive"),
        (lambda e: e["payload"]["metadata"].update(tags="PII"), "payload.metadata.tags", "array"),
        (
            lambda e: e["payload"]["metadata"].update(owners=[{"type": "x"}]),
            "payload.metadata.owners",
            "required",
        ),
        (
            lambda e: e["payload"]["metadata"].update(columns=[{"type": "int"}]),
            "payload.metadata.columns[0]",
            "name",
        ),
    ],
)
def test_strict_validation_errors(mutate: Any, path: str, message: str) -> None:
    payload = copy.deepcopy(event())
    mutate(payload)
    with pytest.raises(ParseError) as info:
        generic.parse(payload)
    assert info.value.path == path
    assert message in str(info.value)


def test_validate_exposes_tenant_and_naive_time_is_utc() -> None:
    validated = generic.validate(event(timestamp="2024-05-01T12:00:00"))
    assert validated.tenant_id == "acme"
    assert (
        validated.timestamp.utcoffset() is not None and validated.timestamp.utcoffset().total_seconds() == 0
    )  # type: ignore[union-attr]


def test_idempotency_key_is_source_and_event_id() -> None:
    key = generic.idempotency_key(event())
    assert key == generic.idempotency_key(event(timestamp="2030-01-01T00:00:00Z"))
    assert key != generic.idempotency_key(event(event_id="evt-2"))
    assert key != generic.idempotency_key(event(source="other"))
    with pytest.raises(ParseError, match="event_id"):
        generic.idempotency_key({})
    assert generic.split([event(), event()]) == [event(), event()]
