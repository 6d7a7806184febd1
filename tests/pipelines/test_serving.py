"""Pipelines inside ``lily serve``: lifespan start/stop, the schedule, OpenLineage into Lily itself."""

from __future__ import annotations

import os
import socket
import stat
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from lily.auth.service import AuthService
from lily.model import Role
from lily.pipelines import demo
from lily.pipelines.runs import State
from lily.pipelines.scheduler import PipelineSchedules
from lily.pipelines.service import PipelineService
from lily.pipelines.serving import KEY_FILE, InProcessLineage, pipeline_api_key, self_url
from lily.pipelines.sinks import HttpLineageSink, InMemoryLineageSink
from lily.settings import Settings
from tests.api.conftest import make_env

from .conftest import day_records, land, make_harness, ndjson

D1 = date(2024, 1, 1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_lifespan_starts_the_schedule_and_stops_the_background_services(sqlite_url: str, tmp_path: Path) -> None:
    env = make_env(sqlite_url, tmp_path, lake_root=str(tmp_path / "lake"), pipeline_schedule="* * * * *",
                   pipeline_schedule_poll_s=3600, port=free_port(), pipelines_dir=str(tmp_path / "pipelines"))
    app = env.client.app
    background = app.state.background
    assert any(isinstance(s, PipelineSchedules) for s in background)
    service: PipelineService = app.state.pipelines
    scheduler = next(s for s in background if isinstance(s, PipelineSchedules))
    before = datetime.now(UTC)
    with TestClient(app) as client:
        deadline = time.monotonic() + 30
        while scheduler.last_tick is None and time.monotonic() < deadline:  # the thread's first tick
            time.sleep(0.01)
        assert scheduler.last_tick is not None and service.wait_idle(60)
        runs = service.recorder().runs("logs")
        # every minute fires; on a fresh start only the latest fire counts: it processes yesterday
        assert [r.trigger for r in runs] == ["schedule"] and runs[0].state is State.SUCCEEDED
        assert runs[0].process_date in {(before - timedelta(days=1)).date(),
                                        (datetime.now(UTC) - timedelta(days=1)).date()}
        listed = client.get("/api/v1/pipelines/logs/runs", headers=env.admin_headers).json()["items"]
        assert [i["trigger"] for i in listed] == ["schedule"]
        # while served, pipelines report OpenLineage to this very process (its bind address)
        assert isinstance(service.lineage, HttpLineageSink)
    assert service.lineage is None  # stopped: the in-process sink is closed and detached
    assert scheduler._thread is None
    env.store.dispose()


def test_self_url_reaches_the_bind_address() -> None:
    assert self_url(Settings(host="0.0.0.0", port=8123)) == "http://127.0.0.1:8123"
    assert self_url(Settings(host="::", port=80)) == "http://[::1]:80"
    assert self_url(Settings(host="10.1.2.3", port=9000)) == "http://10.1.2.3:9000"


def test_the_pipeline_key_is_created_once_kept_private_and_replaced_when_invalid(sqlite_url: str,
                                                                                 tmp_path: Path) -> None:
    env = make_env(sqlite_url, tmp_path)
    key = pipeline_api_key(env.store, env.settings, "default")
    path = env.settings.data_dir / KEY_FILE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    principal = AuthService(env.store, env.settings).principal_from_api_key(key)
    assert principal.role is Role.DATA_ENGINEER and principal.tenant_id == "default"
    assert pipeline_api_key(env.store, env.settings, "default") == key
    path.write_text("lily_garbage_key")
    fresh = pipeline_api_key(env.store, env.settings, "default")
    assert fresh != key and AuthService(env.store, env.settings).principal_from_api_key(fresh).tenant_id == "default"
    env.client.close()


def test_in_process_lineage_only_without_a_configured_url_and_with_the_endpoint(sqlite_url: str,
                                                                               tmp_path: Path) -> None:
    env = make_env(sqlite_url, tmp_path)
    service = PipelineService(env.store, make_harness(tmp_path / "lake").lake)
    absent = InProcessLineage(service, env.store, env.settings, has_endpoint=lambda: False)
    absent.start()
    assert service.lineage is None and not (env.settings.data_dir / KEY_FILE).exists()
    configured = InMemoryLineageSink()
    service.lineage = configured
    InProcessLineage(service, env.store, env.settings, has_endpoint=lambda: True).start()
    assert service.lineage is configured
    env.client.close()


def test_events_posted_to_lilys_own_lineage_endpoint_are_accepted(sqlite_url: str, tmp_path: Path) -> None:
    env = make_env(sqlite_url, tmp_path)
    key = pipeline_api_key(env.store, env.settings, "default")
    h = make_harness(tmp_path / "lake")
    land(h.lake, "ndjson/a.ndjson", ndjson(day_records(D1, 12)))
    statuses: list[int] = []
    sink = HttpLineageSink("http://testserver", key, client=env.client)
    real_post = env.client.post

    def post(url: str, **kwargs: Any) -> Any:
        response = real_post(url, **kwargs)
        statuses.append(response.status_code)
        return response

    env.client.post = post  # type: ignore[method-assign]
    h.runner.lineage = sink
    run = h.runner.run(D1)
    assert run.state is State.SUCCEEDED and h.runner.lineage_failures == 0
    assert len(statuses) == 8 and set(statuses) == {201}  # START + COMPLETE for each of the 4 steps
    env.client.close()


class BrokenSink:
    def emit(self, event: dict[str, Any]) -> None:
        raise ConnectionError("lineage endpoint down")


def test_an_unreachable_lineage_endpoint_does_not_fail_the_run(tmp_path: Path) -> None:
    h = make_harness(tmp_path / "lake")
    demo.write_files(h.lake, demo.generate(D1, 1, seed=4, per_file=10))
    h.runner.lineage = BrokenSink()
    run = h.runner.run(D1)
    assert run.state is State.SUCCEEDED
    assert h.runner.lineage_failures == 8
    assert [s.state for s in h.recorder.steps(run.run_id)] == [State.SUCCEEDED] * 4


def test_a_configured_lineage_url_is_used_with_its_key(sqlite_url: str, tmp_path: Path) -> None:
    env = make_env(sqlite_url, tmp_path, lineage_url="https://lineage.example/", api_key="k-123")
    sink = env.client.app.state.pipelines.lineage
    assert isinstance(sink, HttpLineageSink)
    assert sink._url == "https://lineage.example/api/v1/lineage"
    assert sink._headers == {"Authorization": "Bearer k-123"}
    env.client.close()
