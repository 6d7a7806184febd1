"""``lily pipeline validate|run|backfill`` for declared pipelines (an edge: clock, files, output).

``run`` and ``backfill`` are the log pipeline's groups with one addition: a command name that is
not built in (``logs``) is looked up as a pipeline file ``<name>.yaml`` in the pipelines directory
(``--pipelines-dir`` / ``LILY_PIPELINES_DIR``, default ``./pipelines``). Nothing heavy is imported
until a command runs, so mounting this costs ``lily`` nothing at startup.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperCommand, TyperGroup

from lily.pipelines.lake import LAKE_ROOT_ENV

if TYPE_CHECKING:
    from lily.medallion.results import PipelineRun
    from lily.medallion.runner import MedallionRunner
    from lily.pipelines.runs import RunRecorder

PIPELINES_DIR_ENV = "LILY_PIPELINES_DIR"  # same name as lily.medallion.validate's (not imported: startup cost)
console = Console()
Command = TyperCommand | TyperGroup


def _pipelines_dir(explicit: str | None) -> Path:
    return Path(explicit or os.environ.get(PIPELINES_DIR_ENV) or "./pipelines").expanduser()


def _declared_names(directory: Path) -> list[str]:
    if not directory.is_dir():
        return []
    return sorted(p.stem for p in directory.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"expected YYYY-MM-DD, got {value!r}") from exc


def _utcnow() -> datetime:
    return datetime.now(UTC)


LakeRoot = Annotated[str | None, typer.Option("--lake-root", envvar=LAKE_ROOT_ENV,
                                               help="Lake root directory (default <LILY_DATA_DIR>/lake).")]
PipelinesDir = Annotated[str | None, typer.Option("--pipelines-dir", envvar=PIPELINES_DIR_ENV,
                                                   help="Directory of pipeline files (default ./pipelines).")]
Standalone = Annotated[bool, typer.Option("--standalone", help="Record runs in <lake>/_lily/runs.json instead "
                                                                "of Lily's database.")]
Tenant = Annotated[str | None, typer.Option("--tenant", help="Tenant of the run records and anonymization keys "
                                                              "(default LILY_PIPELINE_TENANT or 'default').")]


def _single(app: typer.Typer) -> Command:
    return typer.main.get_command(app)


def _recorder(lake_root: Path, standalone: bool, tenant: str) -> RunRecorder:
    from lily.pipelines.runs import JsonFileRunRecorder

    if standalone:
        return JsonFileRunRecorder(lake_root / "_lily" / "runs.json")
    from lily.bootstrap import ensure_tenant
    from lily.pipelines.sql_recorder import SqlRunRecorder
    from lily.settings import Settings
    from lily.store import Store

    store = Store.from_url(Settings().resolved_database_url, migrate=True)
    ensure_tenant(store, tenant, actor="cli")
    return SqlRunRecorder(store, tenant)


def build_runner(name: str, *, lake_root: str | None, pipelines_dir: str | None, standalone: bool,
                 tenant: str | None) -> MedallionRunner:
    """The runner of pipeline ``name``; exits with the file's errors when it is not valid."""
    from lily.anonymize import load_keyring
    from lily.medallion.runner import MedallionRunner, RunnerConfig
    from lily.medallion.validate import PipelineFileError, find_pipeline, load_pipeline
    from lily.pipelines.lake import Lake, lake_root_from_env
    from lily.settings import Settings

    settings = Settings()
    directory = _pipelines_dir(pipelines_dir)
    path = find_pipeline(name, directory)
    if path is None:
        console.print(f"[red]no pipeline {name!r}[/red]: built in: logs; declared in {directory}: "
                      f"{', '.join(_declared_names(directory)) or 'none'}")
        raise typer.Exit(2)
    try:
        pipeline = load_pipeline(path)
    except PipelineFileError as exc:
        for issue in exc.issues:
            console.print(f"[red]{issue}[/red]", highlight=False)
        raise typer.Exit(2) from exc
    lake = Lake(lake_root_from_env(lake_root) if lake_root else settings.resolved_lake_root)
    lake.ensure()
    tenant_id = tenant or settings.pipeline_tenant
    keys = load_keyring(tenant_id, settings.data_dir)
    return MedallionRunner(pipeline, RunnerConfig(lake), recorder=_recorder(lake.root, standalone, tenant_id),
                           clock=_utcnow, keys=keys)


