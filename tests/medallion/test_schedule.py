"""Declared pipelines on their schedules inside ``lily serve``: the file's ``schedule:``, else
LILY_PIPELINE_SCHEDULE; ``off``, invalid files and removed files are not scheduled."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from lily.medallion.declared import DeclaredPipelines
from lily.medallion.validate import PipelineFileError, load_pipeline
from lily.pipelines.runs import RunRecord, State
from lily.pipelines.scheduler import TRIGGER, PipelineSchedules

from .conftest import write_pipeline

BODY = """
pipeline: {name}
{schedule}
datasets:
  users:
    source: {{kind: files, format: csv, path: "users/{{date}}.csv"}}
    primary_key: id
    schema: {{id: integer}}
"""


def _file(directory: Path, name: str, schedule: str = "") -> Path:
    return write_pipeline(directory, name, BODY.format(name=name, schedule=schedule))


class FakeRecorder:
    def __init__(self) -> None:
        self.records: list[RunRecord] = []

    def runs(self, pipeline: str) -> list[RunRecord]:
        return [r for r in self.records if r.pipeline == pipeline]


class FakeService:
    """What the schedules use of the pipeline service: the declared files, submit, the run records."""

    def __init__(self, declared: DeclaredPipelines) -> None:
        self.declared = declared
        self.recorded = FakeRecorder()
        self.submitted: list[tuple[str, list[date]]] = []
        self.now = datetime(2024, 3, 1, tzinfo=UTC)  # what the service's clock reads at submission

    def recorder(self) -> FakeRecorder:
        return self.recorded

    def submit(self, pipeline: str, days: list[date], *, trigger: str) -> None:
        self.submitted.append((pipeline, days))
        for day in days:
            self.recorded.records.append(RunRecord(
                run_id=f"{pipeline}-{day}", pipeline=pipeline, process_date=day, attempt=1, state=State.QUEUED,
                trigger=trigger, started_at=self.now))


def at(day: int, hour: int) -> datetime:
    return datetime(2024, 3, day, hour, 0, tzinfo=UTC)


def tick(schedules: PipelineSchedules, service: FakeService, now: datetime) -> dict[str, list[date]]:
    service.now = now
    return schedules.tick(now)


def test_every_declared_pipeline_runs_on_its_schedule(tmp_path: Path) -> None:
    directory = tmp_path / "pipelines"
    _file(directory, "daily", 'schedule: "0 2 * * *"')       # 02:00 daily
    _file(directory, "weekly", 'schedule: "0 5 * * 1"')      # Mondays 05:00
    _file(directory, "plain")                                # no schedule: LILY_PIPELINE_SCHEDULE
    _file(directory, "manual", "schedule: \"off\"")          # API and CLI runs only
    (directory / "broken.yaml").write_text("pipeline: broken\n")  # not valid: left out
    service = FakeService(DeclaredPipelines(directory, tmp_path / "data"))
    schedules = PipelineSchedules(service, "0 3 * * *", clock=lambda: at(11, 6))  # type: ignore[arg-type]

    assert schedules.crons() == {"logs": "0 3 * * *", "daily": "0 2 * * *", "weekly": "0 5 * * 1",
                                 "plain": "0 3 * * *"}
    # Monday 11 March, 06:00: every pipeline's latest fire (a fresh start does not backfill)
    due = tick(schedules, service, at(11, 6))
    assert due == {"logs": [date(2024, 3, 10)], "daily": [date(2024, 3, 10)], "weekly": [date(2024, 3, 10)],
                   "plain": [date(2024, 3, 10)]}
    assert all(r.trigger == TRIGGER for r in service.recorded.records)
    # two days later: the daily ones catch up on both fires, the weekly one has none
    due = tick(schedules, service, at(13, 6))
    assert due["daily"] == due["logs"] == [date(2024, 3, 11), date(2024, 3, 12)] and due["weekly"] == []
    # a file edited to another cron is picked up without a restart; a removed file is dropped
    _file(directory, "weekly", 'schedule: "0 4 * * *"')
    (directory / "plain.yaml").unlink()
    due = tick(schedules, service, at(14, 6))
    # the new cron's fires since its last scheduled run (11 March, 06:00), as after a restart
    assert due["weekly"] == [date(2024, 3, 11), date(2024, 3, 12), date(2024, 3, 13)]
    assert "plain" not in due and "plain" not in schedules.schedulers


def test_without_a_default_only_files_with_a_schedule_run(tmp_path: Path) -> None:
    directory = tmp_path / "pipelines"
    _file(directory, "daily", 'schedule: "0 2 * * *"')
    _file(directory, "plain")
    schedules = PipelineSchedules(FakeService(DeclaredPipelines(directory, tmp_path)), None)  # type: ignore[arg-type]
    assert schedules.crons() == {"daily": "0 2 * * *"}


def test_a_schedule_that_is_not_cron_is_a_file_error(tmp_path: Path) -> None:
    with pytest.raises(PipelineFileError) as info:
        load_pipeline(_file(tmp_path, "shop", 'schedule: "every day at two"'))
    assert any(i.field == "schedule" and "cron" in i.message for i in info.value.issues)


def test_a_file_is_validated_again_only_when_its_content_changes(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    directory = tmp_path / "pipelines"
    _file(directory, "daily", 'schedule: "0 2 * * *"')
    declared = DeclaredPipelines(directory, tmp_path)
    loads: list[str] = []
    real_load = declared.load
    monkeypatch.setattr(declared, "load", lambda name: (loads.append(name), real_load(name))[1])
    assert declared.schedules(None) == {"daily": "0 2 * * *"}
    assert declared.schedules(None) == {"daily": "0 2 * * *"} and loads == ["daily"]
    _file(directory, "daily", 'schedule: "0 4 * * *"')  # same size, possibly the same timestamp
    assert declared.schedules(None) == {"daily": "0 4 * * *"} and loads == ["daily", "daily"]
    (directory / "daily.yaml").write_text("pipeline: daily\n")  # now invalid: left out, read once
    assert declared.schedules(None) == {} and declared.schedules(None) == {} and len(loads) == 3
