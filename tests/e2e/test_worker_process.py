"""`lily serve` runs its inbound workers in a supervised child process: events are applied within a
second (woken through the pipe, not a poll), a SIGKILLed child is replaced and what it held is
released at once (the backlog drained within 5 s of the replacement being ready, with the default
30 s lease), the server's /metrics shows what the child applied, and the child never outlives the
server. The whole-server SIGKILL and restart, and both on NATS: tests/security/test_recovery.py."""

from __future__ import annotations

import os
import signal
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.security.test_recovery import Data, Stream, drained, logged_start, wait_for
from tests.support.live import LiveLily

NS = "postgres://e2e-db:5432"


def ol_event(name: str) -> dict[str, Any]:
    return {"eventType": "COMPLETE", "eventTime": "2026-01-05T10:00:00Z", "producer": "https://example.com/e2e",
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
            "run": {"runId": str(uuid.uuid4())}, "job": {"namespace": "e2e", "name": f"job-{name}"},
            "inputs": [{"namespace": NS, "name": f"shop.raw.{name}"}],
            "outputs": [{"namespace": NS, "name": f"shop.mart.{name}"}]}


def children(pid: int) -> set[int]:
    out: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            out |= {int(p) for p in (task / "children").read_text().split()}
        except FileNotFoundError:
            continue  # a thread that ended while the tasks were listed
    return out


def worker_pid(server: int, timeout: float = 30, other_than: int | None = None) -> int:
    deadline = time.monotonic() + timeout
    while True:
        for pid in children(server):
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            except (FileNotFoundError, ProcessLookupError):
                continue  # a child that exited between the listing and this read (a killed worker)
            if b"worker" in cmdline and b"inbound" in cmdline and pid != other_than:
                return pid
        assert time.monotonic() < deadline, "no worker process"
        time.sleep(0.05)


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie is gone too


def post_and_wait_applied(http: httpx.Client, name: str, within: float) -> float:
    before = {e["id"] for e in http.get("/api/v1/events", params={"source": "openlineage"}).json()["items"]}
    t0 = time.monotonic()
    assert http.post("/api/v1/lineage", json=ol_event(name)).status_code == 201
    new = [e for e in http.get("/api/v1/events", params={"source": "openlineage"}).json()["items"]
           if e["id"] not in before]
    assert len(new) == 1
    while True:
        event = http.get(f"/api/v1/events/{new[0]['id']}").json()
        if event["status"] == "applied":
            return time.monotonic() - t0
        assert event["status"] == "received", event
        assert time.monotonic() - t0 < within, f"not applied within {within}s: {event}"
        time.sleep(0.01)


def metric(http: httpx.Client, family: str, sample: str) -> float:
    text = http.get("/metrics").text
    families = [f.name for f in text_string_to_metric_families(text)]
    assert len(families) == len(set(families)), "duplicate families"
    return sum(s.value for f in text_string_to_metric_families(text) if f.name == family
               for s in f.samples if s.name == sample)


def test_serve_supervises_its_worker_process(tmp_path: Path) -> None:
    env = {"LILY_RATE_LIMIT_PER_MINUTE": "10000000", "LILY_RATE_LIMIT_BURST": "1000000",
           "LILY_WORKERS_IN_PROCESS": "false"}
    with LiveLily(tmp_path, env=env) as lily:
        assert lily.proc is not None
        server = lily.proc.pid
        child = worker_pid(server)
        with httpx.Client(base_url=lily.url, headers={"Authorization": f"Bearer {lily.api_key}"}, timeout=10) as http:
            # The child connects and starts its worker after the server is ready; the first event may
            # wait for that, the next one is woken through the pipe at once (the poll would be 0.25 s).
            post_and_wait_applied(http, "warmup", within=30)
            took = post_and_wait_applied(http, "first", within=1.0)
            assert took < 1.0
            assert metric(http, "lily_inbound_applied", "lily_inbound_applied_total") == 2
            assert metric(http, "lily_inbound_accepted", "lily_inbound_accepted_total") == 2
            assert metric(http, "lily_inbound_received_to_applied_seconds",
                          "lily_inbound_received_to_applied_seconds_count") == 2

            # Killed holding leases (30 s by default): the supervisor hands them back at once.
            data = Data(tmp_path)
            stream = Stream(lily, 1000).start()
            wait_for(lambda: data.leased() > 0, 60, "leases held", step=0.001)
            mark = lily.log_path.stat().st_size
            os.kill(child, signal.SIGKILL)
            killed, leased = time.monotonic(), data.leased()
            replacement = worker_pid(server, other_than=child)
            assert replacement != child
            ready = wait_for(lambda: logged_start(lily, replacement, mark), 60, "the replacement to start")
            stream.join()
            done = wait_for(drained(data, stream.accepted), 60, "the backlog to drain")
            print(f"worker process killed holding {leased} leases: kill -> drained {done - killed:.2f} s, "
                  f"replacement ready -> drained {done - ready:.2f} s")
            assert "inbound_leases_released" in lily.log_text()[mark:]
            assert done - ready <= 5.0
            post_and_wait_applied(http, "after-restart", within=30)
            # Counters restart with the process (a counter reset, as after any restart).
            assert metric(http, "lily_inbound_applied", "lily_inbound_applied_total") >= 1
            assert metric(http, "lily_inbound_accepted", "lily_inbound_accepted_total") == 3 + len(stream.accepted)
        lily.stop()  # SIGTERM: the server stops its child
        deadline = time.monotonic() + 15
        while alive(replacement):
            assert time.monotonic() < deadline, "the worker process outlived lily serve"
            time.sleep(0.05)


def test_worker_process_exits_when_the_server_is_killed(tmp_path: Path) -> None:
    with LiveLily(tmp_path, env={"LILY_WORKERS_IN_PROCESS": "false"}) as lily:
        assert lily.proc is not None
        child = worker_pid(lily.proc.pid)
        time.sleep(1.0)  # let it reach its wait on the pipe
        lily.proc.send_signal(signal.SIGKILL)
        lily.proc.wait(10)
        deadline = time.monotonic() + 10
        while alive(child):  # end of file on the wake pipe
            assert time.monotonic() < deadline, "the worker process outlived a killed lily serve"
            time.sleep(0.05)


def test_threads_when_worker_process_is_off(tmp_path: Path) -> None:
    env = {"LILY_INBOUND_WORKER_PROCESS": "false", "LILY_WORKERS_IN_PROCESS": "false"}
    with LiveLily(tmp_path, env=env) as lily:
        assert lily.proc is not None
        time.sleep(0.5)
        assert children(lily.proc.pid) == set()
        with httpx.Client(base_url=lily.url, headers={"Authorization": f"Bearer {lily.api_key}"}, timeout=10) as http:
            post_and_wait_applied(http, "threads", within=5)
            assert metric(http, "lily_inbound_applied", "lily_inbound_applied_total") == 1
