"""Job runs and data-quality results: the write half used by the apply path, and the reads.

Run semantics (OpenLineage): metadata is additive across a run's events and a facet sent again
under the same name replaces the previous one. Events may arrive out of order (clients retry,
workers run in parallel), so every merge is guarded by event time: an older event never
overwrites a facet set by a newer one, and a terminal state (COMPLETED, FAILED, ABORTED) is never
reopened by a RUNNING/OTHER event (OTHER may legitimately arrive after completion).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, and_, bindparam, func, insert, or_, select, update

from lily.model import AssetRef, RecordQuality, RecordRun, RunState, stable_id
from lily.store import bulk
from lily.store.chunks import chunked, mappings_in, rows_in
from lily.store.rows import first_dict, utc
from lily.store.tables import assets, lineage_edges
from lily.store.tables_runs import quality_results, run_io, runs

TERMINAL = {RunState.COMPLETED.value, RunState.FAILED.value, RunState.ABORTED.value}
Snapshot = tuple[dict[str, Any] | None, dict[str, Any]]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def parse_time(value: Any) -> datetime | None:
    """Lenient ISO-8601 (naive means UTC); ``None`` for anything unparseable — facets are producer data."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return utc(datetime.fromisoformat(value.strip()))
    except ValueError:
        return None


def _ref(ref: AssetRef) -> dict[str, str]:
    return {"namespace": ref.namespace, "name": ref.name}


def _union(current: list[dict[str, str]], extra: list[AssetRef]) -> list[dict[str, str]]:
    out = list(current)
    for ref in extra:
        if _ref(ref) not in out:
            out.append(_ref(ref))
    return out


def _merge_state(current: dict[str, Any] | None, op: RecordRun, at: datetime) -> dict[str, Any]:
    """The run row after ``op``: a pure function of the stored row and the event."""
    t = utc(op.event_time)
    row: dict[str, Any] = dict(current) if current else {
        "state": op.state.value, "state_at": t, "event_types": [], "started_at": None, "ended_at": None,
        "facets": {}, "facet_times": {}, "parent_run_id": None, "inputs": [], "outputs": [],
        "first_event_at": t, "last_event_at": t, "created_at": at,
    }
    if current is not None:
        state, state_at = current["state"], utc(current["state_at"])
        incoming_terminal = op.state.value in TERMINAL
        if incoming_terminal and (state not in TERMINAL or t >= state_at):
            row["state"], row["state_at"], row["ended_at"] = op.state.value, t, t
        elif not incoming_terminal and state not in TERMINAL and t >= state_at:
            row["state"], row["state_at"] = op.state.value, t
    elif op.state.value in TERMINAL:
        row["ended_at"] = t
    if op.event_type and op.event_type not in row["event_types"]:
        row["event_types"] = [*row["event_types"], op.event_type]
    if op.event_type == "START":
        started = row["started_at"]
        row["started_at"] = t if started is None else min(utc(started), t)
    facets, times = dict(row["facets"]), dict(row["facet_times"])
    for name, facet in op.facets.items():
        seen = parse_time(times.get(name))
        if seen is None or t >= seen:
            facets[name], times[name] = facet, t.isoformat()
    row["facets"], row["facet_times"] = facets, times
    nominal = facets.get("nominalTime") if isinstance(facets.get("nominalTime"), dict) else {}
    row["nominal_start_time"] = parse_time(nominal.get("nominalStartTime"))
    row["nominal_end_time"] = parse_time(nominal.get("nominalEndTime"))
    row["parent_run_id"] = op.parent_run_id or row["parent_run_id"]
    row["inputs"] = _union(row["inputs"], op.inputs)
    row["outputs"] = _union(row["outputs"], op.outputs)
    row["first_event_at"] = min(utc(row["first_event_at"]), t)
    row["last_event_at"] = max(utc(row["last_event_at"]), t)
    return row


def _summary(row: dict[str, Any]) -> dict[str, Any]:
    """What a run change records: facets by name only (some are tens of KB, e.g. Spark plans)."""
    return {
        "job_id": str(row["job_id"]), "state": row["state"], "event_types": row["event_types"],
        "started_at": _iso(row["started_at"]), "ended_at": _iso(row["ended_at"]),
        "facets": sorted(row["facets"]), "parent_run_id": row["parent_run_id"],
        "inputs": row["inputs"], "outputs": row["outputs"],
    }


