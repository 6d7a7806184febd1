"""Reconcile: re-plan everything, detect drift where the target can tell, converge.

1. Propagation is recomputed in full for the tenant (a missed change or a crash cannot leave a
   propagated tag behind or missing).
2. For each target, the desired policy of every object it governs is compared with what is really
   there: ``read_state`` for targets that can report it (PostgreSQL reads its catalogs, so a manual
   GRANT that re-opened a masked column is seen), the last applied state otherwise. A difference
   between the recorded and the real state is *drift*; the real state becomes the base.
3. Every object whose plan is not empty gets a delivery, delivered at once. A converged target
   yields no statements, so reconciling twice is harmless.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from lily.governance.consumer import PropagationConsumer
from lily.governance.rules import evaluate
from lily.model.policy import ObjectKey, ObjectPolicy
from lily.outbound.deliver import (
    Cause,
    Deliverer,
    Planner,
    PlanReport,
    load_governed,
    load_rules,
    load_targets,
)
from lily.outbound.plan import plan
from lily.store import Store
from lily.store import governance as repo


@dataclass(slots=True)
class TargetReport:
    tenant_id: str
    target: str
    kind: str
    objects: int = 0
    read_state: bool = False
    drifted: list[str] = field(default_factory=list)
    deliveries: int = 0
    statements: int = 0
    applied: int = 0
    failed: int = 0
    error: str | None = None


@dataclass(slots=True)
class ReconcileReport:
    propagation: dict[str, int] = field(default_factory=dict)  # tenant -> propagated rows changed
    targets: list[TargetReport] = field(default_factory=list)


def _real(p: ObjectPolicy | None) -> ObjectPolicy | None:
    return None if p is None or p.is_empty else p


def reconcile(store: Store, consumer: PropagationConsumer, deliverer: Deliverer, tenant_id: str | None = None,
              target_name: str | None = None, correlation_id: str = "reconcile") -> ReconcileReport:
    report = ReconcileReport()
    with store.read() as conn:
        tenants = [tenant_id] if tenant_id else repo.all_tenants(conn)
    planner: Planner = deliverer.planner
    for tenant in tenants:
        report.propagation[tenant] = consumer.recompute(tenant).written
        owner: dict[uuid.UUID, TargetReport] = {}
        with store.write() as conn:
            now = deliverer.clock()
            targets = [t for t in load_targets(conn, tenant, deliverer.fernet_key)
                       if t.enabled and (target_name is None or t.name == target_name)]
            if not targets:
                continue
            tables, _ = load_governed(conn, tenant, None)
            desired = evaluate(load_rules(conn, tenant), tables)
            applied_rows = repo.applied_for(conn, tenant)
            for t in targets:
                tr = TargetReport(tenant, t.name, t.kind.value)
                want = {k: p for k, p in desired.items() if t.accepts(k)}
                have: dict[ObjectKey, ObjectPolicy | None] = {}
                for r in applied_rows:
                    if r["target_id"] == t.id:
                        p = ObjectPolicy.model_validate(r["policy"])
                        have[p.key] = p
                keys = sorted(set(want) | set(have), key=str)
                tr.objects = len(keys)
                if t.can_read_state:
                    try:
                        connection = t.connect()
                        try:
                            actual = t.target.read_state(connection, keys)
                        finally:
                            connection.close()
                        tr.read_state = True
                        for key in keys:
                            real = _real(actual.get(key))
                            if not planner_diff_empty(have.get(key), real, key):
                                tr.drifted.append(str(key))
                                have[key] = real
                                repo.put_applied(conn, tenant, t.id, str(key), key.namespace, key.name,
                                                 real.model_dump(mode="json") if real else None, None, now)
                    except Exception as e:  # unreachable target: plan against the recorded state
                        tr.error = f"read_state failed: {e}"
                plan_report = PlanReport()
                for key in keys:
                    planner.object(conn, t, key, want.get(key), have.get(key), Cause(correlation_id=correlation_id),
                                   now, plan_report)
                tr.deliveries, tr.statements = len(plan_report.deliveries), plan_report.statements
                owner.update({d: tr for d in plan_report.deliveries})
                report.targets.append(tr)
        # One pass: what fails now follows the retry schedule of the running workers.
        for outcome in deliverer.deliver_due(tenant, limit=100_000):
            tr = owner.get(outcome.delivery_id)
            if tr is not None:
                if outcome.status == "applied":
                    tr.applied += 1
                else:
                    tr.failed += 1
    return report


def planner_diff_empty(recorded: ObjectPolicy | None, real: ObjectPolicy | None, key: ObjectKey) -> bool:
    """Whether the recorded applied state matches the real one (what a re-plan would act on)."""
    return plan(recorded, real, key).is_empty
