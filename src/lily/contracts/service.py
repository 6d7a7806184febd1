"""Contracts in the catalog: import, evaluate, and turn a breach into an incident (and back).

Evaluation gathers what the catalog knows (columns and types, the last update), runs the
contract's quality checks over the newest partition of the data in one aggregate scan where a
reader exists for the contract's server, and writes through the one apply path: the contract's
status on the dataset asset (``attributes.contract``) and, when the status turns to failing or the
findings change, an incident update (source ``lily_contracts``, Monte Carlo's incident model:
timeline, affected assets, blast radius); when it passes again, the update that resolves it.
Subscribers of ``notify`` rules get the incident as a signed webhook like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from lily.bus.commits import notify_committed
from lily.contracts import lint
from lily.contracts.evaluate import FAILING, PASSING, DatasetEvaluation, Observed, evaluate, overall
from lily.contracts.identity import datasets as contract_datasets
from lily.contracts.odcs import Contract, SchemaObject
from lily.model import AssetRef, AssetStatus, ChangeSet, MetadataEvent, UpsertAsset, UpsertIncident, asset_id
from lily.store import Store, catalog
from lily.store import contracts as repo
from lily.store import runs as run_store
from lily.store.apply import apply_in

ACTOR = "system:contracts"
SOURCE = "lily_contracts"
READ_LIMIT = 256 * 1024 * 1024


class ContractError(ValueError):
    def __init__(self, findings: list[lint.Finding]) -> None:
        super().__init__("; ".join(str(f) for f in findings))
        self.findings = findings


def _refs(contract: Contract) -> list[dict[str, str]]:
    return [{"namespace": r.namespace, "name": r.name, "schema": o.name} for o, r in contract_datasets(contract)
            if r is not None]


def import_contract(store: Store, tenant: str, document: dict[str, Any], *, actor: str = ACTOR,
                    at: datetime | None = None) -> tuple[Contract, bool, list[lint.Finding]]:
    """Store the document as it is (lint errors refuse it); returns (contract, created, warnings)."""
    findings = lint.lint_document(document)
    if lint.errors(findings):
        raise ContractError(lint.errors(findings))
    contract = Contract(document)
    with store.write() as conn:
        created = repo.put_contract(conn, tenant, contract.id, document, _refs(contract), actor,
                                    at or datetime.now(UTC))
    return contract, created, findings


def _parse_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def last_update(conn: Any, tenant: str, ref: AssetRef, attributes: dict[str, Any]) -> datetime | None:
    """The newest of: the dataset's ``last_modified`` (scans, S3 events), its recorded update history,
    and the end of the last completed run that wrote it."""
    aid = asset_id(tenant, ref)
    times = [t for t in (_parse_time(attributes.get("last_modified")),
                         *repo.update_history(conn, tenant, [aid])[aid][-1:],
                         run_store.last_modified(conn, tenant, [aid]).get(aid)) if t is not None]
    return max(times) if times else None


def observe(store: Store, tenant: str, ref: AssetRef) -> tuple[Observed, dict[str, Any] | None]:
    with store.read() as conn:
        asset = catalog.get_by_ref(conn, tenant, ref)
        if asset is None or asset.status is not AssetStatus.ACTIVE:
            return Observed(known=False), None
        # An S3 dataset's columns are the union over its partitions; one its newest file no longer
        # has (``in_latest_file`` false: the export dropped it) is missing from what is delivered now.
        cols = {c.ref.field: c.attributes.get("data_type") for c in catalog.columns_of(conn, tenant, asset.id)
                if c.attributes.get("in_latest_file") is not False}
        seen = last_update(conn, tenant, ref, asset.attributes)
    return Observed(known=True, columns=cols, last_update=seen), {"type": asset.type,
                                                                   "contract": asset.attributes.get("contract")}


def _quality(contract: Contract, obj: SchemaObject, ref: AssetRef, observed: Observed, now: datetime,
             read_data: bool) -> None:
    # Imported here: DuckDB, Arrow and the quality engine cost ~0.5 s of CPU at import, which every
    # start of `lily serve` (which runs the contract monitor) would pay before its first contract.
    import duckdb

    from lily.contracts.checks import compile_contract_checks
    from lily.contracts.readers import ReadError, readers
    from lily.quality import QualityError, run_checks

    try:
        checks = compile_contract_checks(contract, obj)
    except ValueError as e:
        observed.quality_error = f"the contract's rules do not compile: {e}"
        return
    if not checks or not read_data:
        return
    server = next((s for s in contract.servers() if str(s.get("type", "")).lower() in readers()), None)
    if server is None:
        observed.quality_error = "no reader for the contract's servers (s3 and local are read)"
        return
    try:
        part = readers()[str(server["type"]).lower()](server, ref, READ_LIMIT)
    except ReadError as e:
        observed.quality_error = str(e)
        return
    process_date: date = part.process_date or now.date()  # the partition's own date where it names one
    observed.partition, observed.process_date = part.path, process_date.isoformat()
    with duckdb.connect() as conn:
        conn.register("contract_partition", part.table)
        try:
            observed.quality = run_checks(conn, "contract_partition", checks, process_date=process_date,
                                          pii_columns=[p.physical_name for p in obj.properties()])
        except QualityError as e:
            observed.quality_error = str(e)


@dataclass
class Evaluation:
    contract_id: str
    status: str
    datasets: list[DatasetEvaluation]
    incident: str | None = None  # "opened", "updated", "resolved"

    def as_dict(self) -> dict[str, Any]:
        return {"contract_id": self.contract_id, "status": self.status, "incident": self.incident,
                "datasets": [d.as_dict() for d in self.datasets]}


def _signature(results: list[DatasetEvaluation]) -> list[list[str]]:
    return sorted([str(r.dataset), f.kind, f.check] for r in results for f in r.findings)


def incident_ops(contract: Contract, previous: dict[str, Any] | None, status: str,
                 results: list[DatasetEvaluation], now: datetime) -> tuple[list[MetadataEvent], str | None]:
    """The incident update this evaluation calls for, if any (pure)."""
    before_status = (previous or {}).get("status")
    before_sig = ((previous or {}).get("result") or {}).get("signature")
    sig = _signature(results)
    affected = [r.dataset for r in results if r.dataset is not None and (r.findings or status == PASSING)]
    owners = contract.owners()
    common = {"source": SOURCE, "external_id": contract.id, "affected": affected, "observed_at": now,
              "default_title": f"Contract {contract.id} breached", "owner": owners[0] if owners else None,
              "link": None}
    if status == FAILING and (before_status != FAILING or before_sig != sig):
        update = {"contract": contract.id, "version": contract.version, "status": FAILING,
                  "evaluated_at": now.isoformat(),
                  "findings": [{"dataset": str(r.dataset), **f.as_dict()} for r in results for f in r.findings]}
        op = UpsertIncident(**common, status="open", severity="high", update=update)
        return [op], "opened" if before_status != FAILING else "updated"
    if status == PASSING and before_status == FAILING:
        update = {"contract": contract.id, "version": contract.version, "status": PASSING,
                  "evaluated_at": now.isoformat()}
        return [UpsertIncident(**common, status="resolved", update=update)], "resolved"
    return [], None


def evaluate_contract(store: Store, tenant: str, contract_id: str, *, now: datetime | None = None,
                      read_data: bool = True) -> Evaluation | None:
    now = now or datetime.now(UTC)
    with store.read() as conn:
        row = repo.get_contract(conn, tenant, contract_id)
    if row is None:
        return None
    contract = Contract(row["document"])
    results = []
    asset_ops: list[MetadataEvent] = []
    for obj, ref in contract_datasets(contract):
        observed, asset = (Observed(known=False), None) if ref is None else observe(store, tenant, ref)
        if ref is not None and observed.known:
            _quality(contract, obj, ref, observed, now, read_data)
        result = evaluate(contract, obj, ref, observed, now)
        results.append(result)
        if ref is not None and asset is not None:
            mark = {"id": contract.id, "version": contract.version, "status": result.status}
            if asset["contract"] != mark:  # the asset shows its contract's status; written when it changes
                asset_ops.append(UpsertAsset(ref=ref, type=asset["type"], attributes={"contract": mark}))
    status = overall(results)
    ops, incident = incident_ops(contract, row, status, results, now)
    with store.write() as conn:
        result_doc = {"datasets": [r.as_dict() for r in results], "signature": _signature(results),
                      "evaluated_at": now.isoformat()}
        repo.set_result(conn, tenant, contract_id, status, result_doc, now)
        applied = apply_in(conn, ChangeSet(tenant_id=tenant, actor=ACTOR, operations=[*asset_ops, *ops], at=now,
                                           cause_event_id=f"contract:{contract_id}")) if asset_ops or ops else None
    if applied is not None and applied.changes:
        notify_committed(store.engine, tenant)
    return Evaluation(contract.id, status, results, incident)


def under(ref: AssetRef, dataset: AssetRef) -> bool:
    """``ref`` is ``dataset`` or an S3 object under its prefix."""
    return ref.namespace == dataset.namespace and (
        ref.name == dataset.name or ref.name.startswith(dataset.name.rstrip("/") + "/"))


def contracts_for(rows: list[dict[str, Any]], refs: set[AssetRef]) -> list[str]:
    """Of the contract ``rows`` (``store.contracts.list_contracts``), those governing any of ``refs``
    (an S3 object counts for the contracted prefix above it)."""
    out = []
    for row in rows:
        for d in row["datasets"] or []:
            dataset = AssetRef(namespace=d["namespace"], name=d["name"])
            if any(under(r, dataset) for r in refs):
                out.append(row["contract_id"])
                break
    return out
