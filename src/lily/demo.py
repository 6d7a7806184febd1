"""The Delta Arc demo catalog: PostgreSQL -> S3 parquet exports -> Snowflake -> Looker.

Built as one ChangeSet through the normal apply path, so the demo exercises the same code as any
producer, and loading it twice changes nothing. Beside it, one data contract (ODCS) for the users
export, registered through the contracts' own import (linted like any contract file), so the
contracts pages have something to show.
"""

from __future__ import annotations

from typing import Any

from lily.model import (
    AddClassification,
    AddLineage,
    AssetRef,
    AssetType,
    ChangeSet,
    ColumnSpec,
    MetadataEvent,
    Owner,
    TransformationType,
    UpsertAsset,
)

PG = "postgres://db.deltaarc.internal:5432"
S3 = "s3://delta-arc-lake"
SF = "snowflake://deltaarc-prod"
LOOKER = "looker://deltaarc.looker.com"
ETL = "airflow://deltaarc"

PG_TABLES: dict[str, list[tuple[str, str]]] = {
    "users": [("id", "bigint"), ("email", "varchar"), ("full_name", "varchar"), ("phone", "varchar"),
              ("date_of_birth", "date"), ("country", "char(2)"), ("created_at", "timestamptz")],
    "accounts": [("id", "bigint"), ("user_id", "bigint"), ("iban", "varchar"), ("account_type", "varchar"),
                 ("balance", "numeric(18,2)"), ("opened_at", "timestamptz")],
    "transactions": [("id", "bigint"), ("account_id", "bigint"), ("amount", "numeric(18,2)"),
                     ("currency", "char(3)"), ("merchant", "varchar"), ("card_number", "varchar"),
                     ("created_at", "timestamptz")],
}
# Snowflake model -> (source table, {target column: source column or None for derived})
SF_TABLES: dict[str, tuple[str, dict[str, str | None]]] = {
    "DIM_USERS": ("users", {"USER_ID": "id", "EMAIL": "email", "FULL_NAME": "full_name", "PHONE": "phone",
                            "COUNTRY": "country", "SIGNUP_DATE": "created_at"}),
    "DIM_ACCOUNTS": ("accounts", {"ACCOUNT_ID": "id", "USER_ID": "user_id", "IBAN": "iban",
                                  "ACCOUNT_TYPE": "account_type", "BALANCE": "balance"}),
    "FACT_TRANSACTIONS": ("transactions", {"TRANSACTION_ID": "id", "ACCOUNT_ID": "account_id",
                                           "AMOUNT": "amount", "CURRENCY": "currency", "MERCHANT": "merchant",
                                           "CARD_LAST4": "card_number", "TRANSACTION_DATE": "created_at"}),
}
PII = {("users", "email"): "PII.email", ("users", "phone"): "PII.phone", ("users", "full_name"): "PII.name",
       ("users", "date_of_birth"): "PII.date_of_birth", ("accounts", "iban"): "PII.iban",
       ("transactions", "card_number"): "PCI.card_number"}


def pg(table: str) -> AssetRef:
    return AssetRef(namespace=PG, name=f"shop.public.{table}")


def s3(table: str) -> AssetRef:
    return AssetRef(namespace=S3, name=f"exports/{table}")


def sf(table: str) -> AssetRef:
    return AssetRef(namespace=SF, name=f"ANALYTICS.PUBLIC.{table}")