# Built once: the inbound worker records a run per OpenLineage event.
_RUN_BY_KEY = select(runs).where(runs.c.tenant_id == bindparam("tenant"), runs.c.run_id == bindparam("run_id"))
_INSERT_RUN = insert(runs)
_INSERT_RUN_IO = insert(run_io)
# A run's later events restate its io: prebuilt, through store.bulk's driver-level plan (a fresh
# update().where(...) per row cost ~1 ms of SQLAlchemy per dbt COMPLETE event; issue 19's benchmark).
_IO_OF_RUN = select(run_io.c.asset_id, run_io.c.role, run_io.c.event_time).where(
    run_io.c.tenant_id == bindparam("tenant"), run_io.c.run_id == bindparam("run"))
_QUALITY_BY_ID = select(quality_results.c.scores, quality_results.c.status, quality_results.c.context).where(
    quality_results.c.id == bindparam("id"))
_INSERT_QUALITY = insert(quality_results)
_UPDATE_RUN = update(runs).where(runs.c.tenant_id == bindparam("k_tenant"), runs.c.run_id == bindparam("k_run"))
_UPDATE_IO = update(run_io).where(run_io.c.tenant_id == bindparam("k_tenant"), run_io.c.run_id == bindparam("k_run"),
                                  run_io.c.asset_id == bindparam("k_asset"), run_io.c.role == bindparam("k_role"))
_RUNS_BY_KEYS = select(runs).where(runs.c.tenant_id == bindparam("tenant"),
                                   runs.c.run_id.in_(bindparam("run_ids", expanding=True)))
_NO_RUN: dict[str, Any] = {}  # a looked-up run that does not exist (distinct from "not looked up")


class RunCache:
    """Run rows of one transaction, read ahead for many events, and (``defer``) new runs with their
    io rows waiting to be inserted together by ``flush``.

    Only prefetched rows are served: a run written in the transaction is read again (after a flush
    if its insert is still waiting), so a cached row is always what the database holds.
    """

    def __init__(self, *, defer: bool = False) -> None:
        self.defer = defer
        self.rows: dict[tuple[str, str], dict[str, Any]] = {}
        self.new_runs: list[dict[str, Any]] = []
        self.new_io: list[dict[str, Any]] = []
        self.waiting: set[tuple[str, str]] = set()

    def prefetch(self, conn: Connection, tenant: str, run_ids: Iterable[str]) -> None:
        wanted = sorted({r for r in run_ids if (tenant, r) not in self.rows and (tenant, r) not in self.waiting})
        for chunk in chunked(wanted):
            for row in bulk.query_dicts(conn, _RUNS_BY_KEYS, {"tenant": tenant, "run_ids": chunk}):
                self.rows[(tenant, row["run_id"])] = row
            for run_id in chunk:
                self.rows.setdefault((tenant, run_id), _NO_RUN)

    def flush(self, conn: Connection) -> None:
        """Insert the waiting runs, then their io rows."""
        bulk.executemany(conn, _INSERT_RUN, self.new_runs)
        bulk.executemany(conn, _INSERT_RUN_IO, self.new_io)
        self.new_runs, self.new_io = [], []
        self.waiting.clear()

    def clear(self) -> None:
        """Forget everything, waiting inserts included (the caller rolled them back)."""
        self.rows.clear()
        self.new_runs, self.new_io = [], []
        self.waiting.clear()

    def current(self, conn: Connection, tenant: str, run_id: str) -> dict[str, Any] | None:
        key = (tenant, run_id)
        if key in self.waiting:
            self.flush(conn)  # a second event of a run created in this batch
        found = self.rows.pop(key, None)  # served once: the caller is about to write the run
        if found is None:
            return _load_run(conn, tenant, run_id)
        return None if found is _NO_RUN else found


def _load_run(conn: Connection, tenant: str, run_id: str) -> dict[str, Any] | None:
    found = bulk.query_dicts(conn, _RUN_BY_KEY, {"tenant": tenant, "run_id": run_id})
    return found[0] if found else None


