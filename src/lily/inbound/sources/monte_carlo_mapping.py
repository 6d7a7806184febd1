"""How tables named by Monte Carlo map onto Lily assets.

Monte Carlo names a table by warehouse (uuid, sometimes a name) and a full table id such as
``project:dataset.table`` (BigQuery) or ``database:schema.table`` (Snowflake), or only a bare
``table_name`` in abbreviated payloads. Lily names datasets the OpenLineage way
(``namespace`` + ``name``). Explicit table rules win; otherwise a warehouse rule gives the namespace
and the id becomes the dotted name (``project:dataset.table`` → ``project.dataset.table``).
Anything still unmatched is reported as unresolved by the parser, never dropped.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from lily.inbound.sources.base import nonblank
from lily.model.identity import AssetRef


@dataclass(frozen=True)
class TableReference:
    """A table as Monte Carlo names it in one payload."""

    full_table_id: str | None = None
    table_name: str | None = None
    warehouse: str | None = None  # warehouse uuid
    warehouse_name: str | None = None
    mcon: str | None = None

    @classmethod
    def from_event(cls, item: dict[str, Any]) -> TableReference | None:
        def text(*keys: str) -> str | None:  # the first of ``keys`` with a non-blank value, stripped
            return next((value.strip() for key in keys if (value := nonblank(item.get(key)))), None)

        mcon = text("mcon")
        full_table_id = text("full_table_id", "table_id")
        warehouse = text("warehouse_uuid", "warehouse_id", "resource_id")
        if mcon and mcon.startswith("MCON++"):
            # MCON++<account>++<warehouse>++table++<full_table_id>
            parts = mcon.split("++")
            if len(parts) >= 5 and parts[3] == "table":
                warehouse = warehouse or parts[2]
                full_table_id = full_table_id or "++".join(parts[4:])
        table_name = text("table_name")
        if not (full_table_id or table_name):
            return None
        return cls(full_table_id, table_name, warehouse, text("warehouse_name"), mcon)

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in asdict(self).items() if v is not None}


class TableRule(BaseModel):
    """An explicit mapping: this Monte Carlo table (optionally in this warehouse) is that asset."""

    model_config = ConfigDict(extra="forbid")

    table: str  # full table id or table name, as Monte Carlo sends it (case-insensitive)
    warehouse: str | None = None  # uuid or name; None matches any warehouse
    ref: AssetRef


class WarehouseRule(BaseModel):
    """All tables of one warehouse live in one Lily namespace, e.g. ``bigquery`` or ``snowflake://acct``."""

    model_config = ConfigDict(extra="forbid")

    warehouse: str  # uuid or name
    namespace: str
    case: Literal["preserve", "upper", "lower"] = "preserve"  # Snowflake names are upper-case


class MonteCarloMapping(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tables: list[TableRule] = Field(default_factory=list)
    warehouses: list[WarehouseRule] = Field(default_factory=list)
    # Namespace for qualified ids whose warehouse has no rule; None leaves them unresolved.
    default_namespace: str | None = None

    def resolve(self, reference: TableReference) -> AssetRef | None:
        names = {n.lower() for n in (reference.full_table_id, reference.table_name) if n}
        warehouses = {w.lower() for w in (reference.warehouse, reference.warehouse_name) if w}
        for rule in self.tables:
            if rule.table.lower() in names and (
                rule.warehouse is None or rule.warehouse.lower() in warehouses
            ):
                return rule.ref
        full = reference.full_table_id or reference.table_name or ""
        # A bare table name is not an identity (which database? which schema?): explicit rules only.
        if ":" not in full and "." not in full:
            return None
        warehouse_rule = next((w for w in self.warehouses if w.warehouse.lower() in warehouses), None)
        namespace = warehouse_rule.namespace if warehouse_rule else self.default_namespace
        if namespace is None:
            return None
        name = full.replace(":", ".", 1)
        case = warehouse_rule.case if warehouse_rule else "preserve"
        name = name.upper() if case == "upper" else name.lower() if case == "lower" else name
        return AssetRef(namespace=namespace, name=name)


class MonteCarloOptions(BaseModel):
    """A tenant's Monte Carlo options as stored (the source's ``config``): its table mapping."""

    mapping: MonteCarloMapping = Field(default_factory=MonteCarloMapping)

    @field_validator("mapping", mode="before")
    @classmethod
    def _absent(cls, value: Any) -> Any:
        return {} if value is None else value
