"""Replay of a failed or dead delivery: re-plan its object now and queue it again.

Its statements are rendered afresh from the last applied state to the *current* desired state:
replaying what was planned hours ago could re-apply a policy someone has since removed. When the
object has converged meanwhile (e.g. by ``lily reconcile``), there is nothing to send and the
delivery is closed as superseded — replay never duplicates an effect.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from lily.bus.commits import notify_committed
from lily.model.policy import ObjectKey, ObjectPolicy, TargetKind
from lily.outbound.config import ConfigError
from lily.outbound.connections import configured
from lily.outbound.deliver import Cause, Planner, desired_for, is_event_delivery, load_rules
from lily.outbound.secrets import SecretError
from lily.store import Store
from lily.store import governance as repo
from lily.store.feed import write_audit

REPLAYABLE = ("failed", "dead")


class ReplayRefused(Exception):
    """The delivery cannot be replayed (status, or its target is gone or unusable)."""


def replay(store: Store, tenant_id: str, delivery_id: uuid.UUID, actor: str, correlation_id: str | None,
           fernet_key: str, planner: Planner | None = None) -> dict[str, Any] | None:
    """The replayed delivery row, or None when it does not exist in the tenant."""
    planner = planner or Planner()
    now = datetime.now(UTC)
    with store.write() as conn:
        row = repo.get_delivery(conn, tenant_id, delivery_id)
        if row is None:
            return None
        if row["status"] not in REPLAYABLE:
            raise ReplayRefused(f"delivery is {row['status']}; only {' or '.join(REPLAYABLE)} deliveries are replayed")
        trow = repo.get_target(conn, tenant_id, row["target_id"])
        if trow is None:
            raise ReplayRefused("its target was deleted")
        try:
            target = configured(trow, fernet_key)
        except (SecretError, ConfigError) as e:
            raise ReplayRefused(f"its target is unusable: {e}") from None
        if is_event_delivery(row["object_key"]):
            # A notification is a fact: the same events are sent again (same ids: subscribers dedupe).
            repo.update_delivery(conn, delivery_id, {
                "status": "pending", "attempts": 0, "next_attempt_at": now, "first_attempt_at": None,
                "claimed_until": None, "replays": row["replays"] + 1, "updated_at": now})
        else:
            key = ObjectKey(target=TargetKind(trow["kind"]), namespace=row["namespace"], name=row["name"])
            applied = [r for r in repo.applied_for(conn, tenant_id, {(key.namespace, key.name)}, target.id)
                       if r["object_key"] == row["object_key"]]
            base = ObjectPolicy.model_validate(applied[0]["policy"]) if applied else None
            want = desired_for(conn, tenant_id, key, load_rules(conn, tenant_id)) if target.accepts(key) else None
            planner.object(conn, target, key, want, base,
                           Cause(row["cause_seq"], row["cause_at"], row["correlation_id"]), now, reuse=row)
        write_audit(conn, tenant_id, actor, "delivery.replay", at=now, entity_type="delivery",
                    entity_id=str(delivery_id), correlation_id=correlation_id,
                    details={"target": target.name, "object": row["object_key"], "previous_status": row["status"],
                             "attempts": row["attempts"], "last_error": row["last_error"]})
        updated = repo.get_delivery(conn, tenant_id, delivery_id)
    notify_committed(store.engine, tenant_id)
    return updated
