"""Inbound benchmark: real HTTP against ``lily serve`` (uvicorn), accept and apply, next to the same
server's trivial-endpoint ceiling measured in the same run.

Phases (each on a fresh ``lily serve`` with its own data directory, so queues never carry over):

1. **ceiling** — ``GET /healthz`` (no auth, no database) closed-loop with ``--concurrency``
   connections: the requests/s and latency this server + this client reach at all;
2. **single** — ``POST /api/v1/lineage``, one OpenLineage RunEvent per request as the OpenLineage
   clients send them (bearer API key), closed-loop, ``--events`` events: accepted/s, p50/p99 accept
   latency; then applied/s until the in-process worker has applied all of them; then the ceiling
   once more on the same server (worker idle again). ``vs_ceiling`` is accepted/s over the mean of
   the ceiling before and after, since the speed of these shared cores drifts within a minute;
3. **batch** — ``POST /api/v1/lineage/batch`` with ``--batch`` events per request, closed-loop over
   ``--batch-concurrency`` connections (16 producers, as in the single phase);
4. **steady** — open loop at ``--rate`` events/s for ``--steady-seconds``, ``--steady-batch`` events
   per request (``/lineage/batch``; 1 = single-event POSTs): p99 of received→applied per event
   (``applied_at - received_at`` from the events API) and whether the worker keeps up.

The event: a RunEvent COMPLETE of one of 50 jobs reading one dataset and writing another with a
three-column schema and column lineage (what dbt/Spark integrations send), with a fresh runId each
time (so every event is new). ``--light`` uses the generic event API instead (one table upsert per
event), which isolates the inbound machinery from the cost of applying rich OpenLineage events.

Usage::

    python benchmarks/inbound.py                          # SQLite, local bus, in-process worker
    python benchmarks/inbound.py --events 500 --rate 200 --steady-seconds 5
    python benchmarks/inbound.py --light                  # generic events: the inbound machinery alone

Every phase also reports the CPU per event of the API process (while the load runs) and of its
inbound worker process (until the backlog is applied), from ``/proc``, and the machine's steal time
over the phase: on shared cores the speed moves, and these say which side a change moved.

The load generator is aiohttp (≈ 0.2 ms of client CPU per request on these cores), so the ceiling
is the server's and not the client's. The server's change-feed consumers — the in-process
propagation/outbound threads (``LILY_WORKERS_IN_PROCESS``) and the contract monitor
(``LILY_CONTRACTS_MONITOR``) — are switched off unless ``--governance`` is given: on SQLite they take
the write lock between the worker's transactions, which is measured separately (with the flag).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import httpx

NS = "postgres://bench-db:5432"


def ol_event(i: int) -> dict[str, Any]:
    cols = ("id", "amount", "email")
    src, dst = f"shop.raw.t{i % 50}", f"shop.mart.t{i % 50}"
    return {
        "eventType": "COMPLETE", "eventTime": "2026-01-05T10:00:00Z", "producer": "https://example.com/bench",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": str(uuid.uuid4())}, "job": {"namespace": "bench", "name": f"job{i % 50}"},
        "inputs": [{"namespace": NS, "name": src}],
        "outputs": [{"namespace": NS, "name": dst, "facets": {
            "schema": {"fields": [{"name": c, "type": "TEXT"} for c in cols]},
            "columnLineage": {"fields": {c: {"inputFields": [{"namespace": NS, "name": src, "field": c,
                                                              "transformations": [{"type": "DIRECT"}]}]}
                                        for c in cols}}}}],
    }


def light_event(i: int) -> dict[str, Any]:
    return {"event_id": f"bench-{uuid.uuid4()}", "event_type": "asset.upserted", "timestamp": "2026-01-05T10:00:00Z",
            "source": "bench", "tenant_id": "default",
            "payload": {"asset_id": f"{NS}/shop.bench.t{i}", "asset_type": "table"}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``lily serve`` in a subprocess with a fresh data directory."""

    def __init__(self, workers: int, extra_env: dict[str, str]) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="lily-bench-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "LILY_DATA_DIR": str(self.dir), "LILY_PORT": str(self.port),
                    "LILY_HOST": "127.0.0.1", "LILY_INBOUND_WORKERS": str(workers),
                    "LILY_RATE_LIMIT_PER_MINUTE": "100000000", "LILY_RATE_LIMIT_BURST": "1000000",
                    "LILY_LOG_JSON": "true", **extra_env}
        self.proc = subprocess.Popen([sys.executable, "-m", "lily.cli", "serve"], env=self.env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            self.stop()
            raise RuntimeError("lily serve did not become ready")
        self.key = json.loads((self.dir / "admin-credentials.json").read_text())["api_key"]
        self.worker_boot_s = self._wait_for_worker(deadline)

    def _wait_for_worker(self, deadline: float) -> float | None:
        """Seconds from ``/readyz`` until the inbound worker process answers on its health port
        (None: the workers run in the server process). ``/readyz`` does not wait for it — accepted
        events are durable — but a measurement that starts before it would count its start-up
        (imports, store; ~0.6 s of CPU) as apply time."""
        t0 = time.monotonic()
        while time.monotonic() < deadline:
            for pid in _children(self.proc.pid):
                try:
                    args = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
                except OSError:
                    continue
                if "--metrics-port" not in args:
                    continue
                port = args[args.index("--metrics-port") + 1]
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                        return time.monotonic() - t0
            if self.env.get("LILY_INBOUND_WORKER_PROCESS") == "false" or self.env.get("LILY_INBOUND_WORKERS") == "0":
                return None
            time.sleep(0.02)
        raise RuntimeError("the inbound worker process did not start")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_of(pid: int) -> float:
    """CPU seconds (user + system) of one process, from /proc (0 where there is none)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return out


def _steal() -> tuple[int, int]:
    """(steal ticks, all ticks) of the machine so far: the share of time the hypervisor gave these
    cores to someone else, which is what makes figures drift on a shared machine."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except OSError:
        return 0, 0
    return (values[7] if len(values) > 7 else 0), sum(values[:8])


class CpuMeter:
    """CPU used by ``lily serve`` (the API process) while the load ran, and by its inbound worker
    process until the backlog was applied (the API's share of the wait is the benchmark's own
    polling of ``/metrics``, so it is left out)."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self._start = self._read()
        self._load_end = self._start

    def _read(self) -> tuple[float, float, tuple[int, int]]:
        pid = self.server.proc.pid
        return _cpu_of(pid), sum(_cpu_of(c) for c in _children(pid)), _steal()

    def load_ended(self) -> None:
        self._load_end = self._read()

    def per_event(self, events: int) -> dict[str, float]:
        (api0, worker0, (st0, all0)), (api1, _, _) = self._start, self._load_end
        _, worker1, (st1, all1) = self._read()
        n = max(1, events)
        return {"api_cpu_ms_per_event": round((api1 - api0) * 1e3 / n, 3),
                "worker_cpu_ms_per_event": round((worker1 - worker0) * 1e3 / n, 3),
                "cpu_steal_pct": round(100 * (st1 - st0) / max(1, all1 - all0), 1)}


@dataclass
class Load:
    sent: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


_JSON = {"Content-Type": "application/json"}


def _session(url: str, headers: dict[str, str], connections: int, timeout: float) -> aiohttp.ClientSession:
    """The load generator's HTTP client: aiohttp, whose per-request CPU (≈ 0.2 ms here) is a fraction
    of httpx's (≈ 3.4 ms), so the client sharing the 2 cores with the server is not what limits a
    phase (with httpx the /healthz ceiling measured the client: ≈ 300 requests/s)."""
    return aiohttp.ClientSession(url, headers=headers, connector=aiohttp.TCPConnector(limit=connections),
                                 timeout=aiohttp.ClientTimeout(total=timeout))


async def _timed(client: aiohttp.ClientSession, load: Load, method: str, path: str, body: bytes | None,
                 since: float | None = None, headers: dict[str, str] | None = None) -> None:
    """One request, its latency (from ``since``, its due time, when given) and whether it failed (a
    transport error counts as an error). ``headers``: its own (a webhook's signature)."""
    t0 = time.perf_counter() if since is None else since
    try:
        async with client.request(method, path, data=body, headers=headers or (_JSON if body else None)) as resp:
            await resp.read()
            load.errors += resp.status >= 300
    except (aiohttp.ClientError, TimeoutError):
        load.errors += 1
    load.latencies.append(time.perf_counter() - t0)
    load.sent += 1


async def closed_loop(url: str, concurrency: int, requests: int, make: Any, headers: dict[str, str]) -> Load:
    """``requests`` requests over ``concurrency`` keep-alive connections, each sent when the last answered."""
    load = Load()
    counter = iter(range(requests))
    async with _session(url, headers, concurrency, 30) as client:
        async def one_connection() -> None:
            for i in counter:
                request = make(i)  # (method, path, body[, headers])
                await _timed(client, load, *request[:3], headers=request[3] if len(request) > 3 else None)

        start = time.perf_counter()
        await asyncio.gather(*(one_connection() for _ in range(concurrency)))
        load.seconds = time.perf_counter() - start
    return load


async def open_loop(url: str, rate: float, seconds: float, make: Any, headers: dict[str, str],
                    in_flight: int = 64) -> Load:
    """Requests at a fixed rate regardless of answers (a producer that does not slow down).

    At most ``in_flight`` requests are on the wire; the others wait their turn in the client and
    their latency counts from when they were due (no coordinated omission).
    """
    load = Load()
    gate = asyncio.Semaphore(in_flight)
    async with _session(url, headers, in_flight, 60) as client:
        async def send(i: int, due: float) -> None:
            async with gate:
                await _timed(client, load, *make(i), since=due)

        start = time.perf_counter()
        tasks = []
        total = int(rate * seconds)
        for i in range(total):
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(send(i, due)))
        await asyncio.gather(*tasks)
        load.seconds = time.perf_counter() - start
    return load


def prebuilt(make: Any, n: int) -> Any:
    """The ``n`` requests built before the clock starts: the load generator shares the machine's two
    cores with the server, and building a 100-event JSON body costs it ≈ 3.6 ms."""
    requests = [make(i) for i in range(n)]
    return requests.__getitem__


def events_of(server: Server, source: str, limit: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    cursor = None
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {server.key}"}, timeout=30) as c:
        while len(out) < limit:
            params: dict[str, Any] = {"source": source, "limit": 500}
            if cursor:
                params["cursor"] = cursor
            page = c.get("/api/v1/events", params=params).json()
            out += page["items"]
            cursor = page["next_cursor"]
            if not cursor:
                break
    return out


def counters(client: httpx.Client) -> dict[str, float]:
    out: dict[str, float] = {}
    for line in client.get("/metrics").text.splitlines():
        for name in ("accepted", "applied", "failed", "dead"):
            if line.startswith(f"lily_inbound_{name}_total{{"):
                out[name] = out.get(name, 0.0) + float(line.rsplit(" ", 1)[1])
    return out


def wait_applied(server: Server, timeout: float) -> tuple[float, int]:
    """Seconds until every accepted event is settled (applied, failed or dead), and how many there were."""
    start = time.perf_counter()
    with httpx.Client(base_url=server.url, timeout=30) as c:
        while time.perf_counter() - start < timeout:
            n = counters(c)
            settled = n.get("applied", 0) + n.get("failed", 0) + n.get("dead", 0)
            if settled >= n.get("accepted", 0):
                return time.perf_counter() - start, int(n.get("accepted", 0))
            time.sleep(0.05)
    raise TimeoutError(f"the backlog was not applied within {timeout}s")


def warm_up(server: Server, path: str, make_event: Any, timeout: float) -> None:
    """One event per job/dataset of the run, applied before the clock starts: the steady phase
    measures a running system (worker process up, assets known), not a cold start."""
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {server.key}"}, timeout=30) as c:
        for i in range(50):
            c.post(path, content=json.dumps(make_event(i)).encode(), headers={"Content-Type": "application/json"})
    wait_applied(server, timeout)


def stage_summary(events: list[dict[str, Any]]) -> dict[str, float]:
    out: dict[str, float] = {}
    for stage in ("parse_ms", "enrich_ms", "apply_ms"):
        values = [e["timings"][stage] for e in events if e["timings"][stage] is not None]
        out[f"{stage}_p50"] = round(pct(values, 0.5), 3)
        out[f"{stage}_p99"] = round(pct(values, 0.99), 3)
    return out


def lag_ms(events: list[dict[str, Any]]) -> list[float]:
    return [(datetime.fromisoformat(e["applied_at"]) - datetime.fromisoformat(e["received_at"])).total_seconds() * 1000
            for e in events if e["applied_at"]]


def report(phase: str, values: dict[str, Any]) -> None:
    print(f"{phase}:", flush=True)
    for k, v in values.items():
        print(f"  {k:32} {v}", flush=True)


def run(args: argparse.Namespace) -> dict[str, Any]:
    env = {"LILY_DATABASE_URL": args.database_url} if args.database_url else {}
    # Propagation/outbound threads share the process and (on SQLite) the write lock; measured apart.
    env["LILY_WORKERS_IN_PROCESS"] = env["LILY_CONTRACTS_MONITOR"] = "true" if args.governance else "false"
    if args.bus_url:
        env["LILY_BUS_URL"] = args.bus_url
    source, path = ("generic", "/api/v1/events") if args.light else ("openlineage", "/api/v1/lineage")
    batch_path = "/api/v1/events" if args.light else "/api/v1/lineage/batch"
    make_event = light_event if args.light else ol_event
    results: dict[str, Any] = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                                           "platform": platform.platform()},
                               "event": "generic table upsert" if args.light else "OpenLineage RunEvent (1 in, 1 out, "
                                        "3-column schema + column lineage)",
                               "governance_threads": args.governance}

    def show(phase: str) -> None:
        if not args.json:
            report(phase, results[phase])

    server = Server(args.workers, env)
    try:
        auth = {"Authorization": f"Bearer {server.key}"}
        ceiling = asyncio.run(closed_loop(server.url, args.concurrency, args.ceiling_requests,
                                          lambda i: ("GET", "/healthz", None), {}))
        results["ceiling"] = {"req_per_s": round(ceiling.rate), "p50_ms": round(pct(ceiling.latencies, .5) * 1e3, 2),
                              "p99_ms": round(pct(ceiling.latencies, .99) * 1e3, 2)}
        show("ceiling")

        def single(i: int) -> tuple[str, str, bytes]:
            return "POST", path, json.dumps(make_event(i)).encode()

        meter = CpuMeter(server)
        single_load = asyncio.run(closed_loop(server.url, args.concurrency, args.events, prebuilt(single, args.events),
                                              auth))
        meter.load_ended()
        drained, accepted = wait_applied(server, args.timeout)
        cpu = meter.per_event(accepted)
        events = events_of(server, source, accepted)
        # The ceiling again, once the worker is idle again: the machine's speed drifts by tens of
        # percent over a minute (shared cores), so the ratio is taken against both measurements.
        after = asyncio.run(closed_loop(server.url, args.concurrency, args.ceiling_requests,
                                        lambda i: ("GET", "/healthz", None), {}))
        bracket = (ceiling.rate + after.rate) / 2
        results["single"] = {
            "accepted_per_s": round(single_load.rate), "errors": single_load.errors,
            "accept_p50_ms": round(pct(single_load.latencies, .5) * 1e3, 2),
            "accept_p99_ms": round(pct(single_load.latencies, .99) * 1e3, 2),
            "ceiling_after_req_per_s": round(after.rate),
            "vs_ceiling": round(single_load.rate / bracket, 3),  # against the mean of before and after
            # from the first request until the worker has applied the last event
            "applied_per_s": round(accepted / (single_load.seconds + drained)),
            **stage_summary(events), **cpu,
        }
        show("single")
    finally:
        server.stop()

    server = Server(args.workers, env)
    try:
        auth = {"Authorization": f"Bearer {server.key}"}
        n_requests = max(1, args.batch_events // args.batch)

        def batch(i: int) -> tuple[str, str, bytes]:
            if args.light:
                return "POST", "/api/v1/events", json.dumps([light_event(i * args.batch + j)
                                                             for j in range(args.batch)]).encode()
            return "POST", "/api/v1/lineage/batch", json.dumps([ol_event(i * args.batch + j)
                                                                for j in range(args.batch)]).encode()

        meter = CpuMeter(server)
        batch_load = asyncio.run(closed_loop(server.url, args.batch_concurrency, n_requests,
                                             prebuilt(batch, n_requests), auth))
        meter.load_ended()
        drained, total = wait_applied(server, args.timeout)
        cpu = meter.per_event(total)
        results["batch"] = {
            "events_per_request": args.batch, "accepted_per_s": round(total / batch_load.seconds),
            "errors": batch_load.errors, "request_p50_ms": round(pct(batch_load.latencies, .5) * 1e3, 2),
            "request_p99_ms": round(pct(batch_load.latencies, .99) * 1e3, 2),
            "applied_per_s": round(total / (batch_load.seconds + drained)), **cpu,
        }
        show("batch")
    finally:
        server.stop()

    for rate in sorted({args.rate, *args.extra_rates}):
        server = Server(args.workers, env)
        try:
            auth = {"Authorization": f"Bearer {server.key}"}
            def steady_request(i: int, per: int = max(1, args.steady_batch)) -> tuple[str, str, bytes]:
                if per == 1:
                    return "POST", path, json.dumps(make_event(i)).encode()
                return "POST", batch_path, json.dumps([make_event(i * per + j) for j in range(per)]).encode()

            warm_up(server, path, make_event, args.timeout)
            since = datetime.now(UTC)
            per = max(1, args.steady_batch)
            requests = prebuilt(steady_request, int(rate / per * args.steady_seconds))
            meter = CpuMeter(server)
            steady = asyncio.run(open_loop(server.url, rate / per, args.steady_seconds, requests, auth))
            meter.load_ended()
            drained, accepted = wait_applied(server, args.timeout)
            cpu = meter.per_event(steady.sent * per)
            lags = lag_ms([e for e in events_of(server, source, accepted)
                           if datetime.fromisoformat(e["received_at"]) >= since])
            results[f"steady_{rate:g}_per_s"] = {
                "offered_per_s": rate, "events_per_request": per, "sent_events": steady.sent * per,
                "achieved_per_s": round(steady.sent * per / steady.seconds), "errors": steady.errors,
                "accept_p50_ms": round(pct(steady.latencies, .5) * 1e3, 2),
                "accept_p99_ms": round(pct(steady.latencies, .99) * 1e3, 2),
                "received_to_applied_p50_ms": round(pct(lags, .5), 1),
                "received_to_applied_p99_ms": round(pct(lags, .99), 1),
                "backlog_drain_s_after_load": round(drained, 2), **cpu,
            }
            show(f"steady_{rate:g}_per_s")
        finally:
            server.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1000, help="single-POST phase: events")
    parser.add_argument("--batch", type=int, default=100, help="events per /lineage/batch request")
    parser.add_argument("--batch-events", type=int, default=5000, help="batch phase: events in total")
    parser.add_argument("--ceiling-requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=16, help="ceiling and single phases: connections")
    parser.add_argument("--batch-concurrency", type=int, default=16, help="batch phase: connections (producers)")
    parser.add_argument("--rate", type=float, default=1000.0, help="steady phase: offered events/s")
    parser.add_argument("--extra-rates", type=float, nargs="*", default=[], help="more steady rates to measure")
    parser.add_argument("--steady-seconds", type=float, default=5.0)
    parser.add_argument("--steady-batch", type=int, default=10,
                        help="steady phase: events per request (1 = single-event POSTs; batches of 10 by "
                             "default, as producers that send 1,000 events/s batch their events)")
    parser.add_argument("--workers", type=int, default=1, help="LILY_INBOUND_WORKERS of the server")
    parser.add_argument("--light", action="store_true", help="generic table-upsert events instead of OpenLineage")
    parser.add_argument("--governance", action="store_true",
                        help="keep lily serve's change-feed consumers running: propagation/outbound threads and the "
                             "contract monitor (default: off)")
    parser.add_argument("--database-url", default=None, help="default: SQLite in the server's data directory")
    parser.add_argument("--bus-url", default=None, help="nats://... for the JetStream bus (default: local)")
    parser.add_argument("--timeout", type=float, default=900.0, help="max seconds to wait for the backlog")
    parser.add_argument("--json", action="store_true", help="print JSON only")
    args = parser.parse_args()
    results = run(args)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"machine: {results['machine']}\nevent: {results['event']}\n"
          f"governance threads in the server: {results['governance_threads']}")
    load = os.getloadavg()
    print(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
