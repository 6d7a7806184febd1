"""The enforcement preview (pure): the rules' policy before and after a tag change, per object a
target governs."""

from __future__ import annotations

import uuid

from lily.governance.rules import GovernedColumn, GovernedTable
from lily.model import AssetRef, AssetType
from lily.model.policy import TargetKind
from lily.model.rules import SecurityRule
from lily.outbound.config import CONFIGS
from lily.web.enforcement import enforcement_preview, targets_of

SF = "snowflake://acct"
PG = "postgres://db:5432"
RULE = SecurityRule.model_validate({
    "rule_id": "pii", "rule_type": "masking",
    "conditions": [{"field": "classification", "operator": "matches", "value": "PII.*"}],
    "actions": [{"type": "mask", "parameters": {"strategy": "hash"}}]})


def _table(namespace: str, name: str, column: str, tags: frozenset[str] = frozenset()) -> tuple[GovernedTable, uuid.UUID]:
    cid = uuid.uuid4()
    table = GovernedTable(asset_id=uuid.uuid4(), ref=AssetRef(namespace=namespace, name=name), type=AssetType.TABLE,
                          columns=(GovernedColumn(cid, column, "varchar", tags), GovernedColumn(uuid.uuid4(), "id")))
    return table, cid


def _target(kind: TargetKind, namespaces: list[str]) -> tuple[TargetKind, object]:
    return kind, CONFIGS[kind][0].model_validate({"namespaces": namespaces})


def test_adding_a_matching_tag_masks_only_where_a_target_governs() -> None:
    sf_table, sf_col = _table(SF, "DB.PUBLIC.USERS", "EMAIL")
    pg_table, pg_col = _table(PG, "shop.public.users", "email")
    out = enforcement_preview([RULE], [sf_table, pg_table], "PII.email", {sf_col, pg_col}, set(),
                              [_target(TargetKind.SNOWFLAKE, [SF])])
    assert [(e.target, e.object_name, e.changes) for e in out] == [
        ("snowflake", f"{SF}/DB.PUBLIC.USERS", ("mask EMAIL (hash)",))]
    assert enforcement_preview([RULE], [sf_table], "PII.email", {sf_col}, set(), []) == []
    assert enforcement_preview([RULE], [sf_table], "team.crm", {sf_col}, set(),
                               [_target(TargetKind.SNOWFLAKE, [])]) == []  # no rule matches the tag


def test_removing_the_last_matching_tag_drops_the_mask() -> None:
    table, col = _table(SF, "DB.PUBLIC.USERS", "EMAIL", frozenset({"PII.email"}))
    out = enforcement_preview([RULE], [table], "PII.email", set(), {col}, [_target(TargetKind.SNOWFLAKE, [SF])])
    assert [e.changes for e in out] == [("drop the mask of EMAIL",)]
    # another PII tag keeps the column masked: nothing changes
    kept, col2 = _table(SF, "DB.PUBLIC.USERS", "EMAIL", frozenset({"PII.email", "PII.contact"}))
    assert enforcement_preview([RULE], [kept], "PII.email", set(), {col2}, [_target(TargetKind.SNOWFLAKE, [SF])]) == []


def test_disabled_targets_govern_nothing() -> None:
    rows = [{"kind": "snowflake", "enabled": False, "config": {"namespaces": [SF]}},
            {"kind": "postgres", "enabled": True, "config": {"namespaces": [PG], "managed_roles": ["analyst"]}}]
    assert [kind for kind, _ in targets_of(rows)] == [TargetKind.POSTGRES]
