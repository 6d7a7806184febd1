"""The contract and freshness monitor: a change-feed consumer plus a schedule.

On the feed (its own offset, ``consumer_offsets``): a change to a dataset, to one of its columns
(a connector scan that drops a column), to an S3 object under a contracted prefix (an object
created), a run that COMPLETEs writing a dataset (OpenLineage, a pipeline), or a quality result
marks the dataset as updated (its update history, from which a cadence is learned) and
re-evaluates the contracts that govern it. The monitor never calls into the flows that wrote those
changes: it only reads the feed. On the schedule (``tick``), every contract is evaluated and every
dataset with an expected cadence (its contract's ``freshness`` SLA, or learned) is judged late or
not: late opens a freshness incident (source ``lily_freshness``), an update resolves it.

Time is injected (``clock``): tests and pipelines-driven deployments decide what "now" is.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from lily.bus.commits import notify_committed
from lily.contracts import freshness
from lily.contracts.odcs import Contract
from lily.contracts.service import ACTOR, contracts_for, evaluate_contract, last_update, under
from lily.model import AssetRef, ChangeSet, UpsertIncident, asset_id
from lily.model.change import ChangeKind
from lily.observability import log
from lily.store import Store, catalog
from lily.store import contracts as repo
from lily.store import incidents as incident_store
from lily.store.apply import apply_in
from lily.store.feed import Touch, commit_offset, get_offset, touches_after, window_end

CONSUMER = "contracts"
FRESHNESS_SOURCE = "lily_freshness"
_KINDS = [ChangeKind.ASSET_CREATED.value, ChangeKind.ASSET_UPDATED.value, ChangeKind.ASSET_DELETED.value,
          ChangeKind.RUN_UPDATED.value, ChangeKind.QUALITY_RECORDED.value]
_DATASET_TYPES = {"table", "view", "dataset", "file", "topic", "model"}
Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class ContractMonitor:
    def __init__(self, store: Store, *, clock: Clock = _utc_now, batch: int = 500, read_data: bool = True,
                 window: int = 10_000) -> None:
        self.store = store
        self.clock = clock
        self.batch = batch
        self.read_data = read_data
        # Change numbers one read walks at most. Why: the offset moves past changes of kinds the
        # monitor does not read too, so a long run of them (a propagation's classifications, a
        # crawl's lineage) is walked once, not again on every drain until a change it reads comes.
        self.window = window

    # ------------------------------------------------------------------ the feed
    def _touched(self, conn: Any, tenant: str, touches: list[Touch], contracts: list[dict[str, Any]]
                 ) -> tuple[set[AssetRef], list[tuple[uuid.UUID, datetime, int, str]]]:
        asset_kinds = (ChangeKind.ASSET_CREATED.value, ChangeKind.ASSET_UPDATED.value, ChangeKind.ASSET_DELETED.value)
        ids = {t.asset_id for t in touches if t.kind in asset_kinds and t.raw_asset_id is not None}
        assets = catalog.get_many(conn, tenant, sorted(ids, key=str))
        parents = catalog.get_many(conn, tenant, sorted({a.parent_id for a in assets.values()
                                                         if a.ref.field and a.parent_id}, key=str))
        refs: set[AssetRef] = set()
        updates: list[tuple[uuid.UUID, datetime, int, str]] = []
        outputs: dict[tuple[str, str], tuple[AssetRef, uuid.UUID]] = {}
        prefixes = _contracted_datasets(tenant, contracts)
        for t in touches:
            if t.actor == ACTOR:
                continue  # the monitor's own writes (contract status on the asset, incidents)
            if t.kind in asset_kinds:
                asset = assets.get(t.asset_id)  # type: ignore[arg-type]
                if asset is None:
                    continue
                if asset.ref.field:
                    parent = parents.get(asset.parent_id) if asset.parent_id else None
                    if parent is not None:
                        refs.add(parent.ref)
                    continue
                refs.add(asset.ref)
                if asset.type.value in _DATASET_TYPES and t.kind != ChangeKind.ASSET_DELETED.value:
                    updates.append((asset.id, t.at, t.seq, t.kind))
                elif asset.type.value == "s3_object" and t.kind == ChangeKind.ASSET_CREATED.value:
                    # An export's new object updates the contracted dataset above it (its freshness
                    # and learned cadence), not the object: an object is created once, so a history
                    # of its own was never read, and cost a row per object of every bucket.
                    updates += [(aid, t.at, t.seq, "s3 object created")
                                for ref, aid in prefixes if under(asset.ref, ref)]
            elif t.kind == ChangeKind.RUN_UPDATED.value and (t.after or {}).get("state") == "COMPLETED":
                # The change records the run's outputs: no read of the run per change (the feed
                # carries one per OpenLineage COMPLETE, thousands a second).
                for out in t.after.get("outputs") or []:  # type: ignore[union-attr]
                    key = (out["namespace"], out["name"])
                    if key not in outputs:  # a job writes the same tables run after run
                        ref = AssetRef(namespace=key[0], name=key[1])
                        outputs[key] = (ref, asset_id(tenant, ref))
                    ref, aid = outputs[key]
                    refs.add(ref)
                    updates.append((aid, t.at, t.seq, "run completed"))
            elif t.kind == ChangeKind.QUALITY_RECORDED.value and t.raw_asset_id is not None:
                quality_of = catalog.get_asset(conn, tenant, t.asset_id)  # type: ignore[arg-type]
                if quality_of is not None:
                    refs.add(quality_of.ref)
        return refs, updates

    def drain_tenant(self, tenant: str) -> int:
        """Process the feed of one tenant up to its end; the number of changes of the kinds it reads."""
        total = 0
        while True:
            # Read outside the write transaction: on SQLite a write transaction holds the one write
            # lock, and reading 5,000 changes with their runs inside it stalled the inbound worker
            # and the accept routes for 1.5 s (benchmarks/inbound.py, steady 1,000/s p99 4 ms →
            # 1.5 s). The monitor is the feed's only consumer under its name, so the offset read
            # here is still the offset when the short write below moves it.
            with self.store.read() as conn:
                offset = get_offset(conn, CONSUMER, tenant)
                upto = window_end(conn, tenant, offset, self.window)
                if upto == offset:
                    return total
                touches = touches_after(conn, tenant, offset, self.batch, _KINDS, ChangeKind.RUN_UPDATED.value,
                                        upto=upto)
                reached = touches[-1].seq if len(touches) == self.batch else upto
                contracts: list[dict[str, Any]] = []
                refs: set[AssetRef] = set()
                planned = None
                if touches:
                    contracts = repo.list_contracts(conn, tenant)
                    refs, updates = self._touched(conn, tenant, touches, contracts)
                    planned = repo.plan_updates(conn, tenant, updates, freshness.BURST)
            with self.store.write() as conn:
                if planned is not None:
                    repo.write_updates(conn, planned)
                commit_offset(conn, CONSUMER, tenant, reached, self.clock())
            total += len(touches)
            for contract_id in contracts_for(contracts, refs):
                try:
                    evaluate_contract(self.store, tenant, contract_id, now=self.clock(), read_data=self.read_data)
                except Exception:
                    log.exception("contract_evaluation_failed", tenant=tenant, contract=contract_id)

    # ------------------------------------------------------------------ the schedule
    def tick(self, tenant: str) -> dict[str, Any]:
        """Evaluate every contract and judge every dataset's freshness, now."""
        self.drain_tenant(tenant)
        now = self.clock()
        with self.store.read() as conn:
            rows = repo.list_contracts(conn, tenant)
        evaluated = {}
        for row in rows:
            try:
                result = evaluate_contract(self.store, tenant, row["contract_id"], now=now, read_data=self.read_data)
                evaluated[row["contract_id"]] = result.status if result else None
            except Exception:
                log.exception("contract_evaluation_failed", tenant=tenant, contract=row["contract_id"])
        return {"contracts": evaluated, "freshness": self.check_freshness(tenant, rows, now)}

    def check_freshness(self, tenant: str, contracts: list[dict[str, Any]], now: datetime) -> dict[str, str]:
        expected: dict[AssetRef, freshness.Expectation] = {}
        for row in contracts:
            sla = Contract(row["document"]).sla("freshness")
            if sla is not None and sla.seconds is not None and not sla.element_is_column():
                for d in row["datasets"] or []:
                    expected[AssetRef(namespace=d["namespace"], name=d["name"])] = freshness.Expectation(
                        sla.seconds, f"contract {row['contract_id']} freshness SLA")
        ops = []
        verdicts: dict[str, str] = {}
        with self.store.read() as conn:
            learned_ids = repo.datasets_with_history(conn, tenant, freshness.MIN_UPDATES)
            learned_assets = catalog.get_many(conn, tenant, learned_ids)
            history = repo.update_history(conn, tenant, learned_ids)
            for aid, asset in learned_assets.items():
                if asset.ref not in expected and asset.status.value == "active":
                    found = freshness.learned(history[aid])
                    if found is not None:
                        expected[asset.ref] = found
            for ref, expectation in sorted(expected.items(), key=lambda kv: str(kv[0])):
                asset = catalog.get_by_ref(conn, tenant, ref)
                if asset is None or asset.status.value != "active":
                    continue
                verdict = freshness.judge(last_update(conn, tenant, ref, asset.attributes), expectation, now)
                if verdict is None:
                    continue
                iid = incident_store.incident_id(tenant, FRESHNESS_SOURCE, str(ref))
                current = incident_store.get_incident(conn, tenant, iid)
                is_open = current is not None and current["status"] == "open"
                verdicts[str(ref)] = "late" if verdict.late else "on time"
                update = {"dataset": str(ref), "last_update": verdict.last_update.isoformat(),
                          "late": verdict.late, "expected_within_s": verdict.allowed_s}
                common = {"source": FRESHNESS_SOURCE, "external_id": str(ref), "affected": [ref], "observed_at": now,
                          "default_title": f"{ref} is late", "owner": asset.owners[0].name if asset.owners else None}
                if verdict.late and not is_open:
                    ops.append(UpsertIncident(**common, status="open", severity="medium",
                                              update={**update, "message": verdict.message()}))
                elif not verdict.late and is_open:
                    ops.append(UpsertIncident(**common, status="resolved", update=update))
        if ops:
            with self.store.write() as conn:
                result = apply_in(conn, ChangeSet(tenant_id=tenant, actor=ACTOR, operations=ops, at=now,
                                                  cause_event_id="freshness"))
            if result.changes:
                notify_committed(self.store.engine, tenant)
        return verdicts


def _contracted_datasets(tenant: str, contracts: list[dict[str, Any]]) -> list[tuple[AssetRef, uuid.UUID]]:
    refs = {AssetRef(namespace=d["namespace"], name=d["name"]) for row in contracts for d in row["datasets"] or []}
    return [(ref, asset_id(tenant, ref)) for ref in sorted(refs, key=str)]


class MonitorService:
    """``lily serve``'s thread: drain the feed every ``poll_s``, tick every ``interval_s``."""

    def __init__(self, monitor: ContractMonitor, tenants: Callable[[], list[str]], poll_s: float,
                 interval_s: float) -> None:
        self.monitor, self.tenants, self.poll_s, self.interval_s = monitor, tenants, poll_s, interval_s
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="lily-contracts", daemon=True)

    def _run(self) -> None:
        last_tick = -self.interval_s
        while not self.stopping.is_set():
            try:
                due = time.monotonic() - last_tick >= self.interval_s
                for tenant in self.tenants():
                    if due:
                        self.monitor.tick(tenant)
                    else:
                        self.monitor.drain_tenant(tenant)
                if due:
                    last_tick = time.monotonic()
            except Exception:
                log.exception("contract_monitor_failed")
            self.stopping.wait(self.poll_s)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(10)
