"""GET /changes: pages in order, and a kind filter reads a bounded window and says how far it read."""

from __future__ import annotations

import pytest

from lily.api.routes import feed as feed_route
from tests.api.conftest import Env


def _tables(env: Env, n: int, prefix: str = "t") -> None:
    for i in range(n):
        resp = env.client.post("/api/v1/assets", headers=env.admin_headers,
                               json={"type": "table", "namespace": "feed", "name": f"{prefix}{i}"})
        assert resp.status_code in (200, 201), resp.text


def _page(env: Env, **params: object) -> dict:
    resp = env.client.get("/api/v1/changes", headers=env.admin_headers, params=params)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_pages_follow_last_seq_without_a_filter(env: Env) -> None:
    _tables(env, 5)
    everything = _page(env, limit=1000)
    seqs, after = [], 0
    while True:
        page = _page(env, after=after, limit=2)
        seqs += [c["seq"] for c in page["items"]]
        if page["last_seq"] == after:
            break
        after = page["last_seq"]
    assert seqs == [c["seq"] for c in everything["items"]] and after == everything["last_seq"]


def test_a_rare_kind_reads_a_bounded_window_and_the_next_page_goes_on(env: Env,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    _tables(env, 3)
    head = _page(env, limit=1000)["last_seq"]
    # Nothing of that kind: one page reads to the head and says so, instead of leaving the client at 0.
    assert _page(env, kind="incident.opened") == {"items": [], "last_seq": head}
    monkeypatch.setattr(feed_route, "WINDOW", 2)
    _tables(env, 4, prefix="u")  # four asset.created changes after the head
    found, after, pages = [], head, 0
    while True:
        page = _page(env, after=after, kind="asset.created", limit=1000)
        assert page["last_seq"] - after <= 2  # a window of two change numbers per page
        found += [(c["kind"], c["seq"]) for c in page["items"]]
        pages += 1
        if page["last_seq"] == after:
            break
        after = page["last_seq"]
    assert [kind for kind, _ in found] == ["asset.created"] * 4 and pages >= 3
