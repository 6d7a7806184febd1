"""Snowflake and Databricks rendering: golden SQL for every statement kind, sqlglot smoke parse, quoting."""

from __future__ import annotations

import logging

import pytest
import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from lily.model.policy import ColumnMask, MaskStrategy, ObjectKey, ObjectPolicy, RowFilter, TargetKind
from lily.outbound.plan import plan
from lily.outbound.targets import DatabricksTarget, SnowflakeTarget, Statement, create_target, registered
from lily.outbound.targets.base import ApplyError
from lily.outbound.targets.snowflake import render_tag_masking

SF_KEY = ObjectKey(target=TargetKind.SNOWFLAKE, namespace="snowflake://org-acct", name="ANALYTICS.PUBLIC.DIM_USERS")
DBX_KEY = ObjectKey(target=TargetKind.DATABRICKS, namespace="databricks://host", name="main.sales.customers")
MASK = ColumnMask(strategy=MaskStrategy.HASH, exempt_roles=frozenset({"PII_READER"}), data_type="VARCHAR")
ROWS = RowFilter(column="COUNTRY", values=("UK", "O'Hare"), columns=("COUNTRY",), allowed_roles=frozenset({"GLOBAL"}))


def full_policy(key: ObjectKey) -> ObjectPolicy:
    return ObjectPolicy(key=key, columns=("ID", "EMAIL", "COUNTRY"), table_tags=frozenset({"GDPR.personal"}),
                        column_tags=frozenset({("EMAIL", "PII.email")}), masks={"EMAIL": MASK},
                        row_filters=(ROWS,), revoked_roles=frozenset({"INTERN"}))


def smoke(statement: Statement, dialect: str) -> type[exp.Expression]:
    """Parse in the dialect; return the node class (Command = opaque fallback sqlglot accepts)."""
    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    return type(sqlglot.parse_one(statement.text, read=dialect))


