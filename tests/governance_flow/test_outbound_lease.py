"""A claimed delivery's lease: renewed while its worker runs it, taken over once its worker is gone."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from lily.outbound.worker import OutboundWorker
from lily.store import governance as repo
from tests.api.conftest import Env
from tests.governance_flow.test_outbound import _subscribe, deliveries, tag

LEASE_S = 0.6


class SlowHook:
    """A webhook subscriber that holds every request until released."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.posts = 0
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                hook.posts += 1
                hook.entered.set()
                hook.release.wait(30)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"


@pytest.fixture
def slow_hook() -> Iterator[SlowHook]:
    h = SlowHook()
    thread = threading.Thread(target=h.server.serve_forever, daemon=True)
    thread.start()
    yield h
    h.release.set()
    h.server.shutdown()


def claims(env: Env) -> dict[str, Any]:
    return {d["id"]: d for d in deliveries(env)}


def claimed_until(env: Env, delivery_id: str) -> datetime | None:
    with env.store.read() as conn:
        row = repo.get_delivery(conn, "default", uuid.UUID(delivery_id))
    assert row is not None
    at = row["claimed_until"]
    return None if at is None else at if at.tzinfo else at.replace(tzinfo=UTC)


def test_a_running_delivery_keeps_its_lease_past_its_length(env: Env, slow_hook: SlowHook) -> None:
    _subscribe(env, slow_hook.url)
    tag(env)
    running = OutboundWorker(env.store, env.settings.fernet_key(), lease_s=LEASE_S)
    running.plan_all()
    planned = list(claims(env))
    assert planned
    outcomes: list[Any] = []
    t = threading.Thread(target=lambda: outcomes.extend(running.deliver_due()))
    t.start()
    try:
        assert slow_hook.entered.wait(10)
        first = {i: claimed_until(env, i) for i in planned}
        time.sleep(4 * LEASE_S)  # the warehouse (here a subscriber) is slower than the lease
        now = datetime.now(UTC)
        later = {i: claimed_until(env, i) for i in planned}
        for i in planned:
            assert later[i] is not None and first[i] is not None and later[i] > first[i] and later[i] > now
        other = OutboundWorker(env.store, env.settings.fernet_key(), lease_s=LEASE_S)
        assert other.deliver_due() == []  # still claimed: nobody runs it a second time
    finally:
        slow_hook.release.set()
        t.join(30)
    assert sorted(o.status for o in outcomes) == ["applied"] * len(planned)
    assert slow_hook.posts == len(planned)  # each delivery sent once
    assert all(claimed_until(env, i) is None for i in planned)


def test_a_dead_workers_claim_is_taken_over_when_its_lease_ends(env: Env, slow_hook: SlowHook) -> None:
    slow_hook.release.set()
    _subscribe(env, slow_hook.url)
    tag(env)
    worker = OutboundWorker(env.store, env.settings.fernet_key(), lease_s=LEASE_S)
    worker.plan_all()
    planned = list(claims(env))
    now = datetime.now(UTC)
    with env.store.write() as conn:  # claimed by a worker that was then SIGKILLed: nobody renews it
        for i in planned:
            assert repo.claim(conn, uuid.UUID(i), now, now + timedelta(seconds=LEASE_S))
    assert worker.deliver_due() == []
    assert 0 < (worker.next_due_in() or 0) <= LEASE_S
    time.sleep(LEASE_S + 0.1)
    assert sorted(o.status for o in worker.deliver_due()) == ["applied"] * len(planned)
    assert slow_hook.posts == len(planned)