def demo_operations() -> list[MetadataEvent]:
    ops: list[MetadataEvent] = []
    eng, analytics = Owner(name="data-platform@deltaarc.com", type="team"), Owner(name="analytics@deltaarc.com",
                                                                                   type="team")
    ops.append(UpsertAsset(ref=AssetRef(namespace=PG, name="shop"), type=AssetType.DATABASE,
                           description="Production OLTP database of the Delta Arc app", owners=[eng]))
    ops.append(UpsertAsset(ref=AssetRef(namespace=S3, name="delta-arc-lake"), type=AssetType.S3_BUCKET,
                           description="Data lake bucket: parquet exports of production tables", owners=[eng]))
    for table, cols in PG_TABLES.items():
        ops.append(UpsertAsset(
            ref=pg(table), type=AssetType.TABLE, parent=AssetRef(namespace=PG, name="shop"), owners=[eng],
            description=f"Production `{table}` table", attributes={"rows_estimate": 1_000_000},
            columns=[ColumnSpec(name=c, data_type=t, ordinal=i) for i, (c, t) in enumerate(cols)]))
        ops.append(UpsertAsset(
            ref=s3(table), type=AssetType.DATASET, parent=AssetRef(namespace=S3, name="delta-arc-lake"),
            owners=[eng], description=f"Nightly parquet export of `{table}` (s3://delta-arc-lake/exports/{table}/)",
            attributes={"format": "parquet", "partitioned_by": ["export_date"]},
            columns=[ColumnSpec(name=c, data_type=t, ordinal=i) for i, (c, t) in enumerate(cols)]))
        export_job = AssetRef(namespace=ETL, name=f"export_{table}_to_s3")
        ops.append(UpsertAsset(ref=export_job, type=AssetType.JOB, owners=[eng],
                               description=f"Exports {table} to S3 as parquet"))
        ops.append(AddLineage(source=pg(table), target=s3(table), job=export_job))
        for col, _ in cols:
            ops.append(AddLineage(source=pg(table).column(col), target=s3(table).column(col), job=export_job,
                                  transformation_subtype="IDENTITY"))
    for model, (src, mapping) in SF_TABLES.items():
        load_job = AssetRef(namespace=ETL, name=f"load_{model.lower()}")
        ops.append(UpsertAsset(ref=load_job, type=AssetType.JOB, owners=[analytics],
                               description=f"Loads {model} in Snowflake from the S3 export"))
        ops.append(UpsertAsset(
            ref=sf(model), type=AssetType.TABLE, owners=[analytics], description=f"Snowflake model {model}",
            columns=[ColumnSpec(name=c, ordinal=i) for i, c in enumerate(mapping)]))
        ops.append(AddLineage(source=s3(src), target=sf(model), job=load_job))
        for target_col, source_col in mapping.items():
            if source_col:
                subtype = "TRANSFORMATION" if target_col == "CARD_LAST4" else "IDENTITY"
                ops.append(AddLineage(source=s3(src).column(source_col), target=sf(model).column(target_col),
                                      job=load_job, transformation_subtype=subtype,
                                      masking=target_col == "CARD_LAST4"))
    dashboard = AssetRef(namespace=LOOKER, name="dashboards/customer_360")
    ops.append(UpsertAsset(ref=dashboard, type=AssetType.DASHBOARD, owners=[analytics],
                           display_name="Customer 360", description="Looker dashboard: customers, accounts, spend"))
    for model in SF_TABLES:
        ops.append(AddLineage(source=sf(model), target=dashboard, transformation_type=TransformationType.INDIRECT))
    for field in ("EMAIL", "COUNTRY", "SIGNUP_DATE"):
        ops.append(AddLineage(source=sf("DIM_USERS").column(field), target=dashboard))
    for field in ("AMOUNT", "MERCHANT"):
        ops.append(AddLineage(source=sf("FACT_TRANSACTIONS").column(field), target=dashboard))
    for (table, col), tag in PII.items():
        ops.append(AddClassification(ref=pg(table).column(col), tag=tag))
    ops.append(AddClassification(ref=pg("users"), tag="GDPR.personal"))
    return ops


def demo_changeset(tenant_id: str, actor: str = "system:demo") -> ChangeSet:
    return ChangeSet(tenant_id=tenant_id, actor=actor, operations=demo_operations(), correlation_id="demo-load")


def demo_contract() -> dict[str, Any]:
    """The users export's contract: its columns as the export declares them, the PII ones restricted."""
    types = {"bigint": "integer", "date": "date", "timestamptz": "timestamp"}
    properties: list[dict[str, Any]] = []
    for name, physical in PG_TABLES["users"]:
        prop: dict[str, Any] = {"name": name, "logicalType": types.get(physical, "string"), "physicalType": physical}
        if name in ("id", "email"):
            prop["required"] = True
        if name == "id":
            prop["unique"] = True
        if ("users", name) in PII:
            prop["classification"] = "restricted"
        properties.append(prop)
    return {
        "apiVersion": "v3.1.0", "kind": "DataContract", "id": "users-export", "version": "1.0.0",
        "status": "active", "description": {"purpose": "Nightly parquet export of the production users table"},
        "servers": [{"server": "lake", "type": "s3", "location": f"{S3}/exports/users/"}],
        "schema": [{"name": "users", "physicalType": "table", "properties": properties}],
        "team": {"name": "data-platform", "members": [{"username": "data-platform@deltaarc.com", "role": "owner"}]},
        "support": [{"channel": "#data-platform", "tool": "slack"}],
    }


def load(store: Any, tenant_id: str, actor: str = "system:demo") -> int:
    """Load the demo into ``tenant_id`` (a ``lily.store.Store``): the catalog, then the contract;
    returns the number of catalog changes."""
    from lily.contracts.service import import_contract

    result = store.apply(demo_changeset(tenant_id, actor))
    import_contract(store, tenant_id, demo_contract(), actor=actor)
    return len(result.changes)
