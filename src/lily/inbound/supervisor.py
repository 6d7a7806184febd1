"""The worker process of ``lily serve``: ``lily worker inbound`` started, watched and restarted by
the server, so accepting (the API) and applying (the worker) each get a core instead of sharing
one GIL.

- **Wake-ups.** Each child gets the read end of a fresh ``os.pipe()`` (``--wake-fd``, passed with
  ``pass_fds``); the server's local bus writes a byte to the write end whenever it publishes
  (``LocalBus.add_wake_pipe``), so received→applied latency is not a polling interval. NATS pushes.
- **Commits.** The other direction: each child also gets the write end of a second pipe
  (``--commit-fd``); after every commit of changes it writes the tenant id and a newline there (a
  commit listener, non-blocking: a full pipe drops the line, the consumers still poll). A daemon
  thread of the server reads the read end and calls ``on_commit(tenant)`` (``lily serve``:
  ``notify_committed`` on its engine), so the server's change-feed consumers (propagation,
  outbound) wake within milliseconds of an inbound apply, not at their next poll.
- **Lifetime.** A child that exits while the server runs is logged, what it held is handed back at
  once (``on_exit``: the bus releases the leases of its workers, so they do not wait out the lease
  time), and it is started again after a short backoff (a redelivered event is applied once).
  Stopping the server stops the child (SIGTERM, then SIGKILL);
  if the server dies, the child reads end of file on the pipe and stops itself.
- **Priority.** The child runs at ``nice`` (``LILY_INBOUND_WORKER_NICE``): the kernel runs the
  accept path first when both want the CPU.
- **Metrics.** The child serves its registry on a loopback port (``--metrics-port``); the server's
  ``/metrics`` shows the worker families from there (:meth:`worker_metrics`).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable

from lily.observability import log

BACKOFF_FIRST = 0.5  # seconds before the first restart; doubles while the child keeps dying young
BACKOFF_MAX = 10.0
STABLE_AFTER = 30.0  # a child that lived this long resets the backoff
STOP_TIMEOUT = 10.0  # seconds between SIGTERM and SIGKILL


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class WorkerProcess:
    """Runs ``python -m lily.inbound worker inbound`` (``lily worker inbound`` without the rest of the
    CLI's imports) under supervision."""

    def __init__(self, workers: int, *, nice: int, env: dict[str, str], on_commit: Callable[[str], None],
                 on_exit: Callable[[int], None], attach: Callable[[int], None] | None = None,
                 detach: Callable[[int], None] | None = None) -> None:
        self.workers = workers
        self.nice = nice
        self.env = {**os.environ, **env}
        self._attach = attach  # the bus writes wake-ups to this fd from now on
        self._detach = detach
        self._on_commit = on_commit  # called with each tenant the child reports a commit for
        self._on_exit = on_exit  # called with the pid of a child that exited (not one we stopped)
        self.metrics_port: int | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self._write_fd: int | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> WorkerProcess:
        self._stopping.clear()
        self._spawn()
        self._thread = threading.Thread(target=self._supervise, name="lily-inbound-supervisor", daemon=True)
        self._thread.start()
        return self

    def _spawn(self) -> None:
        read_fd, write_fd = os.pipe()
        commit_read, commit_write = os.pipe()
        port = _free_port()
        args = [sys.executable, "-m", "lily.inbound", "worker", "inbound", "--workers", str(self.workers),
                "--metrics-port", str(port), "--metrics-host", "127.0.0.1", "--nice", str(self.nice),
                "--wake-fd", str(read_fd), "--commit-fd", str(commit_write)]
        try:
            proc = subprocess.Popen(args, env=self.env, pass_fds=[read_fd, commit_write], stdin=subprocess.DEVNULL)
        except BaseException:
            os.close(write_fd)
            os.close(commit_read)
            raise
        finally:
            # The child's ends now: the wake pipe's end of file must mean "the server is gone", the
            # commit pipe's "the child is gone".
            os.close(read_fd)
            os.close(commit_write)
        with self._lock:
            self.proc, self.metrics_port, self._write_fd = proc, port, write_fd
        if self._attach is not None:
            self._attach(write_fd)
        threading.Thread(target=self._read_commits, args=(commit_read,), name="lily-inbound-commits",
                         daemon=True).start()
        log.info("inbound_worker_process_started", pid=proc.pid, workers=self.workers, nice=self.nice)

    def _read_commits(self, fd: int) -> None:
        """Server side: call ``on_commit`` for each tenant line the child writes, until end of file
        (the child is gone; its replacement gets a new pipe and a new reader)."""
        pending = b""
        with contextlib.suppress(OSError), open(fd, "rb", buffering=0) as pipe:  # (os.read retries EINTR)
            while data := pipe.read(65536):
                *lines, pending = (pending + data).split(b"\n")
                # A burst of commits for one tenant is one wake-up.
                for tenant in dict.fromkeys(lines):
                    if not tenant:
                        continue
                    try:
                        self._on_commit(tenant.decode())
                    except Exception:
                        log.exception("inbound_commit_notify_failed")

    def _release_pipe(self) -> None:
        with self._lock:
            fd, self._write_fd = self._write_fd, None
        if fd is not None:
            if self._detach is not None:
                self._detach(fd)
            with contextlib.suppress(OSError):
                os.close(fd)

    def _supervise(self) -> None:
        backoff = BACKOFF_FIRST
        while not self._stopping.is_set():
            proc = self.proc
            started = time.monotonic()
            code = proc.wait() if proc is not None else None
            self._release_pipe()
            if self._stopping.is_set():
                return
            lived = time.monotonic() - started
            backoff = BACKOFF_FIRST if lived >= STABLE_AFTER else backoff
            log.warning("inbound_worker_process_exited", pid=proc.pid if proc else None, returncode=code,
                        lived_s=round(lived, 1), restart_in_s=backoff)
            if proc is not None:
                try:
                    self._on_exit(proc.pid)  # its leases go back now, not when they run out
                except Exception:  # the lease time remains the bound
                    log.exception("inbound_worker_process_release_failed", pid=proc.pid)
            if self._stopping.wait(backoff):
                return
            backoff = min(BACKOFF_MAX, backoff * 2)
            try:
                self._spawn()
            except Exception:  # e.g. out of file descriptors: try again after the next backoff
                log.exception("inbound_worker_process_start_failed")
                self.proc = None

    def stop(self) -> None:
        """Stop the child (SIGTERM, then SIGKILL after ``STOP_TIMEOUT``) and the supervision."""
        self._stopping.set()
        proc = self.proc
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        self._release_pipe()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def worker_metrics(self, timeout: float = 1.0) -> str | None:
        """The child's Prometheus exposition, or None if it cannot be reached (restarting, busy)."""
        port = self.metrics_port
        if port is None or self.proc is None or self.proc.poll() is not None:
            return None
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=timeout) as resp:
                return resp.read().decode()
        except (OSError, ValueError):
            return None