def record_run(conn: Connection, tenant: str, at: datetime, op: RecordRun, job_id: uuid.UUID,
               io: list[tuple[uuid.UUID, str]], versions: dict[uuid.UUID, int] | None = None,
               cache: RunCache | None = None) -> Snapshot | None:
    """Merge one run event; returns (before, after) of the changed fields, or ``None`` if nothing changed.

    ``versions``: current versions of the job and io assets when the caller has them (else read here).
    ``cache``: the transaction's run rows (see ``RunCache``).
    """
    current = cache.current(conn, tenant, op.run_id) if cache is not None else _load_run(conn, tenant, op.run_id)
    if versions is None:
        ids = [job_id, *(aid for aid, _ in io)]
        versions = dict(conn.execute(select(assets.c.id, assets.c.version).where(assets.c.id.in_(ids))).all())
    row = _merge_state(current, op, at)
    row["job_id"], row["job_version"] = job_id, versions.get(job_id)
    if current is None and cache is not None and cache.defer:
        cache.new_runs.append({"tenant_id": tenant, "run_id": op.run_id, "updated_at": at, **row})
        cache.new_io.extend(_io_rows(tenant, op, job_id, io, versions))
        cache.waiting.add((tenant, op.run_id))
        return None, _summary(row)
    _record_io(conn, tenant, op, job_id, io, versions, new_run=current is None)
    if current is None:
        conn.execute(_INSERT_RUN, {"tenant_id": tenant, "run_id": op.run_id, "updated_at": at, **row})
        return None, _summary(row)
    columns = [c for c in row if c not in ("created_at",) and row[c] != current.get(c)]
    if not columns:
        return None
    bulk.executemany(conn, _UPDATE_RUN, [{"k_tenant": tenant, "k_run": op.run_id, "updated_at": at,
                                           **{c: row[c] for c in columns}}])
    before, after = _summary(current), _summary(row)
    keys = [k for k in after if before.get(k) != after.get(k)]
    if not keys:  # only bookkeeping moved (event times, job version): state is unchanged for consumers
        return None
    return {k: before[k] for k in keys}, {k: after[k] for k in keys}


def _io_rows(tenant: str, op: RecordRun, job_id: uuid.UUID, io: list[tuple[uuid.UUID, str]],
             versions: dict[uuid.UUID, int]) -> list[dict[str, Any]]:
    """The io rows of ``io`` (each pair once)."""
    t = utc(op.event_time)
    return [{"tenant_id": tenant, "run_id": op.run_id, "asset_id": aid, "role": role, "job_id": job_id,
             "version": versions.get(aid), "event_time": t} for aid, role in dict.fromkeys(io)]


def _record_io(conn: Connection, tenant: str, op: RecordRun, job_id: uuid.UUID,
               io: list[tuple[uuid.UUID, str]], versions: dict[uuid.UUID, int], new_run: bool) -> None:
    if not io:
        return
    if new_run:  # a new run has no io rows yet: one multi-row insert, no lookups
        conn.execute(_INSERT_RUN_IO, _io_rows(tenant, op, job_id, io, versions))
        return
    t = utc(op.event_time)
    seen = {(aid, role): when for aid, role, when in bulk.query(conn, _IO_OF_RUN, {"tenant": tenant, "run": op.run_id})}
    bulk.executemany(conn, _UPDATE_IO, [
        {"k_tenant": tenant, "k_run": op.run_id, "k_asset": aid, "k_role": role, "job_id": job_id,
         "version": versions.get(aid), "event_time": t}
        for aid, role in dict.fromkeys(io) if (aid, role) in seen and t >= utc(seen[aid, role])])
    fresh = [pair for pair in io if pair not in seen]
    if fresh:
        conn.execute(_INSERT_RUN_IO, _io_rows(tenant, op, job_id, fresh, versions))


