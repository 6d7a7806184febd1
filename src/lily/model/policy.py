"""Desired (and applied) policy state per target object: what the outbound planner reconciles.

A *target object* is one table/view in one target system (Snowflake, Databricks, PostgreSQL) or,
for webhooks, one dataset whose policy changes are announced to subscribers. Its ``ObjectPolicy`` is
a value: two states are equal exactly when nothing needs to be done, which is what makes re-planning a
converged object yield an empty diff.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class TargetKind(StrEnum):
    SNOWFLAKE = "snowflake"
    DATABRICKS = "databricks"
    POSTGRES = "postgres"
    WEBHOOK = "webhook"


WAREHOUSE_TARGETS: tuple[TargetKind, ...] = (TargetKind.SNOWFLAKE, TargetKind.DATABRICKS, TargetKind.POSTGRES)


class MaskStrategy(StrEnum):
    FULL = "full"  # constant '****' for strings, NULL otherwise
    PARTIAL = "partial"  # keep the last 4 characters
    HASH = "hash"  # SHA-256 hex of the value (joinable, not readable)
    NULL = "null"  # NULL


# Most revealing first; when several rules mask one column the most restrictive strategy wins.
MASK_STRICTNESS: dict[MaskStrategy, int] = {
    MaskStrategy.PARTIAL: 1,
    MaskStrategy.HASH: 2,
    MaskStrategy.FULL: 3,
    MaskStrategy.NULL: 4,
}


class ObjectKey(BaseModel):
    """Which object in which system: ``namespace`` + dotted ``name`` as in OpenLineage naming."""

    model_config = ConfigDict(frozen=True)

    target: TargetKind
    namespace: str
    name: str  # e.g. "ANALYTICS.PUBLIC.DIM_USERS", "main.sales.orders", "shop.public.users"

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(self.name.split("."))

    def __str__(self) -> str:
        return f"{self.target.value}:{self.namespace.rstrip('/')}/{self.name}"


class ColumnMask(BaseModel):
    """How one column is shown. ``strategy=None`` masks nobody (only ``denied_roles`` see NULL)."""

    model_config = ConfigDict(frozen=True)

    strategy: MaskStrategy | None = None
    exempt_roles: frozenset[str] = frozenset()  # see the raw value
    denied_roles: frozenset[str] = frozenset()  # see NULL whatever the strategy (deny on a column)
    data_type: str | None = None  # the column's type, when known (mask functions are typed)


class RowFilter(BaseModel):
    """Rows a role may see: ``allowed_roles`` see all rows, others only rows matching the predicate.

    The predicate is either ``column`` IN ``values`` (rendered and quoted per target) or a SQL boolean
    ``expression`` over ``columns`` (validated when the rule was saved).
    """

    model_config = ConfigDict(frozen=True)

    column: str | None = None
    values: tuple[str, ...] = ()
    expression: str | None = None
    columns: tuple[str, ...] = ()  # columns the predicate reads (policy/function arguments)
    allowed_roles: frozenset[str] = frozenset()


class ObjectPolicy(BaseModel):
    """Desired or applied policy state of one target object."""

    model_config = ConfigDict(frozen=True)

    key: ObjectKey
    columns: tuple[str, ...] = ()  # every column, in table order (views are rebuilt from it)
    column_types: dict[str, str] = Field(default_factory=dict)
    table_tags: frozenset[str] = frozenset()
    column_tags: frozenset[tuple[str, str]] = frozenset()  # (column, tag)
    masks: dict[str, ColumnMask] = Field(default_factory=dict)  # column -> mask
    row_filters: tuple[RowFilter, ...] = ()  # all must hold (AND); sorted for a stable value
    revoked_roles: frozenset[str] = frozenset()  # table-level deny (SELECT revoked)
    notify: frozenset[str] = frozenset()  # webhook subscriber names

    @property
    def is_empty(self) -> bool:
        """No governance at all on this object (a removed policy converges to this)."""
        return not (self.table_tags or self.column_tags or self.masks or self.row_filters
                    or self.revoked_roles or self.notify)

    @classmethod
    def empty(cls, key: ObjectKey) -> ObjectPolicy:
        return cls(key=key)
