"""Which catalog dataset a contract's schema object governs, from the contract's own servers.

OpenLineage naming, as the event sources and connectors name datasets: S3 ``s3://<bucket>`` +
the key prefix; PostgreSQL ``postgres://host:port`` + ``database.schema.table``; Snowflake
``snowflake://<account>`` + ``DATABASE.SCHEMA.TABLE``; a local path ``file://`` + the path. A
``customProperties`` entry ``lilyDataset: {namespace, name}`` on the schema object (or the
contract, for a one-object contract) names it outright.
"""

from __future__ import annotations

from typing import Any

from lily.contracts.odcs import Contract, SchemaObject
from lily.model import AssetRef


def _custom(raw: dict[str, Any], name: str) -> Any:
    for item in raw.get("customProperties") or []:
        if isinstance(item, dict) and item.get("property") == name:
            return item.get("value")
    return None


def _explicit(value: Any) -> AssetRef | None:
    if isinstance(value, dict) and value.get("namespace") and value.get("name") is not None:
        return AssetRef(namespace=str(value["namespace"]), name=str(value["name"]))
    return None


def s3_location(location: str) -> tuple[str, str]:
    """``s3://bucket/prefix/*.parquet`` → (bucket, prefix without wildcards or trailing slash)."""
    rest = location.split("://", 1)[1] if "://" in location else location
    bucket, _, key = rest.partition("/")
    parts = []
    for part in key.split("/"):
        if any(c in part for c in "*?[{"):
            break
        parts.append(part)
    return bucket, "/".join(p for p in parts if p)


def dataset_of(contract: Contract, obj: SchemaObject) -> AssetRef | None:
    explicit = _explicit(_custom(obj.raw, "lilyDataset"))
    if explicit is None and len(contract.schema()) == 1:
        explicit = _explicit(contract.custom("lilyDataset"))
    if explicit is not None:
        return explicit
    for server in contract.servers():
        kind = str(server.get("type") or "").lower()
        table = obj.physical_name
        if kind == "s3" and server.get("location"):
            bucket, prefix = s3_location(str(server["location"]))
            name = prefix if len(contract.schema()) == 1 else f"{prefix}/{table}".strip("/")
            return AssetRef(namespace=f"s3://{bucket}", name=name)
        if kind in ("postgres", "postgresql") and server.get("host"):
            ns = f"postgres://{server['host']}:{server.get('port', 5432)}"
            return AssetRef(namespace=ns, name=".".join(str(p) for p in (server.get("database"), server.get("schema"),
                                                                          table) if p))
        if kind == "snowflake" and server.get("account"):
            parts = [server.get("database"), server.get("schema"), table]
            return AssetRef(namespace=f"snowflake://{server['account']}",
                            name=".".join(str(p).upper() for p in parts if p))
        if kind == "local" and server.get("path"):
            return AssetRef(namespace="file://", name=str(server["path"]))
    return None


def datasets(contract: Contract) -> list[tuple[SchemaObject, AssetRef | None]]:
    return [(obj, dataset_of(contract, obj)) for obj in contract.schema()]
