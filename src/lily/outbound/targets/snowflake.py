"""Snowflake: object tags, masking policies, row access policies, table grants.

Rendering choices:

* Identifiers are always double-quoted exactly as named (embedded ``"`` doubled), so names with
  spaces, quotes or mixed case work; names arriving from OpenLineage are already in Snowflake's stored
  case (usually upper). Role names are used exactly as given too, both in ``ROLE "X"`` and in
  ``IS_ROLE_IN_SESSION('X')`` — give them as Snowflake stores them.
* Classification ``PII.email`` becomes tag ``<tag_schema>."PII_EMAIL"`` with value ``'PII.email'``
  (tag names are identifiers; the value keeps the exact classification).
* Masking policies are per column (``ALTER TABLE … MODIFY COLUMN … SET MASKING POLICY … FORCE``), named
  by a hash of their content (strategy, exempt/denied roles, type) so ``CREATE … IF NOT EXISTS`` is
  idempotent and identical specs share one policy. Tag-based masking (``ALTER TAG … SET MASKING
  POLICY``) is offered by :func:`render_tag_masking` for accounts that want it, but is not used by
  ``render``: a policy attached to a tag masks *every* column carrying the tag account-wide, which
  cannot express rule conditions such as namespace or asset scope. Policies are never dropped
  (other columns may share them); unused ones are harmless.
* Row access policies: one per table (Snowflake allows one); several filters are ANDed in its body;
  a change swaps policies atomically (``DROP …, ADD …`` in one ALTER).
* Snowflake has no column privileges: table-level deny is ``REVOKE SELECT ON TABLE``, column-level
  deny is a mask returning NULL for the denied roles.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from lily.model.policy import ColumnMask, MaskStrategy, ObjectKey, RowFilter, TargetKind
from lily.outbound.plan import PolicyDiff
from lily.outbound.targets.base import (
    Statement,
    Target,
    base_type,
    is_string_type,
    literal_backslash,
    quote_double,
    simple_ident,
    spec_hash,
    tag_key,
)

q = quote_double
lit = literal_backslash


def qualified(parts: tuple[str, ...] | list[str]) -> str:
    return ".".join(q(p) for p in parts)


def _sf_type(data_type: str | None) -> str:
    if is_string_type(data_type):
        return "VARCHAR"
    return (data_type or "VARCHAR").upper()


def _roles(roles: frozenset[str]) -> str:
    return " OR ".join(f"IS_ROLE_IN_SESSION({lit(r)})" for r in sorted(roles))


def masked_value(strategy: MaskStrategy, arg: str, data_type: str | None) -> str:
    if strategy == MaskStrategy.NULL or not is_string_type(data_type):
        return "NULL"  # a policy must return the column's type; non-strings can only be nulled
    if strategy == MaskStrategy.FULL:
        return "'****'"
    if strategy == MaskStrategy.HASH:
        return f"SHA2({arg}, 256)"
    return f"CONCAT(REPEAT('*', GREATEST(LENGTH({arg}) - 4, 0)), RIGHT({arg}, 4))"


def mask_body(m: ColumnMask, arg: str = "val") -> str:
    whens = []
    if m.denied_roles:
        whens.append(f"WHEN {_roles(m.denied_roles)} THEN NULL")
    if m.strategy is None:
        return f"CASE {' '.join(whens)} ELSE {arg} END"
    if m.exempt_roles:
        whens.append(f"WHEN {_roles(m.exempt_roles)} THEN {arg}")
    masked = masked_value(m.strategy, arg, m.data_type)
    return f"CASE {' '.join(whens)} ELSE {masked} END" if whens else masked


class SnowflakeTarget(Target):
    kind: ClassVar[TargetKind] = TargetKind.SNOWFLAKE
    dialect: ClassVar[str | None] = "snowflake"

    def __init__(self, policy_schema: str = "LILY.GOVERNANCE", tag_schema: str | None = None,
                 connect_params: Mapping[str, Any] | None = None):
        """``policy_schema``/``tag_schema``: ``DB.SCHEMA`` where Lily creates policies and tags."""
        self.policy_schema = tuple(policy_schema.split("."))
        self.tag_schema = tuple((tag_schema or policy_schema).split("."))
        self.connect_params = dict(connect_params or {})

    # -- names --
    def tag_name(self, tag: str) -> str:
        return qualified((*self.tag_schema, tag_key(tag).upper()))

    def mask_policy_name(self, m: ColumnMask) -> str:
        return qualified((*self.policy_schema, f"LILY_MASK_{spec_hash('sf', m).upper()}"))

    def row_policy_name(self, filters: tuple[RowFilter, ...]) -> str:
        return qualified((*self.policy_schema, f"LILY_ROWS_{spec_hash('sf', filters).upper()}"))

    # -- statements --
    def render(self, diff: PolicyDiff) -> list[Statement]:
        key = diff.key
        table = qualified(key.parts)
        out: list[Statement] = []

        def add(kind: str, sql: str) -> None:
            out.append(Statement(kind, sql, key))

        for tag in sorted({t for _, t in diff.tags_set}):
            add("create_tag", f"CREATE TAG IF NOT EXISTS {self.tag_name(tag)} "
                              f"COMMENT = {lit('Lily classification ' + tag)}")
        for col, tags in _by_column(diff.tags_set):
            assignments = ", ".join(f"{self.tag_name(t)} = {lit(t)}" for t in tags)
            if col is None:
                add("set_table_tags", f"ALTER TABLE {table} SET TAG {assignments}")
            else:
                add("set_column_tags", f"ALTER TABLE {table} MODIFY COLUMN {q(col)} SET TAG {assignments}")
        for col, tags in _by_column(diff.tags_unset):
            names = ", ".join(self.tag_name(t) for t in tags)
            if col is None:
                add("unset_table_tags", f"ALTER TABLE {table} UNSET TAG {names}")
            else:
                add("unset_column_tags", f"ALTER TABLE {table} MODIFY COLUMN {q(col)} UNSET TAG {names}")
        for col, m in sorted((diff.masks_set or {}).items()):
            t = _sf_type(m.data_type)
            policy = self.mask_policy_name(m)
            add("create_mask_policy", f"CREATE MASKING POLICY IF NOT EXISTS {policy} AS (val {t}) "
                                      f"RETURNS {t} -> {mask_body(m)}")
            add("set_mask", f"ALTER TABLE {table} MODIFY COLUMN {q(col)} SET MASKING POLICY {policy} FORCE")
        for col in sorted(diff.masks_dropped):
            add("unset_mask", f"ALTER TABLE {table} MODIFY COLUMN {q(col)} UNSET MASKING POLICY")
        if diff.row_filters_changed:
            out.extend(self._row_policy(diff, table))
        for role in sorted(diff.revokes):
            add("revoke", f"REVOKE SELECT ON TABLE {table} FROM ROLE {q(role)}")
        for role in sorted(diff.grants):
            add("grant", f"GRANT SELECT ON TABLE {table} TO ROLE {q(role)}")
        return out

    def _row_policy(self, diff: PolicyDiff, table: str) -> list[Statement]:
        key = diff.key
        old = self.row_policy_name(diff.before.row_filters) if diff.before.row_filters else None
        if not diff.row_filters_set:
            return [Statement("drop_row_policy", f"ALTER TABLE {table} DROP ROW ACCESS POLICY {old}", key)] if old else []
        filters = diff.row_filters_set
        types = diff.after.column_types
        cols = list(dict.fromkeys(c for f in filters for c in f.columns))
        # Column+values filters name their column exactly (quoted); expressions were written by a
        # person, so their columns are referenced as written (unquoted when simple, i.e. upper-cased).
        ref = {c: q(c) for f in filters if f.column for c in f.columns}
        for f in filters:
            for c in f.columns:
                ref.setdefault(c, c if simple_ident(c) else q(c))
        args = ", ".join(f"{ref[c]} {_sf_type(types.get(c))}" for c in cols)
        clauses = []
        for f in filters:
            pred = f.expression if f.expression is not None else \
                f"{ref[f.column or '']} IN ({', '.join(lit(v) for v in f.values)})"
            clauses.append(f"({_roles(f.allowed_roles)} OR ({pred}))" if f.allowed_roles else f"({pred})")
        name = self.row_policy_name(filters)
        on = ", ".join(ref[c] for c in cols)
        create = (f"CREATE ROW ACCESS POLICY IF NOT EXISTS {name} AS ({args}) RETURNS BOOLEAN -> "
                  + " AND ".join(clauses))
        attach = (f"ALTER TABLE {table} DROP ROW ACCESS POLICY {old}, ADD ROW ACCESS POLICY {name} ON ({on})"
                  if old and old != name else f"ALTER TABLE {table} ADD ROW ACCESS POLICY {name} ON ({on})")
        return [Statement("create_row_policy", create, key), Statement("set_row_policy", attach, key)]

    def connect(self) -> Any:
        """A connection through the official connector (imported only when configured)."""
        import snowflake.connector  # type: ignore[import-not-found]

        return snowflake.connector.connect(**self.connect_params)


def render_tag_masking(target: SnowflakeTarget, tag: str, mask: ColumnMask,
                       key: ObjectKey | None = None) -> list[Statement]:
    """Tag-based masking: attach a masking policy to the tag itself (all columns carrying it, any table)."""
    t = _sf_type(mask.data_type)
    policy = target.mask_policy_name(mask)
    return [
        Statement("create_tag", f"CREATE TAG IF NOT EXISTS {target.tag_name(tag)} "
                                f"COMMENT = {lit('Lily classification ' + tag)}", key),
        Statement("create_mask_policy", f"CREATE MASKING POLICY IF NOT EXISTS {policy} AS (val {t}) "
                                        f"RETURNS {t} -> {mask_body(mask)}", key),
        Statement("set_tag_mask", f"ALTER TAG {target.tag_name(tag)} SET MASKING POLICY {policy} FORCE", key),
    ]


def _by_column(refs: frozenset[tuple[str | None, str]]) -> list[tuple[str | None, list[str]]]:
    grouped: dict[str | None, list[str]] = {}
    for col, tag in refs:
        grouped.setdefault(col, []).append(tag)
    return [(c, sorted(grouped[c])) for c in sorted(grouped, key=lambda c: (c is not None, c or ""))]


__all__ = ["SnowflakeTarget", "base_type", "mask_body", "masked_value", "qualified", "render_tag_masking"]
