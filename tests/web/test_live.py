"""The live stream (server-sent events) from a real ``lily serve``: a change committed through the
API reaches a signed-in browser session; roles without changes:read get the kind and asset only."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from lily.demo import pg
from lily.model import asset_id
from tests.support.live import LiveLily
from tests.web.conftest import CSRF

PHONE = asset_id("default", pg("users").column("phone"))


@pytest.fixture(scope="module")
def lily(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveLily]:
    with LiveLily(tmp_path_factory.mktemp("live"), demo=True) as server:
        yield server


def _session(lily: LiveLily, username: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=lily.url, timeout=10)
    token = CSRF.search(client.get("/login").text).group(1)  # type: ignore[union-attr]
    resp = client.post("/login", data={"tenant": "default", "username": username, "password": password,
                                       "csrf_token": token})
    assert resp.status_code == 303
    return client


def _first_change(client: httpx.Client, lily: LiveLily, tag: str) -> dict:
    def write() -> None:
        time.sleep(1.5)  # after the stream has started (it sends what comes after it opened)
        httpx.post(f"{lily.url}/api/v1/assets/{PHONE}/classifications", json={"tag": tag},
                   headers={"Authorization": f"Bearer {lily.api_key}"}, timeout=10)

    threading.Thread(target=write, daemon=True).start()
    deadline = time.monotonic() + 20
    with client.stream("GET", "/live", timeout=httpx.Timeout(10, read=20)) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        event = None
        for line in stream.iter_lines():
            assert time.monotonic() < deadline, "no change arrived"
            if line.startswith("event: "):
                event = line.removeprefix("event: ")
            elif line.startswith("data: ") and event == "change":
                data = json.loads(line.removeprefix("data: "))
                if data["change"] == "classification.added" and data["asset_id"] == str(PHONE):
                    return data
    raise AssertionError("stream ended")


def test_a_committed_change_reaches_the_page_stream(lily: LiveLily) -> None:
    admin = _session(lily, lily.credentials["username"], lily.credentials["password"])
    data = _first_change(admin, lily, "team.live")
    assert data["kind"] == "classification-added" and data["actor"]
    assert httpx.post(f"{lily.url}/api/v1/users", json={"username": "val", "password": "viewer-pass", "role": "viewer"},
                      headers={"Authorization": f"Bearer {lily.api_key}"}).status_code == 201
    viewer = _session(lily, "val", "viewer-pass")
    data = _first_change(viewer, lily, "team.live2")
    assert "actor" not in data and "entity_id" not in data  # the feed's details need changes:read


def test_the_stream_needs_a_session(lily: LiveLily) -> None:
    resp = httpx.get(f"{lily.url}/live", headers={"Accept": "text/event-stream"}, timeout=10)
    assert resp.status_code == 401
