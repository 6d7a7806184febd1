"""Inbound benchmark on real payloads: what users' tools send, applied through ``lily serve``.

``benchmarks/inbound.py`` measures one synthetic OpenLineage event (1 input, 1 output, 3 columns).
This script sends the shared sample payloads as producers send them, only their ids, keys, run ids
and timestamps made fresh, and keeps that synthetic event as a column so both stay comparable.

Corpora (one column each, ``--sources`` picks them):

- ``synthetic`` — ``inbound.py``'s event (COMPLETE, fresh run id, 50 jobs);
- ``dbt_own`` — the dbt model COMPLETE sample (2 inputs, 9 column-lineage fields, documentation,
  tags, parent), a START and a COMPLETE per run (the START is the same event as dbt-ol sends it
  before the model runs), 50 jobs each writing its own model;
- ``dbt_shared`` — the same, 50 jobs writing one shared table;
- ``openlineage`` — every OpenLineage sample (the Spark CTAS event with its 39 KB logical plan
  included; the dbt failed-run array as its 8 events with their runs and parents linked), a START
  and a COMPLETE per run, each in 50 jobs; DatasetEvents and JobEvents as they are;
- ``s3`` — S3 notifications (``{"Records": [...]}``, 50 records per request as an SQS relay batches
  them) built from the put, delete and restore samples: ObjectCreated bursts over many keys in the
  samples' few buckets, ObjectRemoved for a fifth of the keys created a request before;
- ``monte_carlo`` — signed webhooks (``x-mcd-signature``, the reference form): each incident opened
  by one of the two samples (fresh incident id), then acknowledged, owner changed, marked SEV-2 and
  resolved; the tenant's table mapping points the abbreviated sample's table at a dbt staging table
  50 models read, so every update computes a real blast radius (the dbt corpus is applied first);
- ``generic`` — ``POST /api/v1/events``, 50 per request: the documented crawler event (description,
  owners, columns, tags) over 500 tables, upserted, updated and schema-changed.

Per corpus, on a fresh ``lily serve`` (fresh data directory): ``--events`` events sent closed-loop
(``--concurrency`` connections), applied/s from the first request until the backlog is empty
(accepted = applied + failed + dead), worker CPU per event, and the bytes the worker and the API
wrote, as SQLite page frames per event (``/proc/<pid>/io`` ``wchar`` over 4,120 bytes: a WAL frame
is a 24-byte header and a 4 KiB page; the catalog's and the inbox's pages together). Then the mix
(``mixed``): per 100 events, 40 OpenLineage (batches of 10 from the ``openlineage`` corpus), 30 S3
records (requests of 10), 25 generic (one request) and 5 Monte Carlo webhooks, open loop at
``--rate`` events/s for ``--steady-seconds`` after a warm-up, p50/p99 received → applied over every
event it sent (from the events API).

Usage::

    python benchmarks/inbound_real.py                          # SQLite, local bus
    python benchmarks/inbound_real.py --sources s3 generic --events 1000 --skip-mixed
    python benchmarks/inbound_real.py --database-url postgresql+psycopg://... --bus-url nats://...
    python benchmarks/inbound_real.py --json

The server's in-process propagation/outbound threads are off, as in ``inbound.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import itertools
import json
import os
import platform
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from inbound import (
    CpuMeter,
    Load,
    Server,
    _children,
    _session,
    _timed,
    closed_loop,
    events_of,
    lag_ms,
    ol_event,
    pct,
    prebuilt,
    wait_applied,
)
from lily.inbound.sources.monte_carlo import SIGNATURE_HEADER, sign

SAMPLES = Path(os.environ.get("LILY_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared")) / "samples"
JOBS = 50
MC_SECRET = "bench-secret-" + "x" * 24
TEMPLATE = "{{ any(result) }}"
FRAME = 4096 + 24  # one WAL frame: header + page

Request = tuple[str, str, bytes] | tuple[str, str, bytes, dict[str, str]]


def _load(path: Path) -> Any:
    return json.loads(path.read_bytes())


def _dump(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


class Clock:
    """Fresh, increasing timestamps: every event is later than the one before."""

    def __init__(self) -> None:
        self.t = datetime.now(UTC)

    def next(self) -> datetime:
        self.t += timedelta(milliseconds=1)
        return self.t


# ------------------------------------------------------------------------------------ OpenLineage

def _suffixed(name: str, j: int) -> str:
    return f"{name}_{j}"


def _run_pair(event: dict[str, Any], clock: Clock, job: int, own_output: bool) -> list[dict[str, Any]]:
    """A START and a COMPLETE of one fresh run of ``event``'s job number ``job`` (the sample's own
    type stays where it is: a START sample is followed by its COMPLETE, and the other way round)."""
    run_id = str(uuid.uuid4())
    pair = []
    for kind in ("START", "COMPLETE"):
        e = copy.deepcopy(event)
        e["eventType"] = kind
        e["eventTime"] = clock.next().isoformat()
        e["run"]["runId"] = run_id
        e["job"]["name"] = _suffixed(e["job"]["name"], job)
        if own_output:
            for out in e.get("outputs") or []:
                out["name"] = _suffixed(out["name"], job)
        pair.append(e)
    return pair


def dbt_events(n: int, *, shared: bool) -> list[dict[str, Any]]:
    sample = _load(SAMPLES / "openlineage" / "dbt_model_complete_columnlineage.json")
    clock, out = Clock(), []
    for run in itertools.count():
        out += _run_pair(sample, clock, run % JOBS, own_output=not shared)
        if len(out) >= n:
            return out[:n]
    raise AssertionError


def _templated_runs(events: list[dict[str, Any]], clock: Clock, job: int) -> list[dict[str, Any]]:
    """The dbt failed-run array: one fresh run id per job (its START, COMPLETE or FAIL share it),
    parents pointing at their job's run."""
    runs: dict[str, str] = {}
    out = []
    for event in events:
        e = copy.deepcopy(event)
        name = _suffixed(e["job"]["name"], job)
        e["job"]["name"] = name
        e["run"]["runId"] = runs.setdefault(name, str(uuid.uuid4()))
        e["eventTime"] = clock.next().isoformat()
        parent = (e["run"].get("facets") or {}).get("parent")
        if isinstance(parent, dict):
            pname = _suffixed(parent["job"]["name"], job)
            parent["job"]["name"] = pname
            parent["run"]["runId"] = runs.setdefault(pname, str(uuid.uuid4()))
        out.append(json.loads(json.dumps(e).replace(TEMPLATE, str(uuid.uuid4()))))
    return out


