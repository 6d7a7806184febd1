"""Applying, deleting and syncing declared processes through the one apply path.

A process owns its edges. Applying it plans its operations (``plan_process``) and, in the same
transaction, removes the edges it owned before and no longer declares: not an edge another process
also declares, and not one some other job restated since (its ``job_id`` is no longer this
process's job). So re-applying a file with one edge fewer removes exactly that edge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lily.bus.commits import notify_committed
from lily.model import AssetRef, ChangeSet, DeleteAsset, MetadataEvent, RemoveLineage, asset_id
from lily.processes.files import FileProblem, digest, parse_file, process_files
from lily.processes.plan import Plan, Problem, plan_process
from lily.processes.spec import ProcessSpec
from lily.store import Store
from lily.store import processes as repo
from lily.store.apply import apply_in

ACTOR = "system:processes"


@dataclass
class Applied:
    name: str
    added: int = 0  # edges declared for the first time
    removed: int = 0  # owned edges no longer declared, removed
    kept: int = 0  # owned edges no longer declared, kept (another process or job claims them)
    changes: int = 0
    problems: list[Problem] = field(default_factory=list)
    unchanged: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "added": self.added, "removed": self.removed, "kept": self.kept,
                "changes": self.changes, "unchanged": self.unchanged,
                "problems": [p.as_dict() for p in self.problems]}


def _ref(key: tuple[str, str, str]) -> AssetRef:
    return AssetRef(namespace=key[0], name=key[1], field=key[2])


def _removals(conn: Any, tenant: str, name: str, job: AssetRef, before: set[repo.EdgeKey],
              now: set[repo.EdgeKey]) -> tuple[list[MetadataEvent], int]:
    dropped = before - now - repo.edges_owned_by_others(conn, tenant, name)
    jobs = repo.edge_jobs(conn, tenant, sorted(dropped))
    mine = asset_id(tenant, job)
    ops: list[MetadataEvent] = []
    kept = len(before - now - dropped)  # another process declares them
    for key in sorted(dropped):
        if key not in jobs:  # gone already (an end was deleted, or someone removed it)
            continue
        if jobs[key] in (mine, None):
            ops.append(RemoveLineage(source=_ref(key[0]), target=_ref(key[1])))
        else:
            kept += 1  # another job restated it since: not ours to remove
    return ops, kept


def apply_process(store: Store, tenant: str, spec: ProcessSpec, *, origin: str = "api", actor: str = ACTOR,
                  at: datetime | None = None, force: bool = False) -> Applied:
    at = at or datetime.now(UTC)
    body = spec.model_dump(mode="json", by_alias=True, exclude_none=True)
    sha = digest(body)
    with store.write() as conn:
        current = repo.get_process(conn, tenant, spec.name)
        patterns = [d.pattern for d in [*spec.inputs, *spec.outputs] if d.pattern is not None]
        matches = {p: repo.datasets_matching(conn, tenant, p) for p in patterns}
        named = [d.ref for d in [*spec.inputs, *spec.outputs] if d.ref is not None]
        datasets = list(dict.fromkeys([*named, *(r for refs in matches.values() for r in refs)]))
        plan: Plan = plan_process(spec, matches, repo.column_names(conn, tenant, datasets), origin=origin)
        now_edges = {repo.edge_key(s, t) for s, t in plan.edges}
        before = repo.owned_edges(current)
        if (current is not None and current["digest"] == sha and now_edges == before and not force
                and current["errors"] == [p.as_dict() for p in plan.problems]):
            return Applied(spec.name, unchanged=True, problems=plan.problems)  # nothing to write
        removals, kept = _removals(conn, tenant, spec.name, spec.job, before, now_edges)
        cs = ChangeSet(tenant_id=tenant, actor=actor, operations=[*plan.operations, *removals], at=at,
                       cause_event_id=f"process:{spec.name}")
        result = apply_in(conn, cs)
        repo.put_process(conn, tenant, spec.name, body=body, origin=origin, digest=sha, edges=sorted(now_edges),
                         errors=[p.as_dict() for p in plan.problems], actor=actor, at=at)
    if result.changes:
        notify_committed(store.engine, tenant)
    return Applied(spec.name, added=len(now_edges - before), removed=len(removals), kept=kept,
                   changes=len(result.changes), problems=plan.problems)


def delete_process(store: Store, tenant: str, name: str, *, actor: str = ACTOR, at: datetime | None = None) -> Applied | None:
    """Remove the process, the edges it owns (as re-applying it with none would) and its job asset."""
    at = at or datetime.now(UTC)
    with store.write() as conn:
        current = repo.get_process(conn, tenant, name)
        if current is None:
            return None
        spec = ProcessSpec.model_validate(current["body"])
        removals, kept = _removals(conn, tenant, name, spec.job, repo.owned_edges(current), set())
        result = apply_in(conn, ChangeSet(tenant_id=tenant, actor=actor, at=at, cause_event_id=f"process:{name}",
                                          operations=[*removals, DeleteAsset(ref=spec.job)]))
        repo.delete_process(conn, tenant, name)
    if result.changes:
        notify_committed(store.engine, tenant)
    return Applied(name, removed=len(removals), kept=kept, changes=len(result.changes))


@dataclass
class SyncReport:
    applied: list[Applied] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    invalid: list[FileProblem] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"applied": [a.as_dict() for a in self.applied], "deleted": self.deleted,
                "invalid": [p.as_dict() for p in self.invalid]}


def sync_directory(store: Store, tenant: str, directory: Path, *, actor: str = ACTOR,
                   at: datetime | None = None) -> SyncReport:
    """Apply every process file under ``directory``; a process whose file is gone is deleted. An
    invalid file is reported (file, line, field) and leaves its process as it was."""
    report = SyncReport()
    seen: set[str] = set()
    invalid_origins: set[str] = set()
    for path in process_files(directory):
        spec, problems = parse_file(path)
        if spec is None:
            report.invalid += problems
            invalid_origins.add(str(path))
            continue
        if spec.name in seen:
            report.invalid.append(FileProblem(str(path), None, "name", f"another file already declares {spec.name!r}"))
            continue
        seen.add(spec.name)
        report.applied.append(apply_process(store, tenant, spec, origin=str(path), actor=actor, at=at))
    root = str(directory)
    with store.read() as conn:
        stale = [r["name"] for r in repo.list_processes(conn, tenant)
                 if r["origin"].startswith(root) and r["name"] not in seen and r["origin"] not in invalid_origins]
    for name in stale:
        if delete_process(store, tenant, name, actor=actor, at=at) is not None:
            report.deleted.append(name)
    return report
