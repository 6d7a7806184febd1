"""Planner (pure): desired policy state vs last applied state -> the minimal diff for one object.

Re-planning a converged object (desired == applied) yields an empty diff. A missing desired state
means "no policy" (everything Lily applied is removed); a missing applied state means "nothing
applied yet".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lily.model.policy import ColumnMask, ObjectKey, ObjectPolicy, RowFilter

TagRef = tuple[str | None, str]  # (column, tag); column None = the table itself


@dataclass(frozen=True, slots=True)
class PolicyDiff:
    key: ObjectKey
    before: ObjectPolicy
    after: ObjectPolicy
    tags_set: frozenset[TagRef] = frozenset()
    tags_unset: frozenset[TagRef] = frozenset()
    masks_set: Mapping[str, ColumnMask] | None = None  # new or changed masks, by column
    masks_dropped: frozenset[str] = frozenset()
    # Targets allow one row policy per table, so any change replaces the whole set.
    row_filters_set: tuple[RowFilter, ...] = ()
    row_filter_drop: bool = False
    grants: frozenset[str] = frozenset()  # roles whose table-level revoke is lifted
    revokes: frozenset[str] = frozenset()  # roles newly denied on the table
    columns_changed: bool = False  # table shape changed (views built from it must be rebuilt)
    notify_changed: bool = False

    @property
    def is_empty(self) -> bool:
        return not (self.tags_set or self.tags_unset or self.masks_set or self.masks_dropped
                    or self.row_filters_set or self.row_filter_drop or self.grants or self.revokes
                    or self.columns_changed or self.notify_changed)

    @property
    def row_filters_changed(self) -> bool:
        return bool(self.row_filters_set) or self.row_filter_drop


def _tags(p: ObjectPolicy) -> set[TagRef]:
    return {(None, t) for t in p.table_tags} | {(c, t) for c, t in p.column_tags}


def plan(desired: ObjectPolicy | None, applied: ObjectPolicy | None, key: ObjectKey | None = None) -> PolicyDiff:
    """The minimal change taking ``applied`` to ``desired`` for one object."""
    k = key or (desired.key if desired is not None else applied.key if applied is not None else None)
    if k is None:
        raise ValueError("plan() needs a desired state, an applied state or a key")
    after = desired if desired is not None else ObjectPolicy.empty(k)
    before = applied if applied is not None else ObjectPolicy.empty(k)
    want, have = _tags(after), _tags(before)
    masks_set = {c: m for c, m in after.masks.items() if before.masks.get(c) != m}
    rf_changed = set(after.row_filters) != set(before.row_filters)
    return PolicyDiff(
        key=k, before=before, after=after,
        tags_set=frozenset(want - have), tags_unset=frozenset(have - want),
        masks_set=masks_set or None,
        masks_dropped=frozenset(set(before.masks) - set(after.masks)),
        row_filters_set=after.row_filters if rf_changed else (),
        row_filter_drop=rf_changed and not after.row_filters and bool(before.row_filters),
        grants=frozenset(before.revoked_roles - after.revoked_roles),
        revokes=frozenset(after.revoked_roles - before.revoked_roles),
        # Only matters when something is governed: shape changes of an ungoverned table are no-ops.
        columns_changed=before.columns != after.columns and not (before.is_empty and after.is_empty),
        notify_changed=before.notify != after.notify,
    )


def plan_all(desired: Mapping[ObjectKey, ObjectPolicy], applied: Mapping[ObjectKey, ObjectPolicy]) -> list[PolicyDiff]:
    """Non-empty diffs for every object desired or applied, in a stable order."""
    keys = sorted(set(desired) | set(applied), key=str)
    diffs = [plan(desired.get(k), applied.get(k), k) for k in keys]
    return [d for d in diffs if not d.is_empty]