def openlineage_corpus(n: int) -> list[dict[str, Any]]:
    """Every OpenLineage sample, a run (START + COMPLETE) at a time, round robin over the samples
    and over 50 jobs of each."""
    samples = sorted((SAMPLES / "openlineage").glob("*.json"))
    clock, out = Clock(), []
    for round_ in itertools.count():
        job = round_ % JOBS
        for path in samples:
            data = _load(path)
            if isinstance(data, list):
                out += _templated_runs(data, clock, job)
            elif "run" in data and isinstance(data["run"], dict):
                out += _run_pair(data, clock, job, own_output=False)
            else:  # DatasetEvent, JobEvent: no run, sent as they are (fresh time)
                e = copy.deepcopy(data)
                e["eventTime"] = clock.next().isoformat()
                if "job" in e:
                    e["job"]["name"] = _suffixed(e["job"]["name"], job)
                out.append(e)
            if len(out) >= n:
                return out[:n]
    raise AssertionError


def lineage_requests(events: list[dict[str, Any]], per: int) -> list[Request]:
    return [("POST", "/api/v1/lineage/batch", _dump(events[i:i + per])) for i in range(0, len(events), per)]


# ---------------------------------------------------------------------------------------------- S3

def _records(name: str) -> list[dict[str, Any]]:
    return _load(SAMPLES / "s3" / name)["Records"]


