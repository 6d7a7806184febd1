"""What a tag change would make the warehouses do: the policy diff per target object (pure).

The propagation preview (``POST /api/v1/classifications/preview``) says which assets gain or lose
the tag; this evaluates the security rules on the affected tables before and after that change
and plans the difference with the outbound planner, the same two functions the outbound worker
runs (lily.governance.rules.evaluate, lily.outbound.plan.plan). Nothing is written.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from lily.governance.rules import GovernedTable, evaluate
from lily.model.policy import TargetKind
from lily.model.rules import SecurityRule
from lily.outbound.config import CONFIGS, accepts
from lily.outbound.plan import PolicyDiff, plan

Target = tuple[TargetKind, Any]  # an enabled target: its kind and typed config


@dataclass(frozen=True)
class Enforcement:
    target: str  # e.g. "snowflake"
    object_name: str  # namespace + name of the table
    changes: tuple[str, ...]  # one readable line per change


def with_tag(tables: Iterable[GovernedTable], tag: str, add: set[uuid.UUID],
             remove: set[uuid.UUID]) -> list[GovernedTable]:
    """The tables as they would be once ``tag`` is on the ``add`` assets and off the ``remove`` ones."""

    def tags(asset_id: uuid.UUID, now: frozenset[str]) -> frozenset[str]:
        if asset_id in add:
            return now | {tag}
        return now - {tag} if asset_id in remove else now

    return [replace(t, tags=tags(t.asset_id, t.tags),
                    columns=tuple(replace(c, tags=tags(c.asset_id, c.tags)) for c in t.columns)) for t in tables]


def describe(diff: PolicyDiff) -> tuple[str, ...]:
    lines = [f"mask {column} ({mask.strategy.value if mask.strategy else 'deny only'})"
             for column, mask in sorted((diff.masks_set or {}).items())]
    lines += [f"drop the mask of {column}" for column in sorted(diff.masks_dropped)]
    lines += [f"set tag {tag} on {column or 'the table'}" for column, tag in sorted(diff.tags_set, key=str)]
    lines += [f"unset tag {tag} on {column or 'the table'}" for column, tag in sorted(diff.tags_unset, key=str)]
    lines += [f"revoke SELECT from {role}" for role in sorted(diff.revokes)]
    lines += [f"grant SELECT back to {role}" for role in sorted(diff.grants)]
    if diff.row_filters_changed:
        lines.append("replace the row access policy")
    if diff.notify_changed:
        lines.append("notify the rule's subscribers")
    return tuple(lines)


def targets_of(rows: Iterable[dict[str, Any]]) -> list[Target]:
    """The enabled targets of stored target rows, typed as the outbound worker reads them."""
    out = []
    for row in rows:
        if row["enabled"]:
            kind = TargetKind(row["kind"])
            out.append((kind, CONFIGS[kind][0].model_validate(row["config"])))
    return out


def enforcement_preview(rules: Iterable[SecurityRule], tables: list[GovernedTable], tag: str,
                        add: set[uuid.UUID], remove: set[uuid.UUID], targets: list[Target]) -> list[Enforcement]:
    """Per object a target governs among ``tables``, what its policy would change by."""
    rules = list(rules)
    before = evaluate(rules, tables)
    after = evaluate(rules, with_tag(tables, tag, add, remove))
    out = []
    for key in sorted(set(before) | set(after), key=str):
        diff = plan(after.get(key), before.get(key), key=key)
        if diff.is_empty or (key.target is TargetKind.WEBHOOK and not diff.notify_changed):
            continue
        if not any(accepts(kind, config, key) for kind, config in targets):
            continue  # no target governs the object: nothing would be sent
        out.append(Enforcement(key.target.value, f"{key.namespace.rstrip('/')}/{key.name}", describe(diff)))
    return out
