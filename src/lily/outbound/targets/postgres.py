"""PostgreSQL, applied for real: column privileges, masking views, row-level security, COMMENT labels.

Model (docs/governance.md has the long form):

* ``managed_roles`` (target config) are the roles Lily governs: they should read the governed tables,
  minus what policy takes away. Lily owns their ``SELECT`` privileges on tables that carry a policy:
  a role with no restricted column gets table-level ``SELECT``; a role with restricted columns loses
  table-level ``SELECT`` and gets column-level ``SELECT`` on the others; a denied role loses both.
* Masked values are served by a view ``<governed_schema>.<table>`` (``<schema>__<table>`` outside
  ``public``) that shows each masked column through ``CASE WHEN pg_has_role(current_user, <exempt>,
  'MEMBER') THEN col ELSE <masked> END`` (and NULL for denied roles). The view runs with its owner's
  privileges, so it also applies the row filters in its ``WHERE``; restricted roles read it instead
  of the raw column.
* Row filters are one RLS policy ``lily_rows`` (``FOR SELECT``, all filters ANDed, allowed roles pass)
  plus permissive write policies so enabling RLS does not silently block writes.
* Classification labels: ``COMMENT ON {TABLE|COLUMN} … IS 'lily:tags=PII.email,…'`` (Lily owns the
  comment of the columns it labels; ``SECURITY LABEL`` needs a provider, so it is not used).
* The exact specs are stored as comments on Lily-owned objects (view columns, the policy) so
  ``read_state`` can rebuild the applied state; privileges are read from the catalogs, so a manual
  ``GRANT`` that re-opens a masked column shows up as drift and is re-planned.

All DDL is idempotent and ``apply`` runs the statements of one diff in one transaction, with the
delivery's id in ``<governed_schema>.lily_applied_deliveries``: a delivery runs once, even when the
worker dies between the commit here and Lily's record of it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from lily.model.policy import ColumnMask, MaskStrategy, ObjectKey, ObjectPolicy, RowFilter, TargetKind
from lily.outbound.plan import PolicyDiff
from lily.outbound.targets.base import (
    Statement,
    Target,
    execute_all,
    is_string_type,
    literal_ansi,
    quote_double,
)

q = quote_double
lit = literal_ansi
ROW_POLICY = "lily_rows"
WRITE_POLICIES = ("lily_rows_insert", "lily_rows_update", "lily_rows_delete")
_TAGS_PREFIX = "lily:tags="
_SPEC_PREFIX = "lily:"
APPLIED_TABLE = "lily_applied_deliveries"  # ids of the deliveries this database committed
APPLIED_KEEP = "30 days"  # far longer than any retry budget


def table_parts(key: ObjectKey) -> tuple[str, str]:
    """(schema, table) of an OpenLineage ``db.schema.table`` name (the connection picks the db)."""
    parts = key.parts
    return (parts[-2], parts[-1]) if len(parts) >= 2 else ("public", parts[-1])


def _member(roles: frozenset[str]) -> str:
    return " OR ".join(f"pg_has_role(current_user, {lit(r)}, 'MEMBER')" for r in sorted(roles))


def masked_value(strategy: MaskStrategy, col: str, data_type: str | None) -> str:
    if strategy == MaskStrategy.NULL or not is_string_type(data_type):
        return "NULL"
    if strategy == MaskStrategy.FULL:
        return "'****'"
    if strategy == MaskStrategy.HASH:
        return f"encode(sha256(convert_to({col}, 'UTF8')), 'hex')"
    return f"repeat('*', greatest(length({col}) - 4, 0)) || right({col}, 4)"


def view_column(col: str, m: ColumnMask) -> str:
    ref = q(col)
    whens = []
    if m.denied_roles:
        whens.append(f"WHEN {_member(m.denied_roles)} THEN NULL")
    if m.strategy is not None:
        if m.exempt_roles:
            whens.append(f"WHEN {_member(m.exempt_roles)} THEN {ref}")
        default = masked_value(m.strategy, ref, m.data_type)
    else:
        default = ref
    expr = f"CASE {' '.join(whens)} ELSE {default} END" if whens else default
    return f"{expr} AS {ref}"


def filter_predicate(filters: Sequence[RowFilter]) -> str:
    clauses = []
    for f in filters:
        pred = f.expression if f.expression is not None else \
            f"{q(f.column or '')} IN ({', '.join(lit(v) for v in f.values)})"
        clauses.append(f"({_member(f.allowed_roles)} OR ({pred}))" if f.allowed_roles else f"({pred})")
    return " AND ".join(clauses)


def _restricted(policy: ObjectPolicy, role: str) -> set[str]:
    return {c for c, m in policy.masks.items()
            if role in m.denied_roles or (m.strategy is not None and role not in m.exempt_roles)}


def _mask_spec(m: ColumnMask) -> str:
    return _SPEC_PREFIX + json.dumps(m.model_dump(mode="json"), sort_keys=True)


def _filters_spec(filters: Sequence[RowFilter]) -> str:
    return _SPEC_PREFIX + json.dumps([f.model_dump(mode="json") for f in filters], sort_keys=True)


class PostgresTarget(Target):
    kind: ClassVar[TargetKind] = TargetKind.POSTGRES
    dialect: ClassVar[str | None] = "postgres"
    can_read_state: ClassVar[bool] = True

    def __init__(self, managed_roles: Sequence[str], governed_schema: str = "lily_governed",
                 label_comments: bool = True):
        self.managed_roles = tuple(dict.fromkeys(managed_roles))
        self.governed_schema = governed_schema
        self.label_comments = label_comments

    def view_name(self, key: ObjectKey) -> tuple[str, str]:
        schema, table = table_parts(key)
        return (self.governed_schema, table if schema == "public" else f"{schema}__{table}")

    def render(self, diff: PolicyDiff) -> list[Statement]:
        key, after = diff.key, diff.after
        schema, tname = table_parts(key)
        table = f"{q(schema)}.{q(tname)}"
        out: list[Statement] = []

        def add(kind: str, sql: str) -> None:
            out.append(Statement(kind, sql, key))

        if self.label_comments:
            for col in sorted({c for c, _ in diff.tags_set | diff.tags_unset}, key=lambda c: (c is not None, c or "")):
                want = sorted(t for c, t in after.column_tags if c == col) if col else sorted(after.table_tags)
                target = f"COLUMN {table}.{q(col)}" if col else f"TABLE {table}"
                text = lit(_TAGS_PREFIX + ",".join(want)) if want else "NULL"
                add("comment_labels", f"COMMENT ON {target} IS {text}")

        privileges_changed = bool(diff.masks_set or diff.masks_dropped or diff.grants or diff.revokes
                                  or diff.columns_changed)
        if privileges_changed or diff.row_filters_changed:
            out.extend(self._view(diff, table))
        if privileges_changed:
            out.extend(self._privileges(after, table))
        if diff.row_filters_changed:
            out.extend(self._row_security(diff, table))
        return out

    def _view(self, diff: PolicyDiff, table: str) -> list[Statement]:
        key, after = diff.key, diff.after
        vs, vn = self.view_name(key)
        view = f"{q(vs)}.{q(vn)}"
        out = [Statement("drop_view", f"DROP VIEW IF EXISTS {view}", key)]
        if not after.masks:
            return out
        cols = after.columns or tuple(after.masks)
        select = ", ".join(view_column(c, after.masks[c]) if c in after.masks else q(c) for c in cols)
        where = f" WHERE {filter_predicate(after.row_filters)}" if after.row_filters else ""
        out.append(Statement("create_schema", f"CREATE SCHEMA IF NOT EXISTS {q(vs)}", key))
        out.append(Statement("create_view", f"CREATE VIEW {view} AS SELECT {select} FROM {table}{where}", key))
        out.append(Statement("comment_view", f"COMMENT ON VIEW {view} IS {lit(_SPEC_PREFIX + 'masking view of ' + table)}", key))
        for c in sorted(after.masks):
            out.append(Statement("comment_mask", f"COMMENT ON COLUMN {view}.{q(c)} IS {lit(_mask_spec(after.masks[c]))}", key))
        readers = [r for r in self.managed_roles if r not in after.revoked_roles]
        if readers:
            roles = ", ".join(q(r) for r in readers)
            out.append(Statement("grant_schema", f"GRANT USAGE ON SCHEMA {q(vs)} TO {roles}", key))
            out.append(Statement("grant_view", f"GRANT SELECT ON {view} TO {roles}", key))
        return out

    def _privileges(self, after: ObjectPolicy, table: str) -> list[Statement]:
        key = after.key
        out: list[Statement] = []
        for role in self.managed_roles:
            r = q(role)
            if role in after.revoked_roles:
                out.append(Statement("revoke", f"REVOKE SELECT ON TABLE {table} FROM {r}", key))
                if after.columns:
                    cols = ", ".join(q(c) for c in after.columns)
                    out.append(Statement("revoke_columns", f"REVOKE SELECT ({cols}) ON TABLE {table} FROM {r}", key))
                continue
            hidden = _restricted(after, role)
            if not hidden:
                out.append(Statement("grant", f"GRANT SELECT ON TABLE {table} TO {r}", key))
                continue
            visible = [c for c in after.columns if c not in hidden]
            out.append(Statement("revoke", f"REVOKE SELECT ON TABLE {table} FROM {r}", key))
            if visible:
                out.append(Statement("grant_columns", f"GRANT SELECT ({', '.join(q(c) for c in visible)}) "
                                                      f"ON TABLE {table} TO {r}", key))
            out.append(Statement("revoke_columns", f"REVOKE SELECT ({', '.join(q(c) for c in sorted(hidden))}) "
                                                   f"ON TABLE {table} FROM {r}", key))
        return out

    def _row_security(self, diff: PolicyDiff, table: str) -> list[Statement]:
        key, filters = diff.key, diff.after.row_filters
        out = [Statement("drop_policy", f"DROP POLICY IF EXISTS {q(p)} ON {table}", key)
               for p in (ROW_POLICY, *WRITE_POLICIES)]
        if not filters:
            out.append(Statement("disable_rls", f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY", key))
            return out
        out += [
            Statement("enable_rls", f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY", key),
            Statement("create_policy", f"CREATE POLICY {q(ROW_POLICY)} ON {table} FOR SELECT TO PUBLIC "
                                       f"USING ({filter_predicate(filters)})", key),
            Statement("create_policy", f"CREATE POLICY {q(WRITE_POLICIES[0])} ON {table} FOR INSERT TO PUBLIC "
                                       "WITH CHECK (true)", key),
            Statement("create_policy", f"CREATE POLICY {q(WRITE_POLICIES[1])} ON {table} FOR UPDATE TO PUBLIC "
                                       "USING (true)", key),
            Statement("create_policy", f"CREATE POLICY {q(WRITE_POLICIES[2])} ON {table} FOR DELETE TO PUBLIC "
                                       "USING (true)", key),
            Statement("comment_policy", f"COMMENT ON POLICY {q(ROW_POLICY)} ON {table} IS {lit(_filters_spec(filters))}",
                      key),
        ]
        return out

    # -- reading back ---------------------------------------------------------------------------

    def read_state(self, connection: Any, keys: Iterable[ObjectKey]) -> dict[ObjectKey, ObjectPolicy]:
        """Applied state of each object, from the catalogs (psycopg connection to the object's db)."""
        out = {}
        for key in keys:
            policy = self._read_one(connection, key)
            if policy is not None:
                out[key] = policy
        return out

    def _read_one(self, conn: Any, key: ObjectKey) -> ObjectPolicy | None:
        schema, tname = table_parts(key)
        reg = f"{q(schema)}.{q(tname)}"
        row = conn.execute("SELECT to_regclass(%s)::oid, obj_description(to_regclass(%s), 'pg_class')",
                           (reg, reg)).fetchone()
        if row is None or row[0] is None:
            return None
        oid, table_comment = row
        cols = conn.execute(
            "SELECT attname, format_type(atttypid, atttypmod), col_description(attrelid, attnum) "
            "FROM pg_attribute WHERE attrelid = %s AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            (oid,)).fetchall()
        columns = tuple(c[0] for c in cols)
        column_tags = {(c[0], t) for c in cols for t in _parse_tags(c[2])}
        table_select = {r[0] for r in conn.execute(
            "SELECT r.rolname FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) x "
            "JOIN pg_roles r ON r.oid = x.grantee WHERE c.oid = %s AND x.privilege_type = 'SELECT'", (oid,))}
        col_select: dict[str, set[str]] = {}
        for col, role in conn.execute(
                "SELECT a.attname, r.rolname FROM pg_attribute a CROSS JOIN LATERAL aclexplode(a.attacl) x "
                "JOIN pg_roles r ON r.oid = x.grantee WHERE a.attrelid = %s AND a.attnum > 0 "
                "AND NOT a.attisdropped AND x.privilege_type = 'SELECT'", (oid,)):
            col_select.setdefault(role, set()).add(col)
        vs, vn = self.view_name(key)
        vreg = f"{q(vs)}.{q(vn)}"
        vrow = conn.execute("SELECT to_regclass(%s)::oid", (vreg,)).fetchone()
        voids = vrow[0] if vrow else None
        specs: dict[str, ColumnMask] = {}
        view_readers: set[str] = set()
        if voids is not None:
            for col, comment in conn.execute(
                    "SELECT attname, col_description(attrelid, attnum) FROM pg_attribute "
                    "WHERE attrelid = %s AND attnum > 0 AND NOT attisdropped", (voids,)):
                if comment and comment.startswith(_SPEC_PREFIX + "{"):
                    specs[col] = ColumnMask.model_validate_json(comment[len(_SPEC_PREFIX):])
            view_readers = {r[0] for r in conn.execute(
                "SELECT r.rolname FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) x "
                "JOIN pg_roles r ON r.oid = x.grantee WHERE c.oid = %s AND x.privilege_type = 'SELECT'", (voids,))}
        revoked = frozenset(r for r in self.managed_roles
                            if r not in table_select and not col_select.get(r) and r not in view_readers)
        managed = set(self.managed_roles)
        masks = {}
        for col, spec in specs.items():
            # Privileges are the enforcement: a managed role that can read the raw column is, in
            # effect, exempt (and not denied), whatever the spec says — that is drift to re-plan.
            raw = {r for r in managed - revoked if r in table_select or col in col_select.get(r, set())}
            exempt = (spec.exempt_roles - managed) | (raw if spec.strategy is not None else frozenset())
            denied = (spec.denied_roles - managed) | (spec.denied_roles & managed - raw)
            masks[col] = spec.model_copy(update={"exempt_roles": frozenset(exempt), "denied_roles": frozenset(denied)})
        filters: tuple[RowFilter, ...] = ()
        prow = conn.execute(
            "SELECT obj_description(p.oid, 'pg_policy') FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid "
            "WHERE p.polrelid = %s AND p.polname = %s AND c.relrowsecurity", (oid, ROW_POLICY)).fetchone()
        if prow and prow[0] and prow[0].startswith(_SPEC_PREFIX + "["):
            filters = tuple(RowFilter.model_validate(f) for f in json.loads(prow[0][len(_SPEC_PREFIX):]))
        return ObjectPolicy(key=key, columns=columns, column_types={c[0]: c[1] for c in cols},
                            table_tags=frozenset(_parse_tags(table_comment)), column_tags=frozenset(column_tags),
                            masks=masks, row_filters=filters, revoked_roles=revoked)

    def apply(self, statements: Sequence[Statement], connection: Any, delivery: uuid.UUID | None = None) -> int:
        """One transaction per call (PostgreSQL DDL is transactional): all statements or none; the
        number run. With ``delivery``, exactly once: its id is inserted into ``APPLIED_TABLE`` in the
        same transaction, so a retry of a delivery the database already committed (the worker died
        before Lily recorded it, or a second worker took it over meanwhile) finds the row and runs
        nothing (0). Rows older than ``APPLIED_KEEP`` go in the same transaction."""
        if delivery is None:
            return super().apply(statements, connection)
        table = f"{q(self.governed_schema)}.{q(APPLIED_TABLE)}"
        cur = connection.cursor()
        try:
            self._ensure_applied_table(cur, connection, table)
            try:
                # A concurrent attempt's row blocks this insert until that transaction ends.
                first = cur.execute(f"INSERT INTO {table} (delivery_id) VALUES (%s) ON CONFLICT DO NOTHING "
                                    "RETURNING 1", (delivery,)).fetchone()
                cur.execute(f"DELETE FROM {table} WHERE applied_at < now() - %s::interval", (APPLIED_KEEP,))
            except Exception:
                connection.rollback()
                raise
            if first is None:
                connection.rollback()
                return 0
            execute_all(cur, statements, connection)
            connection.commit()
        finally:
            cur.close()
        return len(statements)

    def _ensure_applied_table(self, cur: Any, connection: Any, table: str) -> None:
        """Create ``APPLIED_TABLE`` on first use, in a transaction of its own (Lily's bookkeeping, not
        part of any delivery); a worker that loses the race to create it finds it made."""
        if cur.execute("SELECT to_regclass(%s)", (table,)).fetchone()[0] is not None:
            return
        try:
            cur.execute(f"CREATE SCHEMA IF NOT EXISTS {q(self.governed_schema)}")
            cur.execute(f"CREATE TABLE IF NOT EXISTS {table} (delivery_id uuid PRIMARY KEY, "
                        "applied_at timestamptz NOT NULL DEFAULT now())")
            connection.commit()
        except Exception:
            connection.rollback()
            if cur.execute("SELECT to_regclass(%s)", (table,)).fetchone()[0] is None:
                raise
        connection.commit()  # ends the read's transaction: the delivery's starts afresh


def _parse_tags(comment: str | None) -> list[str]:
    if not comment or not comment.startswith(_TAGS_PREFIX):
        return []
    return [t for t in comment[len(_TAGS_PREFIX):].split(",") if t]