class S3Stream:
    """S3 notification records: ObjectCreated over fresh keys in the samples' buckets, and
    ObjectRemoved for a fifth of the keys created a request earlier (sequencers increase per key)."""

    def __init__(self) -> None:
        self.created = [*_records("awsdocs_s3_objectcreated_put.json"), *_records("powertools_s3Event.json"),
                        *_records("powertools_s3EventGlacier.json")]
        self.removed = _records("powertools_s3EventDeleteObject.json")[0]
        self.clock, self.seq, self.n = Clock(), itertools.count(1), itertools.count()
        self.previous: list[dict[str, Any]] = []

    def _fresh(self, record: dict[str, Any], bucket: dict[str, Any] | None, key: str) -> dict[str, Any]:
        r = copy.deepcopy(record)
        r["eventTime"] = self.clock.next().isoformat().replace("+00:00", "Z")
        if bucket is not None:
            r["s3"]["bucket"] = copy.deepcopy(bucket)
        r["s3"]["object"]["key"] = key
        r["s3"]["object"]["sequencer"] = f"{next(self.seq):018X}"
        r["responseElements"]["x-amz-request-id"] = uuid.uuid4().hex[:16].upper()
        return r

    def records(self, count: int) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        removals = self.previous[: count // 5]
        for old in removals:
            out.append(self._fresh(self.removed, old["s3"]["bucket"], old["s3"]["object"]["key"]))
        made = []
        while len(out) < count:
            i = next(self.n)
            sample = self.created[i % len(self.created)]
            stem, dot, ext = sample["s3"]["object"]["key"].rpartition(".")
            key = f"exports/2026/{i // 1000:04d}/{stem or ext}-{i:07d}{dot}{ext if stem else ''}"
            made.append(self._fresh(sample, None, key))
            out.append(made[-1])
        self.previous = made
        return out

    def requests(self, events: int, per: int) -> list[Request]:
        return [("POST", "/api/v1/webhooks/s3", _dump({"Records": self.records(min(per, events - i))}))
                for i in range(0, events, per)]


# ------------------------------------------------------------------------------------- Monte Carlo

MC_TABLE = {"namespace": "postgres://localhost:5432", "name": "dbt_test.main.stg_customers"}
_UPDATES: list[dict[str, Any]] = [{}, {"alert_feedback": "investigating"}, {"owner": "data-oncall@example.com"},
                                  {"declared_alert_severity": "SEV-2"}, {"alert_feedback": "fixed"}]


def mc_webhooks(n: int, tenant: str) -> list[Request]:
    """Incident lifecycles (open, acknowledged, owner, SEV-2, resolved), signed as Monte Carlo signs."""
    opens = [_load(SAMPLES / "montecarlo" / "montecarlo_webhook_anomaly_incident_abbrev.json"),
             _load(SAMPLES / "montecarlo" / "montecarlo_webhook_custom_rule_breach.json")]
    out: list[Request] = []
    for i in itertools.count():
        incident = str(uuid.uuid4())
        for fields in _UPDATES:
            body = copy.deepcopy(opens[i % 2])
            body["payload"]["incident_id"] = incident
            body["payload"]["url"] = f"https://getmontecarlo.com/incidents/{incident}"
            body["payload"].update(fields)
            raw = _dump(body)
            out.append(("POST", f"/api/v1/webhooks/monte-carlo?tenant={tenant}", raw,
                        {SIGNATURE_HEADER: sign(raw, MC_SECRET), "Content-Type": "application/json"}))
            if len(out) >= n:
                return out
    raise AssertionError


def configure_monte_carlo(server: Server, auth: dict[str, str]) -> None:
    mapping = {"tables": [{"table": "artemis", "ref": MC_TABLE}]}
    httpx.put(f"{server.url}/api/v1/sources/monte-carlo/config", headers=auth, timeout=30,
              json={"secret": MC_SECRET, "mapping": mapping}).raise_for_status()


# ----------------------------------------------------------------------------------------- generic

_GENERIC_TYPES = ("asset.upserted", "metadata.updated", "schema.changed")


def generic_events(n: int, tenant: str) -> list[dict[str, Any]]:
    """The documented crawler event over 500 tables (docs/inbound-sources.md)."""
    clock = Clock()
    return [{"event_id": str(uuid.uuid4()), "event_type": _GENERIC_TYPES[i % 3], "timestamp": clock.next().isoformat(),
             "source": "crawler", "tenant_id": tenant,
             "payload": {"asset_id": f"postgres://db:5432/shop.public.t{i % 500}", "asset_type": "table",
                         "metadata": {"description": "Customers of the shop", "owners": ["a@x", {"name": "t", "type": "TEAM"}],
                                      "columns": ["id", {"name": "email", "type": "text"}] + (
                                          [{"name": "segment", "type": "text"}] if i % 3 == 2 else []),
                                      "tags": ["PII.email"], "display_name": f"t{i % 500}"}}}
            for i in range(n)]


def generic_requests(events: list[dict[str, Any]], per: int) -> list[Request]:
    return [("POST", "/api/v1/events", _dump(events[i:i + per])) for i in range(0, len(events), per)]


# ----------------------------------------------------------------------------------------- corpora

def corpus(name: str, n: int, tenant: str) -> list[Request]:
    """The requests of one corpus, ``n`` events in all."""
    if name == "synthetic":
        return lineage_requests([ol_event(i) for i in range(n)], 50)
    if name in ("dbt_own", "dbt_shared"):
        return lineage_requests(dbt_events(n, shared=name == "dbt_shared"), 50)
    if name == "openlineage":
        return lineage_requests(openlineage_corpus(n), 50)
    if name == "s3":
        return S3Stream().requests(n, 50)
    if name == "monte_carlo":
        return mc_webhooks(n, tenant)
    if name == "generic":
        return generic_requests(generic_events(n, tenant), 50)
    raise ValueError(name)


def mixed(n: int, tenant: str) -> list[tuple[Request, int]]:
    """(request, events in it): per 100 events 40 OpenLineage, 30 S3, 25 generic and 5 Monte Carlo."""
    rounds = max(1, n // 100)
    ol = iter(lineage_requests(openlineage_corpus(40 * rounds), 10))
    s3 = iter(S3Stream().requests(30 * rounds, 10))
    gen = iter(generic_requests(generic_events(25 * rounds, tenant), 25))
    mc = iter(mc_webhooks(5 * rounds, tenant))
    out: list[tuple[Request, int]] = []
    for _ in range(rounds):  # interleaved as independent producers would send them
        for _ in range(3):
            out += [(next(ol), 10), (next(s3), 10), (next(mc), 1)]
        out += [(next(ol), 10), (next(gen), 25), (next(mc), 1), (next(mc), 1)]
    return out


SOURCES = {"synthetic": "openlineage", "dbt_own": "openlineage", "dbt_shared": "openlineage",
           "openlineage": "openlineage", "s3": "s3", "monte_carlo": "monte_carlo", "generic": "generic"}


# ----------------------------------------------------------------------------------------- measures

def _wchar(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/io").read_text().splitlines():
            if line.startswith("wchar:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class Meter(CpuMeter):
    """``inbound.CpuMeter`` plus the bytes the worker and the API wrote, as WAL frames per event."""

    def __init__(self, server: Server) -> None:
        self._w0 = self._written(server)
        super().__init__(server)

    @staticmethod
    def _written(server: Server) -> tuple[int, int]:
        pid = server.proc.pid
        return _wchar(pid), sum(_wchar(c) for c in _children(pid))

    def per_event(self, events: int) -> dict[str, float]:
        api1, worker1 = self._written(self.server)
        n = max(1, events)
        return {**super().per_event(events),
                "worker_pages_per_event": round((worker1 - self._w0[1]) / FRAME / n, 2),
                "api_pages_per_event": round((api1 - self._w0[0]) / FRAME / n, 2)}


def _send(server: Server, requests: list[Request], auth: dict[str, str], concurrency: int) -> tuple[float, int]:
    load = asyncio.run(closed_loop(server.url, concurrency, len(requests), prebuilt(lambda i: requests[i],
                                                                                        len(requests)), auth))
    return load.seconds, load.errors


def warm(server: Server, requests: list[Request], auth: dict[str, str], timeout: float) -> None:
    _send(server, requests, auth, 4)
    wait_applied(server, timeout)


def _needs_dbt(name: str) -> bool:
    return name in ("monte_carlo", "mixed")


@contextlib.contextmanager
def fresh_database(env: dict[str, str]) -> Iterator[dict[str, str]]:
    """``env`` with a database of its own for one phase: on PostgreSQL a new database beside the
    one ``--database-url`` names, dropped afterwards (a second ``lily serve`` on the same database
    would find its admin and write no credentials); SQLite lives in the server's data directory."""
    url = env.get("LILY_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        yield env
        return
    import psycopg

    base, _, _ = url.rpartition("/")
    admin = url.replace("postgresql+psycopg://", "postgresql://", 1)
    name = f"lily_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {**env, "LILY_DATABASE_URL": f"{base}/{name}"}
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def measure_source(args: argparse.Namespace, env: dict[str, str], name: str) -> dict[str, Any]:
    with fresh_database(env) as phase_env:
        return _measure_source(args, phase_env, name)


def _measure_source(args: argparse.Namespace, env: dict[str, str], name: str) -> dict[str, Any]:
    server = Server(args.workers, env)
    try:
        auth = {"Authorization": f"Bearer {server.key}"}
        tenant = json.loads((server.dir / "admin-credentials.json").read_text())["tenant"]
        if name == "monte_carlo":
            configure_monte_carlo(server, auth)
            warm(server, corpus("dbt_own", 2 * JOBS, tenant), auth, args.timeout)
        requests = corpus(name, args.events, tenant)
        meter = Meter(server)
        seconds, errors = _send(server, requests, auth, args.concurrency)
        meter.load_ended()
        drained, _ = wait_applied(server, args.timeout)
        events = args.events
        applied = events_of(server, SOURCES[name], events * 2)
        failed = sum(1 for e in applied if e["status"] != "applied")
        return {"events": events, "requests": len(requests), "errors": errors, "failed_events": failed,
                "accepted_per_s": round(events / seconds), "applied_per_s": round(events / (seconds + drained)),
                "worker_boot_s": server.worker_boot_s and round(server.worker_boot_s, 2),
                **meter.per_event(events)}
    finally:
        server.stop()


def measure_mixed(args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    with fresh_database(env) as phase_env:
        return _measure_mixed(args, phase_env)


def _measure_mixed(args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    server = Server(args.workers, env)
    try:
        auth = {"Authorization": f"Bearer {server.key}"}
        tenant = json.loads((server.dir / "admin-credentials.json").read_text())["tenant"]
        configure_monte_carlo(server, auth)
        warm(server, corpus("dbt_own", 2 * JOBS, tenant), auth, args.timeout)
        warm(server, [r for r, _ in mixed(300, tenant)], auth, args.timeout)
        plan = mixed(int(args.rate * args.steady_seconds), tenant)
        total = sum(n for _, n in plan)
        # Requests are due as their events are: a request of 25 events takes 25 events' time.
        due = list(itertools.accumulate([0, *(n for _, n in plan)]))[:-1]
        since = datetime.now(UTC)
        meter = Meter(server)
        load = asyncio.run(_paced(server.url, [r for r, _ in plan], [d / args.rate for d in due], auth))
        meter.load_ended()
        drained, accepted = wait_applied(server, args.timeout)
        lags: list[float] = []
        for source in ("openlineage", "s3", "generic", "monte_carlo"):
            lags += lag_ms([e for e in events_of(server, source, accepted)
                            if datetime.fromisoformat(e["received_at"]) >= since])
        return {"offered_per_s": args.rate, "sent_events": total, "requests": len(plan), "errors": load.errors,
                "achieved_per_s": round(total / load.seconds),
                "accept_p99_ms": round(pct(load.latencies, .99) * 1e3, 2),
                "received_to_applied_p50_ms": round(pct(lags, .5), 1),
                "received_to_applied_p99_ms": round(pct(lags, .99), 1),
                "backlog_drain_s_after_load": round(drained, 2), **meter.per_event(total)}
    finally:
        server.stop()


async def _paced(url: str, requests: list[Request], offsets: list[float], auth: dict[str, str]) -> Load:
    """``inbound.open_loop`` with request i due at ``offsets[i]`` seconds (requests of different
    sizes), its latency counted from then."""
    load = Load()
    gate = asyncio.Semaphore(64)
    async with _session(url, auth, 64, 60) as client:
        async def send(req: Request, at: float) -> None:
            async with gate:
                await _timed(client, load, *req[:3], since=at, headers=req[3] if len(req) > 3 else None)

        start = time.perf_counter()
        tasks = []
        for req, offset in zip(requests, offsets, strict=True):
            at = start + offset
            delay = at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(send(req, at)))
        await asyncio.gather(*tasks)
        load.seconds = time.perf_counter() - start
    return load


# ------------------------------------------------------------------------------------------ report

COLUMNS = ("applied_per_s", "accepted_per_s", "worker_cpu_ms_per_event", "worker_pages_per_event",
           "api_pages_per_event", "failed_events", "errors", "cpu_steal_pct")


def table(results: dict[str, Any]) -> str:
    names = [n for n in results["sources"]]
    width = max(12, *(len(n) for n in names)) + 2
    lines = ["figure".ljust(28) + "".join(n.rjust(width) for n in names)]
    for col in COLUMNS:
        lines.append(col.ljust(28) + "".join(str(results["sources"][n].get(col, "")).rjust(width) for n in names))
    if "mixed" in results:
        lines.append("")
        lines.append(f"mixed stream at {results['mixed']['offered_per_s']:g} events/s:")
        lines += [f"  {k:32} {v}" for k, v in results["mixed"].items()]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=3000, help="events per corpus")
    parser.add_argument("--sources", nargs="*", default=list(SOURCES), choices=list(SOURCES))
    parser.add_argument("--concurrency", type=int, default=4, help="connections sending a corpus")
    parser.add_argument("--rate", type=float, default=1000.0, help="mixed stream: offered events/s")
    parser.add_argument("--steady-seconds", type=float, default=5.0)
    parser.add_argument("--skip-mixed", action="store_true")
    parser.add_argument("--workers", type=int, default=1, help="LILY_INBOUND_WORKERS of the server")
    parser.add_argument("--database-url", default=None,
                        help="default: SQLite in the server's data directory; PostgreSQL: each phase creates a "
                             "database of its own on that server (the URL's user may create databases)")
    parser.add_argument("--bus-url", default=None, help="nats://... for the JetStream bus (default: local)")
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--json", action="store_true", help="print JSON only")
    args = parser.parse_args()
    env = {"LILY_WORKERS_IN_PROCESS": "false"}
    if args.database_url:
        env["LILY_DATABASE_URL"] = args.database_url
    if args.bus_url:
        env["LILY_BUS_URL"] = args.bus_url
    results: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "database": args.database_url or "sqlite (default)", "bus": args.bus_url or "local",
        "events_per_source": args.events, "sources": {}}
    for name in args.sources:
        results["sources"][name] = measure_source(args, env, name)
        if not args.json:
            print(f"{name}: {results['sources'][name]}", file=sys.stderr, flush=True)
    if not args.skip_mixed:
        results["mixed"] = measure_mixed(args, env)
    results["load_average"] = [round(x, 2) for x in os.getloadavg()]
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"machine: {results['machine']}\ndatabase: {results['database']}, bus: {results['bus']}, "
          f"{args.events} events per corpus, load average at the end: {results['load_average']}")
    print(table(results))


if __name__ == "__main__":
    main()
