"""Cluster benchmark (issue 18): Lily as processes on PostgreSQL + NATS + S3 (``lily cluster``)
beside the single-process SQLite default (``lily serve``), in the same run, on the same stream.

The stream is ``inbound_real.py``'s mix (per 100 events: 40 OpenLineage, 30 S3 records, 25 generic,
5 signed Monte Carlo webhooks), built from the shared samples.

Phases:

1. **throughput** — ``--events`` events sent closed-loop (``--concurrency`` connections) to the
   cluster with 1 and with 2 inbound workers, and to ``lily serve``: applied events/s (first request
   until the last event is settled) and CPU per applied event, summed over every process from
   ``/proc`` (Lily's processes, and with PostgreSQL's, nats-server's and moto's: ``all``);
2. **steady** — open loop at ``--rate`` events/s for ``--steady-seconds``: p50/p99 received→applied
   (the inbox's ``applied_at - received_at``) on the cluster (2 inbound workers) and on ``lily serve``;
3. **soak** (``--soak-minutes M``, off by default) — the cluster at ``--rate`` for M minutes, twice:
   retention off (every ``LILY_RETENTION_*_DAYS`` 0) and tiny (``--tiny-retention-s`` ages, pruned
   every 10 s): RSS of every process after a warm-up and at the end, p99 received→applied per minute,
   the growth of the data directories (PostgreSQL, NATS, Lily's) extrapolated per hour, PostgreSQL's
   WAL apart, and the rows and size of the tables retention prunes (and of the catalog's) at both ends.

A benchmark, not a test: it prints figures and ratios. It needs the machine to itself (two cores
shared with anything else move every figure); the load average is printed with the results.

Usage::

    python benchmarks/cluster.py                         # throughput + steady
    python benchmarks/cluster.py --events 3000 --steady-seconds 20
    python benchmarks/cluster.py --soak-minutes 10       # and the soak (about 25 minutes in all)
    python benchmarks/cluster.py --soak-minutes 2 --soak-only
    python benchmarks/cluster.py --json
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from inbound_real import _paced, configure_monte_carlo, mixed
from sqlalchemy import func, select

from inbound import Server, _children, _cpu_of, closed_loop, pct, prebuilt
from lily.cluster.plan import Topology
from lily.cluster.postgres import PostgresServer
from lily.cluster.supervisor import Cluster
from lily.store import Store
from lily.store.tables_inbound import inbound_events as ie

UNLIMITED = {"LILY_RATE_LIMIT_PER_MINUTE": "100000000", "LILY_RATE_LIMIT_BURST": "1000000"}
RETENTION = ("APPLIED_EVENTS", "FAILED_EVENTS", "CHANGES", "DELIVERIES", "AUDIT", "RUNS")
SETTLED = ("applied", "failed", "dead")


def _tree(pid: int | None) -> list[int]:
    """``pid`` and its descendants."""
    if not pid:
        return []
    out = [pid]
    for child in _children(pid):
        out += _tree(child)
    return out


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


# What retention prunes (and the catalog rows the stream adds), counted in PostgreSQL at the soak's
# start and end: the data directories alone mostly show PostgreSQL's WAL and JetStream's blocks,
# which a few minutes cannot tell from growth.
SOAK_TABLES = ("inbound_events", "inbound_event_assets", "changes", "deliveries", "audit_log", "runs", "run_io",
               "assets", "asset_history", "search_docs")


def _table_stats(dep: Deployment) -> dict[str, dict[str, float]]:
    store = getattr(dep, "store", None)
    if store is None or store.engine.dialect.name != "postgresql":
        return {}
    out: dict[str, dict[str, float]] = {}
    with store.engine.connect() as conn:
        for table in SOAK_TABLES:
            rows = conn.exec_driver_sql(f"SELECT count(*), pg_total_relation_size('{table}') FROM {table}").one()
            out[table] = {"rows": int(rows[0]), "mb": round(rows[1] / 2**20, 1)}
    return out


def _wal_mb(paths: list[Path]) -> float:
    return _du_mb([Path(d) for root in paths for d, _, _ in os.walk(root) if Path(d).name == "pg_wal"])


def _du_mb(paths: list[Path]) -> float:
    total = 0
    for root in paths:
        for dirpath, _, files in os.walk(root):
            for name in files:
                try:
                    total += os.lstat(os.path.join(dirpath, name)).st_blocks * 512
                except OSError:
                    continue
    return round(total / 2**20, 1)


class Deployment:
    """What a phase needs of a running Lily: its URL, API key, tenant, store, processes, data."""

    url: str
    key: str
    tenant: str
    store: Store

    def processes(self) -> dict[str, list[int]]:  # name -> pids (a process and its children)
        raise NotImplementedError

    def data_dirs(self) -> list[Path]:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def lily_pids(self) -> list[int]:
        return [p for name, pids in self.processes().items() if name not in ("postgres", "nats", "moto")
                for p in pids]

    def all_pids(self) -> list[int]:
        return [p for pids in self.processes().values() for p in pids]


class ClusterDeployment(Deployment):
    def __init__(self, inbound: int) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="lily-bench-cluster-"))
        self.cluster = Cluster(self.dir / "cluster").up(Topology(inbound=inbound), proxy_port=0)
        self.url, creds = self.cluster.url, self.cluster.credentials
        self.key, self.tenant = creds["api_key"], creds["tenant"]
        self.store = Store.from_url(self.cluster.state["postgres"]["url"])

    def processes(self) -> dict[str, list[int]]:
        s = self.cluster.state
        out = {name: _tree(p["pid"]) for name, p in s["processes"].items()}
        out["postgres"] = _tree(PostgresServer(root=Path(s["postgres"]["root"])).pid())
        out["nats"], out["moto"] = [s["nats"]["pid"]], [s["moto"]["pid"]]
        return out

    def data_dirs(self) -> list[Path]:
        s = self.cluster.state
        return [Path(s["postgres"]["root"]), self.cluster.root / "nats", self.cluster.root / "lily"]

    def stop(self) -> None:
        self.store.dispose()
        self.cluster.down()
        self.cluster.reap()
        shutil.rmtree(self.dir, ignore_errors=True)


class ServeDeployment(Deployment):
    def __init__(self) -> None:
        self.server = Server(1, {**UNLIMITED, **{k: v for k, v in os.environ.items() if k.startswith("LILY_RETENTION")}})
        self.url, self.key = self.server.url, self.server.key
        self.tenant = json.loads((self.server.dir / "admin-credentials.json").read_text())["tenant"]
        self.store = Store.from_url(f"sqlite:///{self.server.dir / 'lily.db'}")

    def processes(self) -> dict[str, list[int]]:
        return {"serve": _tree(self.server.proc.pid)}

    def data_dirs(self) -> list[Path]:
        return [self.server.dir]

    def stop(self) -> None:
        self.store.dispose()
        self.server.stop()


# ------------------------------------------------------------------------------------------ measures

def stream(n: int, tenant: str) -> list[tuple[Any, int]]:
    """``inbound_real.mixed``, the S3 keys under a prefix of their own: each call's S3 records are
    new objects (the stream numbers its keys from 0 each time, so a second call would repeat the
    first one's records, and the inbox would take them as redeliveries)."""
    prefix, out = uuid.uuid4().hex[:8], []
    for req, events in mixed(n, tenant):
        if req[1] == "/api/v1/webhooks/s3":
            body = json.loads(req[2])
            for record in body["Records"]:
                record["s3"]["object"]["key"] = f"{prefix}/{record['s3']['object']['key']}"
            req = (req[0], req[1], json.dumps(body, separators=(",", ":")).encode())
        out.append((req, events))
    return out


def settled(dep: Deployment) -> int:
    with dep.store.inbox_read() as conn:
        return int(conn.execute(select(func.count()).select_from(ie).where(ie.c.status.in_(SETTLED))).scalar())


def wait_settled(dep: Deployment, expected: int, timeout: float) -> float:
    """Seconds until ``expected`` events are settled (applied, failed or dead)."""
    t0 = time.perf_counter()
    while settled(dep) < expected:
        if time.perf_counter() - t0 > timeout:
            raise RuntimeError(f"{settled(dep)} of {expected} events settled after {timeout:.0f} s")
        time.sleep(0.25)
    return time.perf_counter() - t0


def cpu(pids: list[int]) -> float:
    return sum(_cpu_of(p) for p in pids)


def lags_ms(dep: Deployment, since: datetime) -> list[tuple[datetime, float]]:
    """(received_at, received→applied ms) of every event applied that was received after ``since``."""
    with dep.store.inbox_read() as conn:
        rows = conn.execute(select(ie.c.received_at, ie.c.applied_at).where(
            ie.c.status == "applied", ie.c.received_at >= since)).all()
    return [(r, (a - r).total_seconds() * 1000) for r, a in rows]


def prepare(dep: Deployment, timeout: float) -> dict[str, str]:
    auth = {"Authorization": f"Bearer {dep.key}"}
    configure_monte_carlo(dep, auth)  # type: ignore[arg-type]
    send_paced(dep, stream(300, dep.tenant), 300.0, auth)  # warm-up: every source's code paths loaded
    wait_settled(dep, 300, timeout)
    return auth


def send_paced(dep: Deployment, plan: list[tuple[Any, int]], rate: float, auth: dict[str, str]) -> Any:
    due = list(itertools.accumulate([0, *(n for _, n in plan)]))[:-1]
    return asyncio.run(_paced(dep.url, [r for r, _ in plan], [d / rate for d in due], auth))


def throughput(dep: Deployment, args: argparse.Namespace) -> dict[str, Any]:
    auth = prepare(dep, args.timeout)
    plan = stream(args.events, dep.tenant)
    events, before = sum(n for _, n in plan), settled(dep)
    requests = [r for r, _ in plan]
    lily0, all0 = cpu(dep.lily_pids()), cpu(dep.all_pids())
    t0 = time.perf_counter()
    load = asyncio.run(closed_loop(dep.url, args.concurrency, len(requests), prebuilt(requests.__getitem__,
                                                                                      len(requests)), auth))
    wait_settled(dep, before + events, args.timeout)
    seconds = time.perf_counter() - t0
    lily1, all1 = cpu(dep.lily_pids()), cpu(dep.all_pids())
    return {"events": events, "errors": load.errors, "accepted_per_s": round(events / load.seconds),
            "applied_per_s": round(events / seconds),
            "cpu_ms_per_event_lily": round((lily1 - lily0) * 1000 / events, 2),
            "cpu_ms_per_event_all": round((all1 - all0) * 1000 / events, 2)}


def steady(dep: Deployment, args: argparse.Namespace) -> dict[str, Any]:
    auth = {"Authorization": f"Bearer {dep.key}"}
    plan = stream(int(args.rate * args.steady_seconds), dep.tenant)
    events, before = sum(n for _, n in plan), settled(dep)
    since = datetime.now(UTC)
    load = send_paced(dep, plan, args.rate, auth)
    drained = wait_settled(dep, before + events, args.timeout)
    lags = [ms for _, ms in lags_ms(dep, since)]
    return {"offered_per_s": args.rate, "achieved_per_s": round(events / load.seconds), "errors": load.errors,
            "received_to_applied_p50_ms": round(pct(lags, .5), 1),
            "received_to_applied_p99_ms": round(pct(lags, .99), 1), "backlog_drain_s": round(drained, 1)}


def _p99_between(dep: Deployment, start: datetime, end: datetime) -> float:
    return round(pct([ms for received, ms in lags_ms(dep, start) if received < end], .99), 1)


def _wait_drained(dep: ClusterDeployment, timeout: float) -> None:
    """Until no event waits in the inbox (retention prunes applied rows, never waiting ones; JetStream's
    own message count includes the lease bucket's stream, which never empties)."""
    deadline = time.monotonic() + timeout
    while True:
        with dep.store.inbox_read() as conn:
            waiting = conn.execute(select(func.count()).select_from(ie).where(ie.c.status == "received")).scalar()
        if not waiting:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"{waiting} events still waiting after {timeout:.0f} s")
        time.sleep(0.5)