def report(runner: MedallionRunner, result: PipelineRun) -> None:
    run = result.run
    table = Table(title=f"{run.pipeline} {run.process_date} attempt {run.attempt}: {run.state.value}")
    for col in ("step", "state", "in", "out", "rejected", "note"):
        table.add_column(col, overflow="fold")
    for step in runner.recorder.steps(run.run_id):
        note = step.error or step.details.get("why") or ""
        if not note and step.details.get("quarantine"):
            note = f"quarantined in {step.details['quarantine']}"
        table.add_row(step.step, step.state.value, str(step.rows_in), str(step.rows_out), str(step.rows_rejected),
                      str(note))
    console.print(table)
    for name, ds in result.datasets.items():
        if ds.unprotected:
            console.print(f"[yellow]{name}: detected as PII without a policy:[/yellow] {', '.join(ds.unprotected)}")


def run_command(name: str) -> Command:
    app = typer.Typer()

    @app.command(name=name, help=f"Run the declared pipeline {name!r} for one process date "
                                 f"(bronze, silver, gold, ML-ready, retention).")
    def command(
        process_date: Annotated[str, typer.Option("--date", help="Process date, YYYY-MM-DD.")],
        no_retention: Annotated[bool, typer.Option("--no-retention", help="Skip the retention step.")] = False,
        lake_root: LakeRoot = None,
        pipelines_dir: PipelinesDir = None,
        standalone: Standalone = False,
        tenant: Tenant = None,
    ) -> None:
        day = _day(process_date)
        runner = build_runner(name, lake_root=lake_root, pipelines_dir=pipelines_dir, standalone=standalone,
                              tenant=tenant)
        result = runner.run(day, retention=not no_retention)
        report(runner, result)
        if not result.succeeded:
            console.print(f"[red]failed:[/red] {result.error}", highlight=False)
            raise typer.Exit(1)

    return _single(app)


def backfill_command(name: str) -> Command:
    app = typer.Typer()

    @app.command(name=name, help=f"Run the declared pipeline {name!r} for every day of a range, in order.")
    def command(
        start: Annotated[str, typer.Option("--from", help="First process date, YYYY-MM-DD.")],
        end: Annotated[str, typer.Option("--to", help="Last process date, YYYY-MM-DD (inclusive).")],
        lake_root: LakeRoot = None,
        pipelines_dir: PipelinesDir = None,
        standalone: Standalone = False,
        tenant: Tenant = None,
    ) -> None:
        first, last = _day(start), _day(end)
        if last < first:
            raise typer.BadParameter("--to is before --from")
        runner = build_runner(name, lake_root=lake_root, pipelines_dir=pipelines_dir, standalone=standalone,
                              tenant=tenant)
        failed = []
        for result in runner.backfill(first, last):
            state = "[green]ok[/green]" if result.succeeded else f"[red]failed[/red]: {result.error}"
            console.print(f"{result.process_date} {state}", highlight=False)
            if not result.succeeded:
                failed.append(result)
        total = (last - first).days + 1
        console.print(f"{total - len(failed)} of {total} days succeeded")
        if failed:
            raise typer.Exit(1)

    return _single(app)


class _DeclaredGroup(TyperGroup):
    """A group whose unknown command names are declared pipelines."""

    make: Callable[[str], Command]

    def list_commands(self, ctx: Any) -> list[str]:
        builtin = super().list_commands(ctx)
        return builtin + [n for n in _declared_names(_pipelines_dir(None)) if n not in builtin]

    def get_command(self, ctx: Any, cmd_name: str) -> Command | None:
        found = super().get_command(ctx, cmd_name)
        if found is not None:
            return found
        if cmd_name.startswith("-"):
            return None
        return type(self).make(cmd_name)


class RunGroup(_DeclaredGroup):
    make = staticmethod(run_command)


class BackfillGroup(_DeclaredGroup):
    make = staticmethod(backfill_command)


def validate(path: Path | None) -> None:
    """Check pipeline files (one file, or every *.yaml of a directory); errors name file, line, field."""
    from lily.medallion.validate import validate_path

    target = path if path is not None else _pipelines_dir(None)
    valid, issues = validate_path(target)
    for p in valid:
        s = p.spec
        console.print(f"[green]ok[/green] {s.pipeline} ({p.path}): {len(s.datasets)} dataset(s), "
                      f"{len(s.gold)} gold, {len(s.ml)} ML-ready", highlight=False)
    for issue in issues:
        console.print(f"[red]{issue}[/red]", highlight=False)
    if issues:
        raise typer.Exit(1)


def write_demo_crm(lake_root: Path, first: date, days: int, seed: int) -> None:
    """The demo CRM for ``pipelines/crm.yaml`` (``lily pipeline demo-data``)."""
    from lily.medallion import demo_crm

    files = demo_crm.generate(first, days, seed)
    demo_crm.write_files(lake_root, files)
    console.print(f"wrote the demo CRM: {len(files)} files ({sum(len(f.data) for f in files) / 1e6:.1f} MB) "
                  f"under {lake_root / demo_crm.ROOT}; run it with `lily pipeline run crm --date {first}`",
                  highlight=False)
