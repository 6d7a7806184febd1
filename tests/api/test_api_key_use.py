"""An API key's ``last_used_at``: written in the background, at most once per interval per key."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from lily.store import accounts
from tests.api.conftest import Env

START = 1_900_000_000.0  # the injected clock: seconds since the epoch (2030)


def wait_for(read: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := read()):
        assert time.monotonic() < deadline, "not written in time"
        time.sleep(0.02)
    return value


def at(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat()


def test_last_used_at_is_written_once_per_interval_off_the_request(env: Env,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    writes: list[dict[uuid.UUID, datetime]] = []
    touch = accounts.touch_api_keys

    def counted(conn: Any, uses: Mapping[uuid.UUID, datetime]) -> None:
        writes.append(dict(uses))
        touch(conn, uses)

    monkeypatch.setattr(accounts, "touch_api_keys", counted)
    recorder = env.client.app.state.ctx.auth.key_use
    now = [START]
    recorder.clock = lambda: now[0]
    recorder.delay = 0.05  # the batching window; 1 s in production
    assert recorder.interval == 60.0

    with TestClient(env.client.app) as client:  # the lifespan runs the writer thread
        password = {"tenant": "default", "username": "admin", "password": env.admin.password}
        admin = {"Authorization": f"Bearer {client.post('/api/v1/auth/token', json=password).json()['access_token']}"}
        created = client.post("/api/v1/tokens", json={"name": "producer", "role": "viewer"}, headers=admin).json()
        assert created["last_used_at"] is None
        key_id, producer = uuid.UUID(created["id"]), {"Authorization": f"Bearer {created['key']}"}

        def last_used() -> str | None:
            listed = client.get("/api/v1/tokens", headers=admin).json()
            value: str | None = next(k for k in listed if k["id"] == created["id"])["last_used_at"]
            return value

        def writes_of_key() -> int:
            return sum(key_id in w for w in writes)

        assert client.get("/api/v1/auth/me", headers=producer).status_code == 200
        assert datetime.fromisoformat(wait_for(last_used)).isoformat() == at(START)

        now[0] = START + 59  # within the interval: nothing queued, nothing written
        assert client.get("/api/v1/auth/me", headers=producer).status_code == 200
        assert recorder.flush() == 0
        assert writes_of_key() == 1 and datetime.fromisoformat(last_used() or "").isoformat() == at(START)

        now[0] = START + 61  # past it: the next use is written, at the time it happened
        assert client.get("/api/v1/auth/me", headers=producer).status_code == 200
        wait_for(lambda: writes_of_key() == 2)
        assert datetime.fromisoformat(last_used() or "").isoformat() == at(START + 61)

        now[0] = START + 200  # a use queued when the server stops is written on the way out
        recorder.delay = 60.0
        assert client.get("/api/v1/auth/me", headers=producer).status_code == 200
    assert writes_of_key() == 3
    with env.store.read() as conn:
        row = next(k for k in accounts.list_api_keys(conn, "default") if k["id"] == key_id)
    assert row["last_used_at"] == datetime.fromtimestamp(START + 200, UTC)


def test_an_older_use_never_overwrites_a_newer_one(env: Env) -> None:
    """Processes write their own uses: one that queued an older use may write after another."""
    created = env.client.post("/api/v1/tokens", json={"name": "shared", "role": "viewer"},
                              headers=env.admin_headers).json()
    key_id = uuid.UUID(created["id"])
    newer, older = datetime.fromtimestamp(START + 30, UTC), datetime.fromtimestamp(START, UTC)
    with env.store.write() as conn:
        accounts.touch_api_keys(conn, {key_id: newer})
    with env.store.write() as conn:
        accounts.touch_api_keys(conn, {key_id: older})
    listed = env.client.get("/api/v1/tokens", headers=env.admin_headers).json()
    assert datetime.fromisoformat(next(k for k in listed if k["id"] == created["id"])["last_used_at"]) == newer
