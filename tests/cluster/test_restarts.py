"""The cluster's servers restarted under it: every event accepted (2xx) before or after is applied,
none fails. (The later fault test does this under load, at random moments; these are the single
restarts it builds on.)"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from lily.cluster.plan import Topology
from lily.cluster.supervisor import Cluster
from tests.cluster.helpers import generic_events, post, statuses

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    started = Cluster(tmp_path_factory.mktemp("restarts") / "cluster")
    try:
        yield started.up(Topology(apis=1), proxy_port=0)
    finally:
        started.down()


def accept(cluster: Cluster, prefix: str, n: int = 40) -> list[str]:
    resp = post(cluster.url, "/api/v1/events", cluster.credentials["api_key"], generic_events(prefix, n))
    assert resp.status_code == 202, resp.text
    return [e["id"] for e in resp.json()["events"]]


def settle(cluster: Cluster, ids: list[str], timeout: float = 30) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    while True:
        counts = statuses(cluster.url, cluster.credentials["api_key"], ids)
        if counts.get("applied") == len(ids) or time.monotonic() > deadline:
            return counts
        time.sleep(0.5)


def test_nats_restart(cluster: Cluster) -> None:
    before = accept(cluster, "before-nats")
    assert settle(cluster, before) == {"applied": 40}
    cluster.restart_server("nats")
    after = accept(cluster, "after-nats")
    assert settle(cluster, after) == {"applied": 40}


def test_postgres_restart(cluster: Cluster) -> None:
    """A worker reading a source's options on a connection the restart cut hands the event back
    for later (it used to fail it as a bad payload)."""
    before = accept(cluster, "before-pg")
    assert settle(cluster, before) == {"applied": 40}
    cluster.restart_server("postgres")
    # Past the workers' source-config cache (5 s): parsing the next events reads the database first.
    time.sleep(6)
    after = accept(cluster, "after-pg")
    assert settle(cluster, after) == {"applied": 40}