def by_kind(statements: list[Statement]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for s in statements:
        out.setdefault(s.kind, []).append(s.text)
    return out


# Per PROTOCOLS §5.4: what sqlglot 30.x makes of each statement kind.
SF_PARSE = {
    "create_tag": exp.Create, "set_table_tags": exp.Alter, "set_column_tags": exp.Command,
    "unset_table_tags": exp.Command, "unset_column_tags": exp.Command, "create_mask_policy": exp.Command,
    "set_mask": exp.Command, "unset_mask": exp.Command, "set_row_policy": exp.Command,
    "drop_row_policy": exp.Alter, "revoke": exp.Revoke, "grant": exp.Grant, "set_tag_mask": exp.Command,
}


def test_snowflake_golden_apply_and_parse() -> None:
    t = SnowflakeTarget(policy_schema="GOV.POLICIES", tag_schema="GOV.TAGS")
    s = by_kind(t.render(plan(full_policy(SF_KEY), None)))
    tbl = '"ANALYTICS"."PUBLIC"."DIM_USERS"'
    mask = t.mask_policy_name(MASK)
    rows = t.row_policy_name((ROWS,))
    assert s["create_tag"] == [
        """CREATE TAG IF NOT EXISTS "GOV"."TAGS"."GDPR_PERSONAL" COMMENT = 'Lily classification GDPR.personal'""",
        """CREATE TAG IF NOT EXISTS "GOV"."TAGS"."PII_EMAIL" COMMENT = 'Lily classification PII.email'"""]
    assert s["set_table_tags"] == [f"""ALTER TABLE {tbl} SET TAG "GOV"."TAGS"."GDPR_PERSONAL" = 'GDPR.personal'"""]
    assert s["set_column_tags"] == [
        f"""ALTER TABLE {tbl} MODIFY COLUMN "EMAIL" SET TAG "GOV"."TAGS"."PII_EMAIL" = 'PII.email'"""]
    assert mask.startswith('"GOV"."POLICIES"."LILY_MASK_')
    assert s["create_mask_policy"] == [
        f"CREATE MASKING POLICY IF NOT EXISTS {mask} AS (val VARCHAR) RETURNS VARCHAR -> "
        "CASE WHEN IS_ROLE_IN_SESSION('PII_READER') THEN val ELSE SHA2(val, 256) END"]
    assert s["set_mask"] == [f'ALTER TABLE {tbl} MODIFY COLUMN "EMAIL" SET MASKING POLICY {mask} FORCE']
    assert s["create_row_policy"] == [
        f'CREATE ROW ACCESS POLICY IF NOT EXISTS {rows} AS ("COUNTRY" VARCHAR) RETURNS BOOLEAN -> '
        """(IS_ROLE_IN_SESSION('GLOBAL') OR ("COUNTRY" IN ('UK', 'O''Hare')))"""]
    assert s["set_row_policy"] == [f'ALTER TABLE {tbl} ADD ROW ACCESS POLICY {rows} ON ("COUNTRY")']
    assert s["revoke"] == [f'REVOKE SELECT ON TABLE {tbl} FROM ROLE "INTERN"']
    for st in t.render(plan(full_policy(SF_KEY), None)):
        if st.kind == "create_row_policy":  # PROTOCOLS §5.4: sqlglot has no grammar for it
            with pytest.raises(ParseError):
                smoke(st, "snowflake")
        else:
            assert smoke(st, "snowflake") is SF_PARSE[st.kind], st


def test_snowflake_golden_revert_and_replace() -> None:
    t = SnowflakeTarget(policy_schema="GOV.POLICIES")
    tbl = '"ANALYTICS"."PUBLIC"."DIM_USERS"'
    s = by_kind(t.render(plan(None, full_policy(SF_KEY), SF_KEY)))
    assert s["unset_table_tags"] == [f'ALTER TABLE {tbl} UNSET TAG "GOV"."POLICIES"."GDPR_PERSONAL"']
    assert s["unset_column_tags"] == [f'ALTER TABLE {tbl} MODIFY COLUMN "EMAIL" UNSET TAG "GOV"."POLICIES"."PII_EMAIL"']
    assert s["unset_mask"] == [f'ALTER TABLE {tbl} MODIFY COLUMN "EMAIL" UNSET MASKING POLICY']
    assert s["drop_row_policy"] == [f"ALTER TABLE {tbl} DROP ROW ACCESS POLICY {t.row_policy_name((ROWS,))}"]
    assert s["grant"] == [f'GRANT SELECT ON TABLE {tbl} TO ROLE "INTERN"']
    new_rows = ROWS.model_copy(update={"values": ("US",)})
    changed = full_policy(SF_KEY).model_copy(update={"row_filters": (new_rows,)})
    swap = by_kind(t.render(plan(changed, full_policy(SF_KEY))))
    assert swap["set_row_policy"] == [
        f"ALTER TABLE {tbl} DROP ROW ACCESS POLICY {t.row_policy_name((ROWS,))}, "
        f"ADD ROW ACCESS POLICY {t.row_policy_name((new_rows,))} ON (\"COUNTRY\")"]
    for st in t.render(plan(None, full_policy(SF_KEY), SF_KEY)):
        assert smoke(st, "snowflake") is SF_PARSE[st.kind], st
    for st in render_tag_masking(t, "PII.email", MASK):
        assert smoke(st, "snowflake") is SF_PARSE.get(st.kind, exp.Command)
    assert t.render(plan(full_policy(SF_KEY), full_policy(SF_KEY))) == []


def test_snowflake_mask_strategies_and_types() -> None:
    t = SnowflakeTarget()
    bodies = {}
    for strategy in MaskStrategy:
        m = ColumnMask(strategy=strategy, denied_roles=frozenset({"CONTRACTOR"}))
        pol = ObjectPolicy(key=SF_KEY, columns=("C",), masks={"C": m})
        (create,) = by_kind(t.render(plan(pol, None)))["create_mask_policy"]
        bodies[strategy] = create.split("-> ", 1)[1]
    assert bodies[MaskStrategy.FULL] == "CASE WHEN IS_ROLE_IN_SESSION('CONTRACTOR') THEN NULL ELSE '****' END"
    assert bodies[MaskStrategy.NULL].endswith("ELSE NULL END")
    assert "RIGHT(val, 4)" in bodies[MaskStrategy.PARTIAL]
    num = ObjectPolicy(key=SF_KEY, columns=("N",), masks={"N": ColumnMask(strategy=MaskStrategy.HASH, data_type="NUMBER(38,0)")})
    (create,) = by_kind(t.render(plan(num, None)))["create_mask_policy"]
    assert "AS (val NUMBER(38,0)) RETURNS NUMBER(38,0) -> NULL" in create


def test_databricks_golden_apply_revert_and_parse() -> None:
    t = DatabricksTarget(function_schema="gov.policies")
    key, tbl = DBX_KEY, "`main`.`sales`.`customers`"
    pol = full_policy(key)
    s = by_kind(t.render(plan(pol, None)))
    fn = t.mask_function(MASK)
    rf = t.row_filter_function((ROWS,))
    assert s["set_table_tags"] == [f"ALTER TABLE {tbl} SET TAGS ('GDPR_personal' = 'GDPR.personal')"]
    assert s["set_column_tags"] == [f"ALTER TABLE {tbl} ALTER COLUMN `EMAIL` SET TAGS ('PII_email' = 'PII.email')"]
    assert s["create_mask_function"] == [
        f"CREATE OR REPLACE FUNCTION {fn}(val STRING) RETURNS STRING RETURN "
        "CASE WHEN is_account_group_member('PII_READER') THEN val ELSE sha2(val, 256) END"]
    assert s["set_mask"] == [f"ALTER TABLE {tbl} ALTER COLUMN `EMAIL` SET MASK {fn}"]
    assert s["create_row_filter_function"] == [
        f"CREATE OR REPLACE FUNCTION {rf}(`COUNTRY` STRING) RETURNS BOOLEAN RETURN "
        "(is_account_group_member('GLOBAL') OR (`COUNTRY` IN ('UK', 'O\\'Hare')))"]
    assert s["set_row_filter"] == [f"ALTER TABLE {tbl} SET ROW FILTER {rf} ON (`COUNTRY`)"]
    assert s["revoke"] == [f"REVOKE SELECT ON TABLE {tbl} FROM `INTERN`"]
    r = by_kind(t.render(plan(None, pol, key)))
    assert r["unset_table_tags"] == [f"ALTER TABLE {tbl} UNSET TAGS ('GDPR_personal')"]
    assert r["unset_column_tags"] == [f"ALTER TABLE {tbl} ALTER COLUMN `EMAIL` UNSET TAGS ('PII_email')"]
    assert r["drop_mask"] == [f"ALTER TABLE {tbl} ALTER COLUMN `EMAIL` DROP MASK"]
    assert r["drop_row_filter"] == [f"ALTER TABLE {tbl} DROP ROW FILTER"]
    assert r["grant"] == [f"GRANT SELECT ON TABLE {tbl} TO `INTERN`"]
    expected = {"set_table_tags": exp.Alter, "create_mask_function": exp.Create,
                "create_row_filter_function": exp.Create, "revoke": exp.Revoke, "grant": exp.Grant,
                "drop_row_filter": exp.Alter}
    for st in [*t.render(plan(pol, None)), *t.render(plan(None, pol, key))]:
        assert smoke(st, "databricks") is expected.get(st.kind, exp.Command), st


NASTY = ['we"ird', "has space", "back`tick", "MixedCase"]


@pytest.mark.parametrize("name", NASTY)
def test_identifier_quoting_round_trips(name: str) -> None:
    sf_key = ObjectKey(target=TargetKind.SNOWFLAKE, namespace="snowflake://a", name=f"DB.{name}.T")
    pol = ObjectPolicy(key=sf_key, columns=(name,), column_tags=frozenset({(name, "PII.email")}),
                       revoked_roles=frozenset({name}))
    sf = {s.kind: s for s in SnowflakeTarget().render(plan(pol, None))}
    # the sqlglot tree gives back the exact identifier parts
    revoke = sqlglot.parse_one(sf["revoke"].text, read="snowflake")
    assert [i.name for i in revoke.find(exp.Table).parts] == ["DB", name, "T"]
    assert f'MODIFY COLUMN {chr(34) + name.replace(chr(34), chr(34) * 2) + chr(34)} SET TAG' in sf["set_column_tags"].text
    dbx_key = ObjectKey(target=TargetKind.DATABRICKS, namespace="databricks://h", name=f"cat.{name}.t")
    dpol = pol.model_copy(update={"key": dbx_key})
    dbx = {s.kind: s for s in DatabricksTarget().render(plan(dpol, None))}
    tree = sqlglot.parse_one(dbx["revoke"].text, read="databricks")
    assert [i.name for i in tree.find(exp.Table).parts] == ["cat", name, "t"]
    assert tree.find(exp.Revoke) is not None
    assert "`" + name.replace("`", "``") + "`" in dbx["set_column_tags"].text


def test_string_literals_escape_quotes_and_backslashes() -> None:
    f = RowFilter(column="C", values=("a'b", "c\\'; DROP TABLE x; --"), columns=("C",))
    pol = ObjectPolicy(key=SF_KEY, columns=("C",), row_filters=(f,))
    (create,) = by_kind(SnowflakeTarget().render(plan(pol, None)))["create_row_policy"]
    assert "IN ('a''b', 'c\\\\''; DROP TABLE x; --')" in create
    # same literal text, parsed by sqlglot's Snowflake tokenizer, gives the exact values back
    in_list = create.split(" IN ", 1)[1].rstrip(")")
    tree = sqlglot.parse_one(f"SELECT 1 WHERE c IN {in_list})", read="snowflake")
    assert [x.this for x in tree.find_all(exp.Literal) if x.is_string] == ["a'b", "c\\'; DROP TABLE x; --"]
    dkey = DBX_KEY
    (fn,) = by_kind(DatabricksTarget().render(plan(pol.model_copy(update={"key": dkey}), None)))[
        "create_row_filter_function"]
    tree = sqlglot.parse_one(fn, read="databricks")
    assert [lit.this for lit in tree.find_all(exp.Literal) if lit.is_string] == ["a'b", "c\\'; DROP TABLE x; --"]


class RecordingConnection:
    """DB-API stand-in: records the SQL, optionally fails on a statement."""

    def __init__(self, fail_on: str | None = None):
        self.executed: list[str] = []
        self.commits = 0
        self.rollbacks = 0
        self.fail_on = fail_on

    def cursor(self) -> RecordingConnection:
        return self

    def execute(self, sql: str) -> None:
        if self.fail_on and self.fail_on in sql:
            raise RuntimeError("boom")
        self.executed.append(sql)

    def commit(self) -> None:
        self.commits += 1

    def rollback(self) -> None:
        self.rollbacks += 1

    def close(self) -> None:
        pass


def test_apply_through_recording_connection_and_registry() -> None:
    t = create_target("snowflake", policy_schema="GOV.P")
    statements = t.render(plan(full_policy(SF_KEY), None))
    conn = RecordingConnection()
    assert t.apply(statements, conn) == len(statements)
    assert conn.executed == [s.text for s in statements] and conn.commits == 1
    bad = RecordingConnection(fail_on="SET MASKING POLICY")
    with pytest.raises(ApplyError) as err:
        t.apply(statements, bad)
    assert statements[err.value.index].kind == "set_mask" and bad.rollbacks == 1
    assert registered() == ["databricks", "postgres", "snowflake", "webhook"]
    with pytest.raises(KeyError, match="unknown target 'redshift'"):
        create_target("redshift")
    # the official connectors are optional and imported only when asked to connect
    with pytest.raises(ImportError):
        t.connect()
    with pytest.raises(ImportError):
        DatabricksTarget().connect()
