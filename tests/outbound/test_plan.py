"""Planner properties: converged objects plan to nothing; applying a diff reaches the desired state."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from lily.model.policy import ColumnMask, MaskStrategy, ObjectKey, ObjectPolicy, RowFilter, TargetKind
from lily.outbound.plan import PolicyDiff, plan, plan_all
from lily.outbound.targets import DatabricksTarget, PostgresTarget, SnowflakeTarget

KEY = ObjectKey(target=TargetKind.SNOWFLAKE, namespace="snowflake://a", name="DB.S.T")
COLS = ("ID", "EMAIL", "PHONE", "COUNTRY")
ROLES = st.frozensets(st.sampled_from(["A", "B", "C"]), max_size=3)
masks = st.builds(ColumnMask, strategy=st.none() | st.sampled_from(list(MaskStrategy)), exempt_roles=ROLES,
                  denied_roles=ROLES, data_type=st.sampled_from([None, "VARCHAR", "NUMBER"]))
filters = st.builds(RowFilter, column=st.just("COUNTRY"), values=st.tuples(st.sampled_from(["UK", "US"])),
                    columns=st.just(("COUNTRY",)), allowed_roles=ROLES)
policies = st.builds(
    ObjectPolicy, key=st.just(KEY), columns=st.sampled_from([COLS, COLS[:3]]),
    table_tags=st.frozensets(st.sampled_from(["GDPR.personal", "Finance"])),
    column_tags=st.frozensets(st.tuples(st.sampled_from(COLS), st.sampled_from(["PII.email", "PII.phone"]))),
    masks=st.dictionaries(st.sampled_from(COLS), masks, max_size=3),
    row_filters=st.lists(filters, max_size=2, unique=True).map(tuple),
    revoked_roles=ROLES, notify=st.frozensets(st.sampled_from(["ops", "sec"])),
)


def apply_diff(d: PolicyDiff) -> ObjectPolicy:
    """Replay a diff onto its ``before`` using only the delta fields (what a target does)."""
    b = d.before
    tags = ({(None, t) for t in b.table_tags} | set(b.column_tags)) - d.tags_unset | d.tags_set
    m = {c: v for c, v in b.masks.items() if c not in d.masks_dropped} | dict(d.masks_set or {})
    rf = () if d.row_filter_drop else (d.row_filters_set or b.row_filters)
    return ObjectPolicy(key=b.key, columns=d.after.columns if d.columns_changed else b.columns,
                        table_tags=frozenset(t for c, t in tags if c is None),
                        column_tags=frozenset((c, t) for c, t in tags if c is not None), masks=m,
                        row_filters=rf, revoked_roles=(b.revoked_roles - d.grants) | d.revokes,
                        notify=d.after.notify if d.notify_changed else b.notify)


TARGETS = [SnowflakeTarget(), DatabricksTarget(), PostgresTarget(managed_roles=["A", "B"])]


@settings(max_examples=300, deadline=None)
@given(policies)
def test_converged_object_plans_nothing(p: ObjectPolicy) -> None:
    d = plan(p, p)
    assert d.is_empty
    assert all(t.render(d) == [] for t in TARGETS)
    assert plan_all({KEY: p}, {KEY: p}) == []


@settings(max_examples=300, deadline=None)
@given(policies, policies)
def test_diff_is_minimal_and_reaches_desired(before: ObjectPolicy, after: ObjectPolicy) -> None:
    d = plan(after, before)
    reached = apply_diff(d)
    if not (before.is_empty and after.is_empty):
        assert reached.columns == after.columns
    assert (reached.table_tags, reached.column_tags, reached.masks, set(reached.row_filters),
            reached.revoked_roles, reached.notify) == (after.table_tags, after.column_tags, after.masks,
                                                       set(after.row_filters), after.revoked_roles, after.notify)
    # minimal: nothing set that was already there, nothing unset that is still wanted
    assert not (d.tags_set & ({(None, t) for t in before.table_tags} | set(before.column_tags)))
    assert all(before.masks.get(c) != m for c, m in (d.masks_set or {}).items())
    assert d.grants <= before.revoked_roles and not (d.revokes & before.revoked_roles)
    assert plan(after, reached).is_empty or (before.is_empty and after.is_empty)
    for t in TARGETS:
        t.render(d)  # every target renders any diff without error


def test_missing_states_mean_empty() -> None:
    p = ObjectPolicy(key=KEY, columns=COLS, table_tags=frozenset({"X"}))
    assert plan(p, None).tags_set == {(None, "X")}
    assert plan(None, p, KEY).tags_unset == {(None, "X")}
    assert plan(None, None, KEY).is_empty
    # a shape change of an ungoverned table is not work
    assert plan(ObjectPolicy(key=KEY, columns=COLS), ObjectPolicy(key=KEY, columns=COLS[:2])).is_empty
