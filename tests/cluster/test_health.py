"""Health of every process: the small health port of workers and the scheduler, and the API's
/readyz, report each dependency and answer 503 naming the one that fails."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from lily.api.app import create_app
from lily.health import HealthServer, database_check, lake_check
from lily.observability import Metrics
from lily.settings import Settings
from lily.store import Store


def test_health_port_reports_each_check_and_refreshes_metrics_per_scrape(sqlite_url: str) -> None:
    store = Store.from_url(sqlite_url)
    metrics = Metrics()
    bus_up = [True]
    scrapes: list[int] = []

    def bus() -> None:
        if not bus_up[0]:
            raise ConnectionError("nats: no servers available")

    def refresh() -> None:
        scrapes.append(1)
        metrics.feed_consumer_lag.labels("outbound", "default").set(7)

    server = HealthServer(0, metrics.registry, {"database": database_check(store), "bus": bus}, host="127.0.0.1",
                          info=lambda: {"role": "leader"}, before_scrape=refresh).start()
    base = f"http://127.0.0.1:{server.port}"
    try:
        assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
        ready = httpx.get(f"{base}/readyz")
        assert ready.status_code == 200
        assert ready.json() == {"status": "ready", "checks": {"database": "ok", "bus": "ok"}, "role": "leader"}
        bus_up[0] = False
        down = httpx.get(f"{base}/readyz")
        assert down.status_code == 503
        assert down.json()["checks"] == {"database": "ok", "bus": "ConnectionError: nats: no servers available"}
        text = httpx.get(f"{base}/metrics").text
        assert 'lily_feed_consumer_lag{consumer="outbound",tenant="default"} 7.0' in text and scrapes == [1]
        assert httpx.get(f"{base}/other").status_code == 404
    finally:
        server.stop()
        store.dispose()


def test_lake_check_fails_when_the_lake_directory_cannot_be_made(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a directory")
    lake_check(Settings(data_dir=tmp_path, lake_root=str(tmp_path / "new" / "lake")))()  # creatable: fine
    bad = Settings(data_dir=tmp_path, lake_root=str(tmp_path / "file" / "lake"))
    with pytest.raises(OSError, match="not writable"):
        lake_check(bad)()
    with pytest.raises(OSError, match="not writable"):  # a directory named by LILY_LAKE_URL alike
        lake_check(Settings(data_dir=tmp_path, lake_url=str(tmp_path / "file" / "lake")))()


def test_api_readyz_names_bus_and_lake(sqlite_url: str, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    good = TestClient(create_app(Settings(data_dir=tmp_path, database_url=sqlite_url)))
    body = good.get("/readyz").json()
    assert body["status"] == "ready" and body["bus"] == "ok" and body["lake"] == "ok"
    bad = TestClient(create_app(Settings(data_dir=tmp_path, database_url=sqlite_url,
                                         lake_root=str(tmp_path / "file" / "lake"))))
    resp = bad.get("/readyz")
    assert resp.status_code == 503 and resp.json()["detail"].startswith("lake unavailable: OSError")


def test_json_logs_carry_the_traceback_of_a_logged_exception(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    import structlog

    from lily.observability import configure_logging

    configure_logging(json_logs=True)
    log = structlog.get_logger("lily")  # a fresh proxy: `lily.observability.log` may have cached an older setup
    try:
        raise ConnectionError("database went away")
    except ConnectionError:
        log.exception("worker_step_failed", worker="propagation")
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["event"] == "worker_step_failed" and line["level"] == "error"
    assert "ConnectionError: database went away" in line["exception"] and "Traceback" in line["exception"]


def test_lake_check_on_s3_asks_the_bucket(moto_server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.support.motoserver import ACCESS_KEY, REGION, SECRET_KEY

    for name, value in (("AWS_ENDPOINT_URL", moto_server.url), ("AWS_ACCESS_KEY_ID", ACCESS_KEY),
                        ("AWS_SECRET_ACCESS_KEY", SECRET_KEY), ("AWS_DEFAULT_REGION", REGION)):
        monkeypatch.setenv(name, value)
    moto_server.client("s3").create_bucket(Bucket="health-lake")
    lake_check(Settings(data_dir=tmp_path, lake_url="s3://health-lake/lake"))()
    with pytest.raises(Exception, match=r"404|Not Found"):
        lake_check(Settings(data_dir=tmp_path, lake_url="s3://no-such-bucket/lake"))()
