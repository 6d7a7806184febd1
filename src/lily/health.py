"""A small HTTP endpoint for processes without the API (``lily worker …``, ``lily scheduler``):
``/healthz`` (alive), ``/readyz`` (each dependency answers: 200, else 503 naming the failing one)
and ``/metrics`` (the process's Prometheus registry).

Checks are plain callables that raise when their dependency is unavailable; a load balancer,
``lily cluster status`` and Prometheus all read the same port (docs/deployment.md).
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

Check = Callable[[], object]


def run_checks(checks: Mapping[str, Check]) -> tuple[bool, dict[str, str]]:
    """Every check's outcome (``ok`` or the error's type and message), and whether all passed."""
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:  # any failure of a dependency means not ready
            results[name] = f"{type(exc).__name__}: {exc}"[:300]
    return all(v == "ok" for v in results.values()), results


class HealthServer:
    """Serves the three paths on ``host:port`` from a daemon thread. ``info`` adds fields to the
    ``/readyz`` answer (the scheduler's role); ``before_scrape`` refreshes gauges (consumer lag)."""

    def __init__(self, port: int, registry: CollectorRegistry, checks: Mapping[str, Check], *,
                 host: str = "0.0.0.0", info: Callable[[], dict[str, Any]] | None = None,
                 before_scrape: Callable[[], None] | None = None) -> None:
        self.registry, self.checks, self.info, self.before_scrape = registry, checks, info, before_scrape
        self.server = ThreadingHTTPServer((host, port), self._handler())
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, name="lily-health", daemon=True)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path == "/healthz":
                    self._send(200, "application/json", b'{"status":"ok"}')
                elif path == "/readyz":
                    ok, results = run_checks(outer.checks)
                    body = {"status": "ready" if ok else "unavailable", "checks": results,
                            **(outer.info() if outer.info else {})}
                    self._send(200 if ok else 503, "application/json", json.dumps(body).encode())
                elif path == "/metrics":
                    if outer.before_scrape is not None:
                        with contextlib.suppress(Exception):  # a scrape still answers with what it has
                            outer.before_scrape()
                    self._send(200, CONTENT_TYPE_LATEST, generate_latest(outer.registry))
                else:
                    self._send(404, "application/json", b'{"status":"not found"}')

            def _send(self, status: int, content_type: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the caller gave up
                    self.wfile.write(body)

            def log_message(self, *args: object) -> None:  # scrapes every few seconds: no access log
                return

        return Handler

    def start(self) -> HealthServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def database_check(store: Any) -> Check:
    """The store's database answers a query."""
    from sqlalchemy import text

    def check() -> None:
        with store.read() as conn:
            conn.execute(text("SELECT 1"))

    return check


def lake_check(settings: Any) -> Check:
    """The lake is reachable: its bucket answers (``s3://`` lake URL, endpoint and credentials from
    the usual AWS settings), or its directory exists or can be created."""
    import os
    from pathlib import Path

    lake = settings.resolved_lake  # an s3:// URL, or the directory (LILY_LAKE_URL or LILY_LAKE_ROOT)
    url = lake if isinstance(lake, str) else ""

    clients: list[Any] = []  # made once: building a boto3 client costs a few hundred ms of CPU

    def s3() -> None:
        import boto3

        if not clients:
            clients.append(boto3.client("s3"))
        clients[0].head_bucket(Bucket=url.removeprefix("s3://").split("/", 1)[0])

    def local() -> None:
        root = Path(lake)
        existing = next(p for p in (root, *root.parents) if p.exists())
        if not (existing.is_dir() and os.access(existing, os.W_OK | os.X_OK)):
            raise OSError(f"lake directory {root} is not writable")

    return s3 if url.startswith("s3://") else local
