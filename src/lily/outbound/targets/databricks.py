"""Databricks Unity Catalog: tags, column masks, row filters, grants.

* Identifiers are backtick-quoted exactly as named (embedded backticks doubled); principals
  (account groups) too. String literals escape quotes and backslashes with a backslash (in Spark SQL
  ``'a''b'`` means ``'a' 'b'`` = ``ab``).
* Classification ``PII.email`` becomes tag key ``PII_email`` (keys may not contain ``. , - = / :``)
  with value ``'PII.email'``.
* Column masks are SQL UDFs in ``function_schema`` named by a hash of their content
  (``CREATE OR REPLACE FUNCTION`` is idempotent), attached with ``ALTER COLUMN … SET MASK``; a role
  check is ``is_account_group_member('group')``. Row filters likewise, one per table
  (``SET ROW FILTER`` replaces the previous one). Functions are never dropped (shared by content).
* No column privileges in Unity Catalog: table deny is ``REVOKE SELECT``, column deny is a mask
  returning NULL for the denied groups.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from lily.model.policy import ColumnMask, MaskStrategy, RowFilter, TargetKind
from lily.outbound.plan import PolicyDiff
from lily.outbound.targets.base import (
    Statement,
    Target,
    is_string_type,
    literal_spark,
    quote_backtick,
    spec_hash,
    tag_key,
)

q = quote_backtick
lit = literal_spark


def qualified(parts: tuple[str, ...] | list[str]) -> str:
    return ".".join(q(p) for p in parts)


def _db_type(data_type: str | None) -> str:
    return "STRING" if is_string_type(data_type) else (data_type or "STRING").upper()


def _groups(groups: frozenset[str]) -> str:
    return " OR ".join(f"is_account_group_member({lit(g)})" for g in sorted(groups))


def masked_value(strategy: MaskStrategy, arg: str, data_type: str | None) -> str:
    if strategy == MaskStrategy.NULL or not is_string_type(data_type):
        return "NULL"
    if strategy == MaskStrategy.FULL:
        return "'****'"
    if strategy == MaskStrategy.HASH:
        return f"sha2({arg}, 256)"
    return f"concat(repeat('*', greatest(length({arg}) - 4, 0)), right({arg}, 4))"


def mask_body(m: ColumnMask, arg: str = "val") -> str:
    whens = []
    if m.denied_roles:
        whens.append(f"WHEN {_groups(m.denied_roles)} THEN NULL")
    if m.strategy is None:
        return f"CASE {' '.join(whens)} ELSE {arg} END"
    if m.exempt_roles:
        whens.append(f"WHEN {_groups(m.exempt_roles)} THEN {arg}")
    masked = masked_value(m.strategy, arg, m.data_type)
    return f"CASE {' '.join(whens)} ELSE {masked} END" if whens else masked


class DatabricksTarget(Target):
    kind: ClassVar[TargetKind] = TargetKind.DATABRICKS
    dialect: ClassVar[str | None] = "databricks"

    def __init__(self, function_schema: str = "main.lily_governance",
                 connect_params: Mapping[str, Any] | None = None):
        """``function_schema``: ``catalog.schema`` where Lily creates mask and row-filter functions."""
        self.function_schema = tuple(function_schema.split("."))
        self.connect_params = dict(connect_params or {})

    def mask_function(self, m: ColumnMask) -> str:
        return qualified((*self.function_schema, f"lily_mask_{spec_hash('dbx', m)}"))

    def row_filter_function(self, filters: tuple[RowFilter, ...]) -> str:
        return qualified((*self.function_schema, f"lily_rows_{spec_hash('dbx', filters)}"))

    def render(self, diff: PolicyDiff) -> list[Statement]:
        key = diff.key
        table = qualified(key.parts)
        out: list[Statement] = []

        def add(kind: str, sql: str) -> None:
            out.append(Statement(kind, sql, key))

        for col, tags in _by_column(diff.tags_set):
            pairs = ", ".join(f"{lit(tag_key(t))} = {lit(t)}" for t in tags)
            if col is None:
                add("set_table_tags", f"ALTER TABLE {table} SET TAGS ({pairs})")
            else:
                add("set_column_tags", f"ALTER TABLE {table} ALTER COLUMN {q(col)} SET TAGS ({pairs})")
        for col, tags in _by_column(diff.tags_unset):
            keys = ", ".join(lit(tag_key(t)) for t in tags)
            if col is None:
                add("unset_table_tags", f"ALTER TABLE {table} UNSET TAGS ({keys})")
            else:
                add("unset_column_tags", f"ALTER TABLE {table} ALTER COLUMN {q(col)} UNSET TAGS ({keys})")
        for col, m in sorted((diff.masks_set or {}).items()):
            t = _db_type(m.data_type)
            fn = self.mask_function(m)
            add("create_mask_function", f"CREATE OR REPLACE FUNCTION {fn}(val {t}) RETURNS {t} "
                                        f"RETURN {mask_body(m)}")
            add("set_mask", f"ALTER TABLE {table} ALTER COLUMN {q(col)} SET MASK {fn}")
        for col in sorted(diff.masks_dropped):
            add("drop_mask", f"ALTER TABLE {table} ALTER COLUMN {q(col)} DROP MASK")
        if diff.row_filters_changed:
            if diff.row_filters_set:
                out.extend(self._row_filter(diff, table))
            else:
                add("drop_row_filter", f"ALTER TABLE {table} DROP ROW FILTER")
        for group in sorted(diff.revokes):
            add("revoke", f"REVOKE SELECT ON TABLE {table} FROM {q(group)}")
        for group in sorted(diff.grants):
            add("grant", f"GRANT SELECT ON TABLE {table} TO {q(group)}")
        return out

    def _row_filter(self, diff: PolicyDiff, table: str) -> list[Statement]:
        filters = diff.row_filters_set
        types = diff.after.column_types
        cols = list(dict.fromkeys(c for f in filters for c in f.columns))
        # Parameters are named like the columns: Spark resolves identifiers case-insensitively, so a
        # person's expression written against column names works unchanged in the function body.
        params = ", ".join(f"{q(c)} {_db_type(types.get(c))}" for c in cols)
        clauses = []
        for f in filters:
            pred = f.expression if f.expression is not None else \
                f"{q(f.column or '')} IN ({', '.join(lit(v) for v in f.values)})"
            clauses.append(f"({_groups(f.allowed_roles)} OR ({pred}))" if f.allowed_roles else f"({pred})")
        fn = self.row_filter_function(filters)
        return [
            Statement("create_row_filter_function", f"CREATE OR REPLACE FUNCTION {fn}({params}) RETURNS BOOLEAN "
                                                    f"RETURN {' AND '.join(clauses)}", diff.key),
            Statement("set_row_filter", f"ALTER TABLE {table} SET ROW FILTER {fn} ON "
                                        f"({', '.join(q(c) for c in cols)})", diff.key),
        ]

    def connect(self) -> Any:
        """A connection through the official ``databricks-sql-connector`` (imported only when configured)."""
        from databricks import sql  # type: ignore[import-not-found]

        return sql.connect(**self.connect_params)


def _by_column(refs: frozenset[tuple[str | None, str]]) -> list[tuple[str | None, list[str]]]:
    grouped: dict[str | None, list[str]] = {}
    for col, tag in refs:
        grouped.setdefault(col, []).append(tag)
    return [(c, sorted(grouped[c])) for c in sorted(grouped, key=lambda c: (c is not None, c or ""))]
