"""The local cluster's supervisor: starts the servers (PostgreSQL, ``nats-server``, moto as S3) and
the processes of the plan (``lily.cluster.plan``), each in a session of its own with its log under
``<dir>/logs``, and keeps what it started in ``<dir>/state.json`` (0600: it holds the credentials),
so ``status`` and ``down`` — other invocations of ``lily`` — find them.

Any one process can be stopped, SIGKILLed, started or restarted by name (:meth:`Cluster.kill`,
:meth:`Cluster.restart`), and ``nats-server`` or PostgreSQL restarted in place
(:meth:`Cluster.restart_server`): the fault tests take the cluster apart under load through this.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from lily.cluster.moto import MotoServer
from lily.cluster.nats import NatsServer
from lily.cluster.plan import BUCKET, Endpoints, ProcessSpec, Topology, environment, plan
from lily.cluster.ports import free_port
from lily.cluster.postgres import PostgresServer

STATE = "state.json"
DATABASE = "lily"
STOP_TIMEOUT = 10.0


class ClusterError(RuntimeError):
    pass


def alive(pid: int | None, expect: str = "") -> bool:
    """``pid`` runs (not a zombie) and its command line contains ``expect`` (a reused pid does not)."""
    if not pid:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z" and expect in cmdline


def exiting(pid: int | None) -> bool:
    """``pid`` has begun to exit and some of its threads have not finished, so its files (a listening
    socket) may still be open: its main thread is a zombie while others still run their exit, or its
    memory is gone (the command line reads empty) before it became one."""
    if not pid:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
        threads = len(os.listdir(f"/proc/{pid}/task"))
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return threads > 1 if state == "Z" else not cmdline


@dataclass(frozen=True)
class Row:
    """One line of ``lily cluster status``."""

    name: str
    role: str
    pid: int | None
    port: int | None
    running: bool
    ready: bool
    detail: str


class Cluster:
    def __init__(self, root: Path) -> None:
        self.root = root.expanduser().resolve()
        self.state: dict[str, Any] = {}
        self._children: dict[int, subprocess.Popen[bytes]] = {}  # started by this object: reaped here
        if self.state_path.exists():
            self.state = json.loads(self.state_path.read_text())

    @property
    def state_path(self) -> Path:
        return self.root / STATE

    @property
    def url(self) -> str:
        return str(self.state["url"])

    @property
    def credentials(self) -> dict[str, str]:
        return dict(self.state["credentials"])

    def _save(self) -> None:
        from lily.settings import write_private

        write_private(self.state_path, json.dumps(self.state, indent=2))

    # --- up -----------------------------------------------------------------------------------

    def up(self, topology: Topology | None = None, proxy_port: int = 0, timeout: float = 120.0) -> Cluster:
        """Start everything and wait until every process is ready; on failure stop what started."""
        if self.state and any(r.running for r in self.status(probe=False)):
            raise ClusterError(f"a cluster already runs from {self.root}: `lily cluster down` first")
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)
        (self.root / "logs").mkdir(exist_ok=True)
        self.state = {"root": str(self.root), "processes": {}}
        try:
            self._start_servers()
            endpoints = self._bootstrap(proxy_port or free_port())
            self.state["env"] = environment(endpoints)
            ports = iter(free_port, None)
            for spec in plan(topology or Topology(), int(endpoints.proxy_url.rpartition(":")[2]), ports):
                self.state["processes"][spec.name] = {"role": spec.role, "args": list(spec.args), "port": spec.port,
                                                      "pid": None}
            self._save()
            for name in self.state["processes"]:
                self.start(name)
            self.wait_ready(timeout=timeout)
        except BaseException:
            self.down()
            raise
        return self

    def _start_servers(self) -> None:
        logs = self.root / "logs"
        pg = PostgresServer(synchronous_commit=True).start()  # a restart loses no acknowledged commit
        self.state["postgres"] = {"root": str(pg.root), "port": pg.port}
        self._save()
        nats = NatsServer(store_dir=self.root / "nats", log=logs / "nats.log").start()
        self.state["nats"] = {"pid": nats.proc.pid if nats.proc else None, "port": nats.port,
                              "monitor_port": nats.monitor_port, "url": nats.url}
        self._save()
        moto = MotoServer(log=logs / "moto.log").start()
        self.state["moto"] = {"pid": moto.pid, "port": moto.port, "url": moto.url}
        self._save()
        for proc in (nats.proc, moto._proc):  # ours to reap when stopped from this process
            if proc is not None:
                self._children[proc.pid] = proc
        moto.client("s3").create_bucket(Bucket=BUCKET)
        import psycopg

        with psycopg.connect(pg.admin_url.replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{DATABASE}"')
        self.state["postgres"]["url"] = pg.url_for(DATABASE)

    def _bootstrap(self, proxy_port: int) -> Endpoints:
        """Migrate, create the tenant, its admin and API keys, and the shared secrets, once, before
        any process starts (processes starting together would each create their own secrets)."""
        from lily.auth.service import AuthService
        from lily.bootstrap import ensure_admin, secure_data_dir
        from lily.model import Role
        from lily.settings import Settings
        from lily.store import Store

        url = self.state["postgres"]["url"]
        settings = Settings(data_dir=self.root / "lily", database_url=url)
        secure_data_dir(settings.data_dir)
        settings.jwt_key(), settings.fernet_key()  # writes <data_dir>/secrets.json
        store = Store.from_url(url, migrate=True)
        try:
            creds = ensure_admin(store, settings)
            assert creds is not None  # a fresh database
            pipelines_key, _ = AuthService(store, settings).create_api_key(
                creds.tenant, "pipelines (lily scheduler)", Role.DATA_ENGINEER, "cluster")
        finally:
            store.dispose()
        proxy_url = f"http://127.0.0.1:{proxy_port}"
        self.state["url"] = proxy_url
        self.state["credentials"] = {"tenant": creds.tenant, "username": creds.username,
                                     "password": creds.password, "api_key": creds.api_key}
        return Endpoints(data_dir=settings.data_dir, database_url=url, bus_url=self.state["nats"]["url"],
                         s3_endpoint=self.state["moto"]["url"], proxy_url=proxy_url, pipeline_api_key=pipelines_key)

    # --- one process ----------------------------------------------------------------------------

    def spec(self, name: str) -> ProcessSpec:
        try:
            p = self.state["processes"][name]
        except KeyError:
            raise ClusterError(f"no process {name!r} in this cluster") from None
        return ProcessSpec(name, p["role"], tuple(p["args"]), p["port"])

    def pid(self, name: str) -> int | None:
        return self.state["processes"][name]["pid"]

    def running(self, name: str) -> bool:
        pid = self.pid(name)
        child = self._children.get(pid) if pid else None
        if child is not None and child.poll() is not None:
            return False
        return alive(pid, "lily.cli")

    def start(self, name: str) -> int:
        spec = self.spec(name)
        if self.running(name):
            raise ClusterError(f"{name} is already running")
        log = self.root / "logs" / f"{name}.log"
        with log.open("ab") as out:
            proc = subprocess.Popen([sys.executable, "-m", "lily.cli", *spec.args],
                                    env={**os.environ, **self.state["env"]}, stdin=subprocess.DEVNULL,
                                    stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self._children[proc.pid] = proc
        self.state["processes"][name]["pid"] = proc.pid
        self._save()
        return proc.pid

    def kill(self, name: str, sig: int = signal.SIGKILL, timeout: float = STOP_TIMEOUT) -> None:
        """Send ``sig`` (default SIGKILL: a crash) and wait until the process is gone."""
        self._signal_and_wait(self.pid(name), "lily.cli", sig, timeout)

    def stop(self, name: str) -> None:
        """SIGTERM, then SIGKILL after ``STOP_TIMEOUT``."""
        pid = self.pid(name)
        try:
            self._signal_and_wait(pid, "lily.cli", signal.SIGTERM, STOP_TIMEOUT)
        except ClusterError:
            self._signal_and_wait(pid, "lily.cli", signal.SIGKILL, 5)

    def restart(self, name: str, *, kill: bool = False, timeout: float = 60.0) -> int:
        """Stop (or SIGKILL) ``name``, start it again and wait until it is ready; returns the new pid."""
        if self.running(name):
            (self.kill if kill else self.stop)(name)
        pid = self.start(name)
        self.wait_ready([name], timeout=timeout)
        return pid

    def restart_server(self, name: str, *, kill: bool = True) -> None:
        """Restart ``nats`` (SIGKILL, or SIGTERM with ``kill=False``; its streams stay on disk) or
        ``postgres`` (an immediate stop: every session cut) on the same address and data."""
        if name == "postgres":
            pg = self.state["postgres"]
            PostgresServer(root=Path(pg["root"]), port=pg["port"]).restart()
        elif name == "nats":
            s = self.state["nats"]
            self._signal_and_wait(s["pid"], "nats-server", signal.SIGKILL if kill else signal.SIGTERM, STOP_TIMEOUT)
            nats = NatsServer(store_dir=self.root / "nats", log=self.root / "logs" / "nats.log", port=s["port"],
                              monitor_port=s["monitor_port"]).start()
            assert nats.proc is not None
            self._children[nats.proc.pid] = nats.proc
            s["pid"] = nats.proc.pid
            self._save()
        else:
            raise ClusterError(f"no server {name!r} (postgres, nats)")

    def _signal_and_wait(self, pid: int | None, expect: str, sig: int, timeout: float) -> None:
        if not alive(pid, expect):
            self._reap(pid)
            return
        assert pid is not None
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._reap(pid)
            # Gone only once it has closed its files too: a killed API still accepts connections on
            # its port while the kernel tears its memory down, and resets them a moment later.
            if not alive(pid, expect) and not exiting(pid):
                return
            time.sleep(0.05)
        raise ClusterError(f"process {pid} still runs {timeout:.0f} s after signal {sig}")

    def reap(self) -> None:
        """Collect the exit status of every child this object started that has exited (stopped by
        another ``lily cluster down``, say), so none lingers as a zombie."""
        for pid in list(self._children):
            self._reap(pid)

    def _reap(self, pid: int | None) -> None:
        child = self._children.get(pid) if pid else None
        if child is not None and child.poll() is not None:
            del self._children[child.pid]

    # --- readiness and status ---------------------------------------------------------------------

    def ready(self, name: str) -> tuple[bool, str]:
        port = self.state["processes"][name]["port"]
        try:
            r = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=3)
        except httpx.HTTPError as exc:
            return False, type(exc).__name__
        try:
            body = r.json()
        except ValueError:
            body = {}
        detail = body.get("role") or body.get("detail") or body.get("status") or str(r.status_code)
        return r.status_code == 200, str(detail)

    def wait_ready(self, names: list[str] | None = None, timeout: float = 120.0) -> None:
        waiting = list(names or self.state["processes"])
        deadline = time.monotonic() + timeout
        while waiting:
            for name in list(waiting):
                if not self.running(name):
                    log = (self.root / "logs" / f"{name}.log").read_text(errors="replace")[-3000:]
                    raise ClusterError(f"{name} exited while starting:\n{log}")
                if self.ready(name)[0]:
                    waiting.remove(name)
            if waiting and time.monotonic() > deadline:
                raise ClusterError(f"not ready after {timeout:.0f} s: {', '.join(waiting)}")
            if waiting:
                time.sleep(0.2)

    def status(self, probe: bool = True) -> list[Row]:
        rows: list[Row] = []
        pg = self.state.get("postgres")
        if pg:
            pid = PostgresServer(root=Path(pg["root"]), port=pg["port"]).pid()
            ok, detail = _probe_postgres(pg.get("url")) if probe else (False, "")
            rows.append(Row("postgres", "database", pid, pg["port"], alive(pid, "postgres"), ok, detail))
        for name, expect, url in (("nats", "nats-server", lambda s: f"http://127.0.0.1:{s['monitor_port']}/healthz"),
                                  ("moto", "moto.server", lambda s: f"{s['url']}/moto-api/")):
            s = self.state.get(name)
            if s:
                ok, detail = _probe_http(url(s)) if probe else (False, "")
                rows.append(Row(name, "bus" if name == "nats" else "s3", s["pid"], s["port"],
                                alive(s["pid"], expect), ok, detail))
        for name, p in self.state.get("processes", {}).items():
            running = self.running(name)
            ok, detail = self.ready(name) if probe and running else (False, "" if running else "not running")
            rows.append(Row(name, p["role"], p["pid"], p["port"], running, ok, detail))
        return rows

    # --- down -------------------------------------------------------------------------------------

    def down(self) -> None:
        """Stop every process (the proxy and APIs first, the servers last) and remove the cluster's
        data; the logs stay under ``<dir>/logs``."""
        for name in reversed(list(self.state.get("processes", {}))):
            self.stop(name)
        for name, expect in (("nats", "nats-server"), ("moto", "moto.server")):
            s = self.state.get(name)
            if s:
                try:
                    self._signal_and_wait(s["pid"], expect, signal.SIGTERM, STOP_TIMEOUT)
                except ClusterError:
                    self._signal_and_wait(s["pid"], expect, signal.SIGKILL, 5)
        pg = self.state.get("postgres")
        if pg:
            PostgresServer(root=Path(pg["root"]), port=pg["port"]).stop()
        for leftover in ("nats", "lily", STATE):
            path = self.root / leftover
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            elif path.exists():
                path.unlink()
        self.state = {}


def _probe_http(url: str) -> tuple[bool, str]:
    try:
        r = httpx.get(url, timeout=3)
        return r.status_code == 200, str(r.status_code)
    except httpx.HTTPError as exc:
        return False, type(exc).__name__


def _probe_postgres(url: str | None) -> tuple[bool, str]:
    if not url:
        return False, "no database yet"
    import psycopg

    try:
        with psycopg.connect(url.replace("+psycopg", ""), connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return True, "ok"
    except psycopg.Error as exc:
        return False, type(exc).__name__
