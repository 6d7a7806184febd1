"""What the security probes measure on a live ``lily serve``: its memory, its CPU, and whether a
concurrent ``/healthz`` loop is kept waiting while an abusive request is being handled."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx

from tests.support.live import LiveLily

_TICKS = os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    """Resident memory of one process, in MB (``VmRSS`` of /proc)."""
    for line in open(f"/proc/{pid}/status"):  # noqa: SIM115 - /proc is read once
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def server_pid(live: LiveLily) -> int:
    assert live.proc is not None
    return live.proc.pid


def settled(live: LiveLily, timeout: float = 30.0) -> None:
    """Until every event the server accepted is applied, failed or dead (its ``/metrics`` counters)."""
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=live.url, timeout=10) as client:
        while time.monotonic() < deadline:
            counts = {name: 0.0 for name in ("accepted", "applied", "failed", "dead")}
            for line in client.get("/metrics").text.splitlines():
                for name in counts:
                    if line.startswith(f"lily_inbound_{name}_total{{"):
                        counts[name] += float(line.rsplit(" ", 1)[1])
            if counts["applied"] + counts["failed"] + counts["dead"] >= counts["accepted"]:
                return
            time.sleep(0.05)


def wait_idle(pid: int, window: float = 0.2, busy: float = 0.02, quiet_windows: int = 3,
              timeout: float = 15.0) -> None:
    """Until the process used less than ``busy`` CPU seconds in ``quiet_windows`` windows in a row:
    the work earlier requests left (their events, once applied, wake the server's governance thread
    and contract monitor, whose first run imports what they need) is not counted against the next
    probe."""
    deadline = time.monotonic() + timeout
    before, quiet = cpu_seconds(pid), 0
    while time.monotonic() < deadline and quiet < quiet_windows:
        time.sleep(window)
        now = cpu_seconds(pid)
        quiet = quiet + 1 if now - before < busy else 0
        before = now


@dataclass
class HealthLoop:
    """Latencies of ``GET /healthz`` sent back to back from another thread."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def worst_ms(self) -> float:
        return max(self.latencies, default=0.0) * 1000


# The loop runs in a process of its own: in the test process, a collection of the suite's heap (or
# any other thread) holding the GIL would count as the server's latency.
_LOOP = """
import json, sys, threading, time
import httpx
url, interval = sys.argv[1], float(sys.argv[2])
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
latencies, errors = [], []
with httpx.Client(base_url=url, timeout=30) as client:
    client.get("/healthz")  # the connection is opened before the probe starts
    print("ready", flush=True)
    while not stop.is_set():
        started = time.perf_counter()
        try:
            client.get("/healthz")
        except httpx.HTTPError as exc:
            errors.append(repr(exc))
        latencies.append(time.perf_counter() - started)
        stop.wait(interval)
print(json.dumps({"latencies": latencies, "errors": errors}), flush=True)
"""


@contextmanager
def healthz_loop(live: LiveLily, interval: float = 0.02) -> Iterator[HealthLoop]:
    """Probe ``/healthz`` every ``interval`` seconds while the block runs, from another process,
    once the server has applied what it accepted and is idle."""
    result = HealthLoop()
    if live.proc is not None:
        settled(live)
        wait_idle(live.proc.pid)
    loop = subprocess.Popen([sys.executable, "-c", _LOOP, live.url, str(interval)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert loop.stdin is not None and loop.stdout is not None
    try:
        assert loop.stdout.readline().strip() == "ready", "the /healthz loop did not start"
        yield result
    finally:
        loop.stdin.close()  # the loop stops and prints what it measured
        out = loop.stdout.read()
        loop.wait(60)
        measured = json.loads(out.strip().splitlines()[-1]) if out.strip() else {"latencies": [], "errors": ["no output"]}
        result.latencies.extend(measured["latencies"])
        result.errors.extend(measured["errors"])


@dataclass
class Footprint:
    """The server's RSS and CPU before and after a probe."""

    pid: int
    rss_before: float = 0.0
    rss_after: float = 0.0
    cpu_before: float = 0.0
    cpu_after: float = 0.0

    @property
    def rss_growth_mb(self) -> float:
        return self.rss_after - self.rss_before

    @property
    def cpu_used(self) -> float:
        return self.cpu_after - self.cpu_before


@contextmanager
def footprint(live: LiveLily, settle: float = 0.3) -> Iterator[Footprint]:
    """RSS and CPU of the API process around the block (after ``settle`` seconds, so a response
    still being freed is not counted)."""
    fp = Footprint(server_pid(live))
    fp.rss_before, fp.cpu_before = rss_mb(fp.pid), cpu_seconds(fp.pid)
    yield fp
    time.sleep(settle)
    fp.rss_after, fp.cpu_after = rss_mb(fp.pid), cpu_seconds(fp.pid)


def make_key(live: LiveLily, role: str, name: str | None = None) -> str:
    """A new API key of ``role`` in the default tenant, made with the admin's key."""
    r = httpx.post(f"{live.url}/api/v1/tokens", json={"name": name or f"probe-{role}", "role": role},
                   headers={"Authorization": f"Bearer {live.api_key}"}, timeout=10)
    r.raise_for_status()
    return str(r.json()["key"])
