"""The incident is a fold of its timeline: order of arrival and redelivery never change the result."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from lily.model import AssetRef, UpsertIncident
from lily.store.incidents import entry_of, fold, merge_timeline, update_id

T0 = datetime(2026, 1, 1, tzinfo=UTC)
REFS = [AssetRef(namespace="bq", name=f"p.d.t{i}") for i in range(3)]

updates = st.builds(
    lambda minute, feedback, severity, owner, refs, missing: UpsertIncident(
        source="monte_carlo", external_id="inc-1", observed_at=T0 + timedelta(minutes=minute),
        status={None: None, "investigating": "investigating", "fixed": "resolved"}[feedback],
        owner=owner, affected=refs, unresolved=missing,
        update={"type": "incident_status_update", "observed_at": "ignored",
                **({"alert_feedback": feedback} if feedback else {}),
                **({"declared_alert_severity": severity} if severity != "absent" else {}),
                **({"owner": owner} if owner else {}), "minute": minute,
                # What the update names is part of its body, as in a real payload's event_list.
                "tables": [r.name for r in refs], "missing": missing}),
    st.integers(0, 50), st.sampled_from([None, "investigating", "fixed"]),
    st.sampled_from(["absent", None, "SEV-1", "SEV-3"]), st.sampled_from([None, "a@x", "b@x"]),
    st.lists(st.sampled_from(REFS), max_size=2, unique=True),
    st.lists(st.fixed_dictionaries({"table_name": st.sampled_from(["x", "y"])}), max_size=1),
)


def build(ops: list[UpsertIncident]) -> list[dict[str, Any]]:
    timeline: list[dict[str, Any]] = []
    for op in ops:
        timeline = merge_timeline(timeline, entry_of(op)) or timeline
    return timeline


@settings(max_examples=150, deadline=None)
@given(st.lists(updates, min_size=1, max_size=8), st.randoms(use_true_random=False))
def test_any_order_and_redelivery_give_the_same_incident(ops: list[UpsertIncident], rnd: Any) -> None:
    shuffled = list(ops)
    rnd.shuffle(shuffled)
    # A redelivery is received later: same body, later observation time.
    late = [o.model_copy(update={"observed_at": o.observed_at + timedelta(minutes=rnd.randint(0, 90))})
            for o in (rnd.choice(ops) for _ in range(3))]
    redelivered = late[:1] + shuffled + late[1:]
    assert build(ops) == build(redelivered)
    assert fold(build(ops)) == fold(build(redelivered))


@settings(max_examples=100, deadline=None)
@given(st.lists(updates, min_size=1, max_size=8))
def test_fold_matches_a_replay_in_time_order(ops: list[UpsertIncident]) -> None:
    """Reference model: sort distinct updates by time, then apply the documented field rules."""
    distinct: dict[str, UpsertIncident] = {}
    for op in ops:
        key = update_id(op.update)
        if key not in distinct or op.observed_at < distinct[key].observed_at:
            distinct[key] = op
    ordered = sorted(distinct.values(), key=lambda o: (o.observed_at, update_id(o.update)))
    status = owner = severity = None
    affected: list[dict[str, str]] = []
    unresolved: list[Any] = []
    for op in ordered:
        status = op.status if op.status is not None else status
        owner = op.owner if op.owner is not None else owner
        if "declared_alert_severity" in op.update:
            severity = op.update["declared_alert_severity"]
        affected += [r.model_dump() for r in op.affected if r.model_dump() not in affected]
        if op.affected or op.unresolved:
            unresolved = op.unresolved
    state = fold(build(ops))
    assert (state["status"], state["owner"], state["severity"]) == (status, owner, severity)
    assert state["affected"] == affected and state["unresolved"] == unresolved
    assert state["opened_at"] == ordered[0].observed_at and state["last_observed_at"] == ordered[-1].observed_at


def test_update_id_ignores_observation_time_only() -> None:
    assert update_id({"a": 1, "observed_at": "t1"}) == update_id({"a": 1, "observed_at": "t2"})
    assert update_id({"a": 1}) != update_id({"a": 2})