def record_quality(conn: Connection, tenant: str, at: datetime, op: RecordQuality,
                   aid: uuid.UUID) -> tuple[uuid.UUID, dict[str, Any]] | None:
    """Store one quality result; the same result (content, run, time) applied again is stored once."""
    content = orjson.dumps([op.assertions, op.metrics], option=orjson.OPT_SORT_KEYS, default=str)
    qid = stable_id(tenant, "quality", str(aid), op.run_id or "", utc(op.observed_at).isoformat(),
                    hashlib.sha256(content).hexdigest())
    scored = {"scores": op.scores or None, "status": op.status, "context": op.context or None}
    found = bulk.query_dicts(conn, _QUALITY_BY_ID, {"id": qid})
    stored = found[0] if found else None
    if stored is not None:
        # The same result again; a scoring producer may add what an OpenLineage copy of it lacked.
        fill = {k: v for k, v in scored.items() if v is not None and stored[k] is None}
        if not fill:
            return None
        conn.execute(update(quality_results).where(quality_results.c.id == qid).values(**fill))
        return qid, {"run_id": op.run_id, **fill}
    passed = sum(1 for a in op.assertions if a.get("success") is True)
    failed = sum(1 for a in op.assertions if a.get("success") is False)
    bulk.executemany(conn, _INSERT_QUALITY, [{
        "id": qid, "tenant_id": tenant, "asset_id": aid, "run_id": op.run_id, "assertions": op.assertions,
        "metrics": op.metrics, "passed": passed, "failed": failed, "observed_at": op.observed_at, "created_at": at,
        **scored}])
    summary = {"run_id": op.run_id, "passed": passed, "failed": failed,
               "metrics": sorted(op.metrics), "observed_at": _iso(utc(op.observed_at))}
    if op.status is not None:
        summary.update(status=op.status, scores=op.scores)
    return qid, summary


# ------------------------------------------------------------------------------------------ reads
@dataclass(frozen=True)
class StoredRun:
    run_id: str
    job_id: uuid.UUID
    job_version: int | None
    state: str
    event_types: list[str]
    started_at: datetime | None
    ended_at: datetime | None
    nominal_start_time: datetime | None
    nominal_end_time: datetime | None
    facets: dict[str, Any]
    parent_run_id: str | None
    inputs: list[dict[str, str]]
    outputs: list[dict[str, str]]
    first_event_at: datetime
    last_event_at: datetime
    created_at: datetime
    updated_at: datetime
    io: list[IoRow] = field(default_factory=list)


@dataclass(frozen=True)
class IoRow:
    asset_id: uuid.UUID
    role: str
    version: int | None


def _with_io(conn: Connection, tenant: str, rows: list[Any]) -> list[StoredRun]:
    io: dict[str, list[IoRow]] = {}
    q = select(run_io).where(run_io.c.tenant_id == tenant).order_by(run_io.c.event_time)
    for r in mappings_in(conn, q, run_io.c.run_id, [r["run_id"] for r in rows]):
        io.setdefault(r["run_id"], []).append(IoRow(r["asset_id"], r["role"], r["version"]))
    names = [f for f in StoredRun.__dataclass_fields__ if f != "io"]
    return [StoredRun(**{n: r[n] for n in names}, io=io.get(r["run_id"], [])) for r in rows]


def get_run(conn: Connection, tenant: str, run_id: str) -> StoredRun | None:
    row = _load_run(conn, tenant, run_id)
    return _with_io(conn, tenant, [row])[0] if row else None


def runs_of_job(conn: Connection, tenant: str, job_id: uuid.UUID, *, limit: int = 100,
                offset: int = 0) -> tuple[int, list[StoredRun]]:
    """(total, newest-first page) of a job's runs."""
    where = (runs.c.tenant_id == tenant, runs.c.job_id == job_id)
    total = conn.execute(select(func.count()).select_from(runs).where(*where)).scalar_one()
    rows = conn.execute(select(runs).where(*where).order_by(runs.c.first_event_at.desc(), runs.c.run_id)
                        .limit(limit).offset(offset)).mappings().all()
    return total, _with_io(conn, tenant, list(rows))


def latest_runs(conn: Connection, tenant: str, job_ids: list[uuid.UUID], n: int = 10) -> dict[uuid.UUID, list[StoredRun]]:
    """The ``n`` newest runs of each job (one query; jobs in a page rarely have many runs each)."""
    out: dict[uuid.UUID, list[Any]] = {}
    q = select(runs).where(runs.c.tenant_id == tenant).order_by(runs.c.first_event_at.desc(), runs.c.run_id)
    for row in mappings_in(conn, q, runs.c.job_id, job_ids):
        newest = out.setdefault(row["job_id"], [])
        if len(newest) < n:
            newest.append(row)
    return {job: _with_io(conn, tenant, rows) for job, rows in out.items()}


