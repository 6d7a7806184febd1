"""Run ``lily serve`` as a real process (uvicorn over TCP) for end-to-end tests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveLily:
    """``lily serve`` in a subprocess with its own data directory; ``api_key`` is the admin's."""

    def __init__(self, data_dir: Path, database_url: str | None = None, demo: bool = False,
                 env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "LILY_DATA_DIR": str(data_dir), "LILY_PORT": str(self.port),
                    "LILY_HOST": "127.0.0.1", **(env or {})}
        if database_url:
            self.env["LILY_DATABASE_URL"] = database_url
        self.args = [sys.executable, "-m", "lily.cli", "serve", *(["--demo"] if demo else [])]
        self.proc: subprocess.Popen[bytes] | None = None
        # The server's output goes to a file: a pipe nobody reads fills up under a flood of log
        # lines and then blocks the server itself.
        self.log_path = data_dir / "serve.log"

    def start(self, timeout: float = 30) -> LiveLily:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(self.args, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"lily serve exited early:\n{self.log_text()[-4000:]}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("lily serve did not become ready")

    @property
    def credentials(self) -> dict[str, str]:
        return json.loads((self.data_dir / "admin-credentials.json").read_text())

    @property
    def api_key(self) -> str:
        return self.credentials["api_key"]

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc = None

    def __enter__(self) -> LiveLily:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