def soak(args: argparse.Namespace, retention_s: float) -> dict[str, Any]:
    """The cluster at ``--rate`` for ``--soak-minutes``; ``retention_s`` 0: retention off."""
    days = str(retention_s / 86400)
    os.environ.update({f"LILY_RETENTION_{k}_DAYS": days for k in RETENTION})
    os.environ["LILY_RETENTION_INTERVAL_S"] = "10" if retention_s else "3600"
    dep = ClusterDeployment(2)
    try:
        auth = prepare(dep, args.timeout)
        send_paced(dep, stream(int(args.rate * 30), dep.tenant), args.rate, auth)  # warm-up: 30 s at the rate
        rss0 = {name: round(sum(_rss_mb(p) for p in pids), 1) for name, pids in dep.processes().items()}
        disk0, wal0, tables0, t0 = _du_mb(dep.data_dirs()), _wal_mb(dep.data_dirs()), _table_stats(dep), time.monotonic()
        # Retention prunes applied inbox rows as the soak runs, so a minute's received→applied
        # times are read a minute after it (its rows younger than the retention age), and the end
        # is when JetStream's work queue is empty, not a count of inbox rows.
        per_minute: list[float] = []
        starts: list[datetime] = []
        for _ in range(args.soak_minutes):
            starts.append(datetime.now(UTC))
            send_paced(dep, stream(int(args.rate * 60), dep.tenant), args.rate, auth)
            if len(starts) > 1:
                per_minute.append(_p99_between(dep, starts[-2], starts[-1]))
        minutes = (time.monotonic() - t0) / 60
        rss1 = {name: round(sum(_rss_mb(p) for p in pids), 1) for name, pids in dep.processes().items()}
        disk1, wal1 = _du_mb(dep.data_dirs()), _wal_mb(dep.data_dirs())
        _wait_drained(dep, args.timeout)
        tables1 = _table_stats(dep)
        per_minute.append(_p99_between(dep, starts[-1], datetime.now(UTC)))
        return {"retention": f"{retention_s:g} s" if retention_s else "off", "minutes": round(minutes, 1),
                "events_per_minute": int(args.rate * 60), "rss_mb_start": rss0, "rss_mb_end": rss1,
                "rss_growth_pct": {n: round((rss1[n] - rss0[n]) * 100 / rss0[n], 1) for n in rss0 if rss0[n]},
                "p99_ms_per_minute": per_minute,
                "disk_mb_start": disk0, "disk_mb_end": disk1,
                "disk_mb_per_hour": round((disk1 - disk0) * 60 / minutes, 1),
                "postgres_wal_mb_start": wal0, "postgres_wal_mb_end": wal1,
                "tables_start": tables0, "tables_end": tables1}
    finally:
        dep.stop()


