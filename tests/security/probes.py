"""What the security probes measure on a live ``lily serve``: its memory, its CPU, and whether a
concurrent ``/healthz`` loop is kept waiting while an abusive request is being handled."""

from __future__ import annotations

import os
import threading
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


def wait_idle(pid: int, window: float = 0.2, busy: float = 0.02, timeout: float = 15.0) -> None:
    """Until the process used less than ``busy`` CPU seconds in a ``window``: the work earlier
    requests left (their events propagated in the server's governance thread, a scheduler tick) is
    not counted against the next probe."""
    deadline = time.monotonic() + timeout
    before = cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(window)
        now = cpu_seconds(pid)
        if now - before < busy:
            return
        before = now


@dataclass
class HealthLoop:
    """Latencies of ``GET /healthz`` sent back to back from another thread."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def worst_ms(self) -> float:
        return max(self.latencies, default=0.0) * 1000


@contextmanager
def healthz_loop(live: LiveLily, interval: float = 0.02) -> Iterator[HealthLoop]:
    """Probe ``/healthz`` every ``interval`` seconds while the block runs. A request still
    waiting when the block ends counts with the time it has waited so far."""
    result = HealthLoop()
    stop = threading.Event()
    connected = threading.Event()
    if live.proc is not None:
        wait_idle(live.proc.pid)

    def loop() -> None:
        with httpx.Client(base_url=live.url, timeout=30) as client:
            # The connection is opened before the probe starts: its set-up (a new thread, a TCP
            # handshake on a busy machine) is the client's cost, not the server blocking.
            try:
                client.get("/healthz")
            finally:
                connected.set()
            while not stop.is_set():
                started = time.perf_counter()
                try:
                    client.get("/healthz")
                except httpx.HTTPError as exc:
                    result.errors.append(repr(exc))
                result.latencies.append(time.perf_counter() - started)
                stop.wait(interval)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    connected.wait(30)
    try:
        yield result
    finally:
        stop.set()
        thread.join(35)


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
