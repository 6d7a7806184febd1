"""Faults under load (issue 18): a mixed stream of 10,000 events (OpenLineage, Monte Carlo, S3,
generic) and tag changes that propagate to a PostgreSQL warehouse, while processes are SIGKILLed at
random (seeded, logged) moments and restarted. After recovery: every event answered 2xx is applied
exactly once, none is lost, the change feed has no gaps, the warehouse's grants and masking views are
what Lily's planner wants from the catalog, and the warehouse committed exactly the statements of
the applied deliveries (its own event trigger counts them).

On the local cluster (PostgreSQL + NATS + moto): an API process, an inbound worker, the propagation
and the outbound worker are killed, nats-server and PostgreSQL restarted once each. On the SQLite
default (``lily serve``): its inbound worker child and the serve process itself are killed.

``LILY_FAULT_SEED`` replays a run's fault moments (the log names the seed and the moments)."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from lily.cluster.plan import Topology
from lily.cluster.ports import free_port
from lily.cluster.supervisor import Cluster, alive
from lily.settings import Settings
from lily.store import Store
from tests.cluster import faults as f
from tests.governance_flow.helpers import Warehouse, warehouse

# The suite's 300 s per test is less than a slow recovery may take here: the stream (50 s), then up
# to 150 s until every event is applied and 90 s until the warehouse converges.
pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.timeout(480)]
log = logging.getLogger("lily.tests.faults")

EVENTS = int(os.environ.get("LILY_FAULT_EVENTS") or 10_000)  # fewer: a quicker local try
RATE = 200.0  # events/s offered: the faults land while events are being accepted and applied
TAG_CHANGES = 24
SEED = int(os.environ.get("LILY_FAULT_SEED") or random.SystemRandom().randrange(10_000))
UNLIMITED = {"LILY_RATE_LIMIT_PER_MINUTE": "100000000", "LILY_RATE_LIMIT_BURST": "1000000"}


@pytest.fixture
def wh(pg_server) -> Iterator[Warehouse]:  # type: ignore[no-untyped-def]
    with warehouse(pg_server.admin_url, pg_server.url_for) as w:
        f.warehouse_tables(w)
        f.log_statements(w)
        yield w


def under_faults(url: str, key: str, tenant: str, wh: Warehouse,
                 faults: dict[str, Callable[[], None]]) -> tuple[f.Sent, list[str]]:
    """Send the stream and the tag changes while the faults happen; returns what was sent and the
    faults as they happened."""
    rng = random.Random(SEED)
    f.configure(url, key, tenant, wh)
    requests = f.stream(EVENTS, tenant)
    seconds = EVENTS / RATE
    plan = f.schedule(rng, faults, seconds)
    log.warning("fault seed %s: %s", SEED, [(p.at, p.name) for p in plan])
    sent, done, errors = f.Sent(), [], []
    stop = threading.Event()
    threads = [threading.Thread(target=f.run_faults, args=(plan, sent, done, errors), daemon=True),
               threading.Thread(target=f.send_tags, args=(url, key, f.tag_changes(tenant, TAG_CHANGES, rng), sent,
                                                          stop, seconds / TAG_CHANGES), daemon=True)]
    for t in threads:
        t.start()
    t0 = time.monotonic()
    f.send(url, key, requests, sent, RATE)
    log.warning("stream sent in %.0f s (%d retries)", time.monotonic() - t0, sent.retries)
    for t in threads:
        t.join()
    assert errors == [], f"seed {SEED}: a fault failed: {errors!r}"
    assert len(done) == len(faults), (SEED, done)
    assert sent.given_up == [], (SEED, sent.given_up[:5])
    assert sent.tags_done == TAG_CHANGES
    assert len(sent.accepted) == EVENTS, (SEED, len(sent.accepted))
    return sent, done


def recovered(store: Store, sent: f.Sent, tenant: str, fernet_key: str, wh: Warehouse, done: list[str]) -> None:
    """The checks after recovery (see the module's docstring)."""
    why = f"seed {SEED}, faults {done}"
    assert f.wait_until(lambda: f.unsettled(store, sent.accepted) == 0, 150), \
        f"{why}: {f.unsettled(store, sent.accepted)} accepted events never applied: " \
        f"{f.exactly_once(store, sent.accepted)[:5]}"
    assert f.exactly_once(store, sent.accepted)[:10] == [], why
    assert f.feed_gaps(store) == {}, why
    assert f.wait_until(lambda: f.outbound_idle(store) and f.not_converged(store, tenant, fernet_key) == [], 90), \
        f"{why}: not converged: {f.not_converged(store, tenant, fernet_key)}"
    deliveries, statements = f.planned_statements(store)
    assert deliveries > 0  # the tag changes did reach the warehouse
    assert f.applied_statements(wh) == (deliveries, statements), why


def test_faults_on_the_cluster(tmp_path: Path, wh: Warehouse, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in UNLIMITED.items():
        monkeypatch.setenv(name, value)  # the processes inherit the environment
    cluster = Cluster(tmp_path / "cluster")
    try:
        cluster.up(Topology(), proxy_port=0)
        url, creds = cluster.url, cluster.credentials
        sent, done = under_faults(url, creds["api_key"], creds["tenant"], wh, {
            "SIGKILL api-1": lambda: cluster.restart("api-1", kill=True),
            "SIGKILL inbound-1": lambda: cluster.restart("inbound-1", kill=True),
            "SIGKILL propagation-1": lambda: cluster.restart("propagation-1", kill=True),
            "SIGKILL outbound-1": lambda: cluster.restart("outbound-1", kill=True),
            "restart nats-server": lambda: cluster.restart_server("nats"),
            "restart postgres": lambda: cluster.restart_server("postgres"),
        })
        store = Store.from_url(cluster.state["postgres"]["url"])
        try:
            recovered(store, sent, creds["tenant"], Settings(data_dir=cluster.root / "lily").fernet_key(), wh, done)
        except AssertionError as failed:
            # Where the events wait, if they do: per consumer (one per partition), and what the
            # workers' bus logged.
            raise AssertionError(f"{failed}\nstream backlog: {f.jetstream_backlog(cluster.state['nats']['monitor_port'])}"
                                 f"\nbus warnings: {f.bus_warnings(cluster.root / 'logs')}") from None
        finally:
            store.dispose()
    finally:
        cluster.down()
        cluster.reap()


class Serve:
    """``lily serve`` on SQLite with its inbound worker process, killed and started again."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **UNLIMITED, "LILY_DATA_DIR": str(root), "LILY_PORT": str(self.port),
                    "LILY_HOST": "127.0.0.1", "LILY_INBOUND_WORKERS": "1", "LILY_LOG_JSON": "true"}
        for name in ("LILY_DATABASE_URL", "LILY_BUS_URL"):
            self.env.pop(name, None)
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Serve:
        with (self.root.parent / "serve.log").open("ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "lily.cli", "serve"], env=self.env,
                                         stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200 and self.worker():
                    return self
            assert self.proc.poll() is None, (self.root.parent / "serve.log").read_text()[-3000:]
            time.sleep(0.2)
        raise AssertionError("lily serve did not become ready")

    def worker(self) -> int | None:
        """The inbound worker child's pid (``lily worker inbound`` under serve)."""
        assert self.proc is not None
        for task in Path(f"/proc/{self.proc.pid}/task").glob("*"):
            with contextlib.suppress(OSError):
                for child in (task / "children").read_text().split():
                    if alive(int(child), "worker"):
                        return int(child)
        return None

    def kill_worker(self) -> None:
        """SIGKILL the worker child; serve starts another."""
        pid = self.worker()
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        assert f.wait_until(lambda: self.worker() not in (None, pid), 60, 0.1), "serve did not restart its worker"

    def restart(self) -> None:
        """SIGKILL serve (its worker child goes with it: it is checked), then start it again."""
        assert self.proc is not None
        child = self.worker()
        self.proc.kill()
        self.proc.wait(10)
        assert f.wait_until(lambda: not alive(child, "worker"), 30, 0.1), "the worker outlived serve"
        self.start()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            child = self.worker()
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
            if alive(child, "worker"):
                os.kill(child, signal.SIGKILL)  # type: ignore[arg-type]


def test_faults_on_sqlite(tmp_path: Path, wh: Warehouse) -> None:
    serve = Serve(tmp_path / "data")
    try:
        serve.start()
        creds = json.loads((serve.root / "admin-credentials.json").read_text())
        sent, done = under_faults(serve.url, creds["api_key"], creds["tenant"], wh, {
            "SIGKILL the inbound worker": serve.kill_worker,
            "SIGKILL lily serve": serve.restart,
        })
        store = Store.from_url(Settings(data_dir=serve.root).resolved_database_url)
        try:
            recovered(store, sent, creds["tenant"], Settings(data_dir=serve.root).fernet_key(), wh, done)
        finally:
            store.dispose()
    finally:
        serve.stop()