def run(make: Callable[[], Deployment], phase: Callable[[Deployment, argparse.Namespace], dict[str, Any]],
        args: argparse.Namespace) -> dict[str, Any]:
    dep = make()
    try:
        return phase(dep, args)
    finally:
        dep.stop()


def compare(args: argparse.Namespace, deployments: dict[str, Callable[[], Deployment]]) -> dict[str, Any]:
    """The throughput and steady phases, and their ratios."""
    results: dict[str, Any] = {}
    results["throughput"] = {}
    for name, make in deployments.items():
        results["throughput"][name] = run(make, throughput, args)
        print(f"throughput {name}: {results['throughput'][name]}", file=sys.stderr, flush=True)
    results["steady"] = {}
    for name in ("cluster_2_inbound", "serve_sqlite"):
        results["steady"][name] = run(deployments[name], lambda d, a: (prepare(d, a.timeout), steady(d, a))[1], args)
        print(f"steady {name}: {results['steady'][name]}", file=sys.stderr, flush=True)
    t = results["throughput"]
    results["ratios"] = {
        "applied_per_s_2_vs_1_inbound": round(t["cluster_2_inbound"]["applied_per_s"]
                                              / max(1, t["cluster_1_inbound"]["applied_per_s"]), 2),
        "applied_per_s_cluster2_vs_serve": round(t["cluster_2_inbound"]["applied_per_s"]
                                                 / max(1, t["serve_sqlite"]["applied_per_s"]), 2),
        "cpu_per_event_cluster2_vs_serve": round(t["cluster_2_inbound"]["cpu_ms_per_event_all"]
                                                 / max(0.01, t["serve_sqlite"]["cpu_ms_per_event_all"]), 2)}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=5000, help="throughput: events of the mixed stream")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rate", type=float, default=1000.0, help="steady and soak: offered events/s")
    parser.add_argument("--steady-seconds", type=float, default=30.0)
    parser.add_argument("--soak-minutes", type=int, default=0, help="0: no soak")
    parser.add_argument("--tiny-retention-s", type=float, default=180.0,
                        help="the soak's retention ages (longer than two minutes: each minute's latencies are "
                             "read a minute later)")
    parser.add_argument("--soak-only", action="store_true", help="skip the throughput and steady phases")
    parser.add_argument("--soak-retention", choices=("both", "off", "tiny"), default="both",
                        help="soak with retention off, with the tiny ages, or both (one after the other)")
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.environ.update(UNLIMITED)
    load0 = os.getloadavg()
    results: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "load_average_at_start": [round(x, 2) for x in load0]}
    deployments: dict[str, Callable[[], Deployment]] = {
        "cluster_1_inbound": lambda: ClusterDeployment(1), "cluster_2_inbound": lambda: ClusterDeployment(2),
        "serve_sqlite": ServeDeployment}
    if not args.soak_only:
        results.update(compare(args, deployments))
    if args.soak_minutes:
        ages = {"off": [0.0], "tiny": [args.tiny_retention_s], "both": [0.0, args.tiny_retention_s]}
        results["soak"] = [soak(args, age) for age in ages[args.soak_retention]]
        for s in results["soak"]:
            print(f"soak: {s}", file=sys.stderr, flush=True)
    results["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(results, indent=2) if args.json else _table(results))


def _table(results: dict[str, Any]) -> str:
    lines = [f"machine: {results['machine']}; load average {results['load_average_at_start']} at the start, "
             f"{results['load_average_at_end']} at the end"]
    for phase in ("throughput", "steady"):
        rows = results.get(phase)
        if not rows:
            continue
        cols = sorted({k for r in rows.values() for k in r}, key=list(next(iter(rows.values()))).index)
        lines += ["", f"{phase}:", "".ljust(32) + "".join(n.rjust(20) for n in rows)]
        lines += [c.ljust(32) + "".join(str(rows[n].get(c, "")).rjust(20) for n in rows) for c in cols]
    lines += ["", "ratios:"] + [f"  {k:40} {v}" for k, v in results.get("ratios", {}).items()]
    for s in results.get("soak", []):
        lines += ["", f"soak, retention {s['retention']}:"] + [f"  {k:20} {v}" for k, v in s.items() if k != "retention"]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
