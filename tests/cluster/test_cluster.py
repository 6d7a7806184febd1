"""`lily cluster up|status|down`: the local cluster (PostgreSQL, NATS, moto as S3, 2 APIs behind the
proxy, 2 inbound workers, propagation, outbound, the scheduler) takes events of three sources through
the proxy and applies them, reports every process healthy, survives the loss of an API process, and
leaves no process behind when it goes down."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from lily.cluster.plan import Topology
from lily.cluster.postgres import PostgresServer
from lily.cluster.supervisor import Cluster, alive
from lily.model import key_id
from tests.cluster.helpers import applied_total, get, lily, metric, post, wait_applied, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def test_cluster_applies_events_through_the_proxy_and_goes_down_cleanly(tmp_path: Path, shared_dir: Path) -> None:
    root = tmp_path / "cluster"
    cluster = Cluster(root)
    try:
        # Two copies of every worker: they share the bus's partitions and serialise per tenant on the feed.
        cluster.up(Topology(propagation=2, outbound=2), proxy_port=0)
        url, key = cluster.url, cluster.credentials["api_key"]
        assert set(cluster.state["processes"]) == {"api-1", "api-2", "proxy", "inbound-1", "inbound-2",
                                                   "propagation-1", "propagation-2", "outbound-1", "outbound-2",
                                                   "scheduler-1"}
        # The worker that started first took every partition; the two hand them round until each
        # holds half (its own /metrics say), and only then is the work shared.
        inbound = ("inbound-1", "inbound-2")
        assert wait_for(lambda: [metric(cluster, n, "lily_inbound_partitions_owned ") for n in inbound] == [32, 32])
        samples = shared_dir / "samples"
        ol = json.loads((samples / "openlineage" / "dbt_model_complete_columnlineage.json").read_text())
        s3 = json.loads((samples / "s3" / "awsdocs_s3_objectcreated_put.json").read_text())
        assert post(url, "/api/v1/lineage", key, ol).status_code == 201
        assert post(url, "/api/v1/webhooks/s3", key, s3).status_code == 200
        generic = [{"event_id": f"e-{i}", "event_type": "asset.created", "timestamp": "2026-01-05T10:00:00Z",
                    "source": "crawler", "tenant_id": "default",
                    "payload": {"asset_id": f"postgres://db:5432/shop.public.t{i}", "asset_type": "table"}}
                   for i in range(30)]
        for half in (generic[:15], generic[15:]):
            assert post(url, "/api/v1/events", key, half).status_code == 202
        assert wait_applied(url, key, {"openlineage": 1, "s3": 1, "generic": 30}) == {
            "openlineage": 1, "s3": 1, "generic": 30}
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}) as http:
            names = {a["name"] for a in http.get("/api/v1/assets", params={"limit": 500}).json()["items"]}
        assert {f"shop.public.t{i}" for i in range(30)} <= names, names
        # A tag on an upstream column reaches the downstream column through the propagation workers.
        source, target = (key_id("default", "postgres://localhost:5432", f"dbt_test.main.{table}", "customer_id")
                          for table in ("stg_customers", "customer_analytics"))
        assert post(url, f"/api/v1/assets/{source}/classifications", key, {"tag": "PII.id"}).status_code == 201
        assert wait_for(lambda: [(c["tag"], c["source"]) for c in get(url, key, f"/api/v1/assets/{target}/classifications")]
                        == [("PII.id", "propagated")])
        # The two inbound workers shared the work (each serves half the partitions), as their own
        # /metrics say; the change-feed stages report their lag.
        applied = [applied_total(cluster, name) for name in inbound]
        assert sum(applied) == 32 and min(applied) > 0, applied
        for name, consumer in (("propagation-2", "propagation"), ("outbound-2", "outbound")):
            text = httpx.get(f"http://127.0.0.1:{cluster.state['processes'][name]['port']}/metrics").text
            assert f'lily_feed_consumer_lag{{consumer="{consumer}",tenant="default"}}' in text

        # Every process is healthy, as `lily cluster status` (another invocation) reads the state file.
        status = lily("cluster", "status", "--dir", str(root))
        assert status.returncode == 0, status.stdout + status.stderr
        for name in ("postgres", "nats", "moto", *cluster.state["processes"]):
            assert name in status.stdout
        assert "leader" in status.stdout  # the scheduler's /readyz says it leads

        # An API process dies: the proxy sends the next connections to the other one.
        cluster.kill("api-1")
        assert not cluster.running("api-1")
        for _ in range(4):
            assert httpx.get(f"{url}/readyz", timeout=10).status_code == 200
        assert lily("cluster", "status", "--dir", str(root)).returncode == 1  # not all healthy now
        cluster.restart("api-1")
        assert cluster.ready("api-1")[0]

        pids = {name: cluster.pid(name) for name in cluster.state["processes"]}
        servers = [(cluster.state["nats"]["pid"], "nats-server"), (cluster.state["moto"]["pid"], "moto.server")]
        pg = PostgresServer(root=Path(cluster.state["postgres"]["root"]))
        pg_pid = pg.pid()
        assert pg_pid and alive(pg_pid, "postgres")
    finally:
        down = lily("cluster", "down", "--dir", str(root))
    assert down.returncode == 0, down.stdout + down.stderr
    cluster.reap()  # the children this test started, stopped by `down`
    assert [name for name, pid in pids.items() if alive(pid, "lily.cli")] == []
    assert [pid for pid, expect in servers if alive(pid, expect)] == []
    assert not alive(pg_pid, "postgres")
    assert not (root / "state.json").exists() and (root / "logs" / "api-1.log").exists()
    # No process logged an error on the way (two copies of each worker side by side included).
    errors = {log.name: log.read_text(errors="replace") for log in (root / "logs").glob("*-*.log")
              if '"level": "error"' in log.read_text(errors="replace") or "Traceback" in log.read_text(errors="replace")}
    assert errors == {}, {name: text[-2000:] for name, text in errors.items()}
