"""A throwaway PostgreSQL server: ``initdb`` + ``pg_ctl`` from the installed PostgreSQL binaries
(Debian's ``postgresql`` package) into a temporary directory on a free port.

``lily cluster up`` runs its database this way, and so do the tests and benchmarks
(``tests/support/pgserver.py``). PostgreSQL refuses to run as root, so as root the server runs as
the ``postgres`` system user. Tuned for throwaway use (no fsync: what the operating system holds survives a server crash, not
a machine crash): never for data you keep.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from lily.cluster.ports import free_port


def bindir() -> Path:
    explicit = os.environ.get("LILY_PG_BINDIR")
    if explicit:
        return Path(explicit)
    found = shutil.which("pg_config")
    if found:
        out = subprocess.run([found, "--bindir"], capture_output=True, text=True, check=False).stdout.strip()
        if out and (Path(out) / "initdb").exists():
            return Path(out)
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if candidates:
        return Path(candidates[0]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise RuntimeError("PostgreSQL server binaries not found: install postgresql (see .ci/run)")


class PostgresServer:
    """Start with ``start()``, get ``admin_url``, stop with ``stop()`` (also a context manager).

    ``external``: an existing server's admin URL; then nothing is started or stopped. ``root`` and
    ``port`` name an already started server (``lily cluster down`` stops one it started earlier).
    """

    def __init__(self, external: str | None = None, *, root: Path | None = None, port: int = 0,
                 synchronous_commit: bool = False) -> None:
        """``synchronous_commit``: a commit is acknowledged once its WAL is written (to the OS, as
        ``fsync`` stays off). Off (the tests' default, faster) a crash of the server — an immediate
        stop — loses the commits of its last few hundred milliseconds; the cluster, whose fault
        tests restart PostgreSQL, turns it on."""
        self.external = external
        self.synchronous_commit = synchronous_commit
        self.port = port
        self.root = root
        self._run_as: str | None = "postgres" if os.geteuid() == 0 else None

    @property
    def admin_url(self) -> str:
        if self.external:
            return self.external
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def url_for(self, database: str) -> str:
        base, _, _ = self.admin_url.rpartition("/")
        return f"{base}/{database}"

    def _cmd(self, args: list[str]) -> list[str]:
        return ["runuser", "-u", self._run_as, "--", *args] if self._run_as else args

    def start(self) -> PostgresServer:
        if self.external:
            return self
        bin_ = bindir()
        self.root = Path(tempfile.mkdtemp(prefix="lily-pg-"))
        data = self.root / "data"
        if self._run_as:
            pw = pwd.getpwnam(self._run_as)
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
        subprocess.run(
            self._cmd([str(bin_ / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                       "-E", "UTF8", "--no-sync"]),
            check=True, capture_output=True,
        )
        self.port = free_port()
        self._pg_ctl_start()
        return self

    def _pg_ctl_start(self) -> None:
        assert self.root is not None
        opts = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                f"-c synchronous_commit={'on' if self.synchronous_commit else 'off'} -c full_page_writes=off "
                "-c max_connections=200 -c shared_buffers=256MB")
        subprocess.run(
            self._cmd([str(bindir() / "pg_ctl"), "-D", str(self.root / "data"), "-l", str(self.root / "log"),
                       "-o", opts, "-w", "-t", "60", "start"]),
            check=True, capture_output=True,
        )
        self._wait_ready()

    def restart(self) -> None:
        """Stop the server at once (``immediate``: as a crash, every session cut) and start it again on
        the same data and port."""
        if self.external or self.root is None:
            raise RuntimeError("only a server started here can be restarted")
        subprocess.run(
            self._cmd([str(bindir() / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "stop"]),
            check=False, capture_output=True,
        )
        self._pg_ctl_start()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("PostgreSQL did not start")

    def pid(self) -> int | None:
        """The postmaster's process id while it runs (from ``postmaster.pid``)."""
        if self.root is None:
            return None
        try:
            return int((self.root / "data" / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None

    def stop(self) -> None:
        if self.external or self.root is None:
            return
        subprocess.run(
            self._cmd([str(bindir() / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "stop"]),
            check=False, capture_output=True,
        )
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