def job_links(conn: Connection, tenant: str, *, job_ids: set[uuid.UUID] | None = None,
              asset_ids: set[uuid.UUID] | None = None) -> set[tuple[uuid.UUID, uuid.UUID, str]]:
    """(job, dataset, role) links touching the given jobs or datasets.

    Two sources agree on what a job reads and writes: the datasets its runs declared (``run_io``,
    which also covers jobs with only inputs, e.g. a dbt test) and the dataset-level lineage edges
    that carry the job (JobEvents declare lineage without a run).
    """
    links: set[tuple[uuid.UUID, uuid.UUID, str]] = set()
    declared = select(run_io.c.job_id, run_io.c.asset_id, run_io.c.role).distinct().where(run_io.c.tenant_id == tenant)
    for column, ids in ((run_io.c.job_id, job_ids), (run_io.c.asset_id, asset_ids)):
        links |= {(j, a, r) for j, a, r in rows_in(conn, declared, column, _sorted(ids))}
    e = lineage_edges
    dataset_edges = and_(e.c.tenant_id == tenant, e.c.level == "dataset", e.c.job_id.is_not(None))
    edges = select(e.c.source_id, e.c.target_id, e.c.job_id).where(dataset_edges)
    for src, dst, job in [*rows_in(conn, edges, e.c.job_id, _sorted(job_ids)),
                          *rows_in(conn, edges, (e.c.source_id, e.c.target_id), _sorted(asset_ids))]:
        links |= {(job, src, "input"), (job, dst, "output")}
    return links


def _sorted(ids: set[uuid.UUID] | None) -> list[uuid.UUID]:
    """``ids`` (None: none) in a stable order."""
    return sorted(ids or (), key=str)


def last_modified(conn: Connection, tenant: str, asset_ids: list[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    """When each dataset was last written by a completed run (Marquez ``lastModifiedAt``)."""
    q = (select(run_io.c.asset_id, func.max(runs.c.ended_at))
         .select_from(run_io.join(runs, and_(runs.c.tenant_id == run_io.c.tenant_id, runs.c.run_id == run_io.c.run_id)))
         .where(run_io.c.tenant_id == tenant, run_io.c.role == "output", runs.c.state == RunState.COMPLETED.value)
         .group_by(run_io.c.asset_id))
    return {aid: utc(t) for aid, t in rows_in(conn, q, run_io.c.asset_id, sorted(set(asset_ids), key=str))
            if t is not None}


def writers_by_version(conn: Connection, tenant: str, aid: uuid.UUID) -> dict[int, str]:
    """Dataset version -> the run that wrote it (the latest such run when several did)."""
    q = (select(run_io.c.version, run_io.c.run_id).where(
        run_io.c.tenant_id == tenant, run_io.c.asset_id == aid, run_io.c.role == "output",
        run_io.c.version.is_not(None)).order_by(run_io.c.event_time))
    return {v: r for v, r in conn.execute(q).all()}


def quality_result(conn: Connection, tenant: str, qid: uuid.UUID) -> dict[str, Any] | None:
    return first_dict(conn, select(quality_results).where(quality_results.c.tenant_id == tenant,
                                                          quality_results.c.id == qid))


def quality_of(conn: Connection, tenant: str, aid: uuid.UUID, limit: int = 100,
               before: tuple[datetime, uuid.UUID] | None = None) -> list[dict[str, Any]]:
    """Quality results of an asset, newest first (ties by id, descending); ``before`` is the
    ``(observed_at, id)`` of the last result of the previous page."""
    q = select(quality_results).where(quality_results.c.tenant_id == tenant, quality_results.c.asset_id == aid)
    if before is not None:
        at, qid = before
        q = q.where(or_(quality_results.c.observed_at < at,
                        and_(quality_results.c.observed_at == at, quality_results.c.id < qid)))
    q = q.order_by(quality_results.c.observed_at.desc(), quality_results.c.id.desc()).limit(limit)
    return [dict(r) for r in conn.execute(q).mappings()]
