"""``lily pipeline ...`` (an edge: clock, files, output): the log pipeline's commands beside the
declared pipelines', and ``lily quality run``.

``run`` and ``backfill`` hold the log pipeline's ``logs`` with one addition: a command name that is
not built in is looked up as a pipeline file ``<name>.yaml`` in the pipelines directory
(``--pipelines-dir`` / ``LILY_PIPELINES_DIR``, default ``./pipelines``). By default a run is
recorded in Lily's database and publishes its catalog operations there (tenant ``--tenant``), as
the log pipeline does; ``--standalone`` keeps run records in ``<lake>/_lily/runs.json`` and
publishes nothing. Nothing heavy is imported until a command runs, so mounting this costs ``lily``
nothing at startup.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperCommand, TyperGroup

from lily.pipelines import cli as logs_cli
from lily.pipelines.lake import LAKE_ROOT_ENV

if TYPE_CHECKING:
    from lily.medallion.results import PipelineRun
    from lily.medallion.runner import MedallionRunner
    from lily.pipelines.lake import Lake
    from lily.pipelines.sinks import LineageSink
    from lily.store import Store

PIPELINES_DIR_ENV = "LILY_PIPELINES_DIR"  # same name as lily.medallion.validate's (not imported: startup cost)
console = Console()
Command = TyperCommand | TyperGroup


def _pipelines_dir(explicit: str | None) -> Path:
    if explicit or os.environ.get(PIPELINES_DIR_ENV):
        return Path(explicit or os.environ[PIPELINES_DIR_ENV]).expanduser()
    from lily.settings import Settings

    return Settings().resolved_pipelines_dir  # also reads .env


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


def open_lake(explicit: str | None) -> Lake:
    """The lake: ``--lake-root`` (a directory or an ``s3://`` URL), else the settings' lake
    (``LILY_LAKE_URL``, else ``LILY_LAKE_ROOT``, else ``<LILY_DATA_DIR>/lake``)."""
    from lily.pipelines.lake import Lake, lake_location
    from lily.settings import Settings

    return Lake(lake_location(explicit) if explicit else Settings().resolved_lake)


LakeRoot = Annotated[str | None, typer.Option("--lake-root", envvar=LAKE_ROOT_ENV,
                                               help="Lake root: a directory or s3://bucket/prefix (default LILY_LAKE_URL, else <LILY_DATA_DIR>/lake).")]
PipelinesDir = Annotated[str | None, typer.Option("--pipelines-dir", envvar=PIPELINES_DIR_ENV,
                                                   help="Directory of pipeline files (default ./pipelines).")]
Standalone = Annotated[bool, typer.Option("--standalone", help="Record runs in <lake>/_lily/runs.json and "
                                                                "publish nothing to Lily's catalog.")]
LineageUrl = Annotated[str | None, typer.Option("--lineage-url", envvar="LILY_LINEAGE_URL",
                                                 help="Send OpenLineage events to <url>/api/v1/lineage "
                                                      "(with LILY_API_KEY).")]
Tenant = Annotated[str | None, typer.Option("--tenant", help="Tenant of the run records and anonymization keys "
                                                              "(default LILY_PIPELINE_TENANT or 'default').")]


def _single(app: typer.Typer) -> Command:
    return typer.main.get_command(app)


def open_store(tenant: str) -> Store:
    """Lily's store (migrated: a fresh checkout works without `lily db upgrade`), with ``tenant``."""
    from lily.bootstrap import ensure_tenant
    from lily.settings import Settings
    from lily.store import Store

    store = Store.from_url(Settings().resolved_database_url, migrate=True)
    ensure_tenant(store, tenant, actor="cli")
    return store


def _lineage(url: str | None) -> LineageSink | None:
    from lily.pipelines.wiring import http_lineage
    from lily.settings import Settings

    settings = Settings()
    return http_lineage(url, settings.api_key.get_secret_value() if settings.api_key else None)


def build_runner(name: str, *, lake_root: str | None, pipelines_dir: str | None, standalone: bool,
                 tenant: str | None, lineage_url: str | None = None) -> MedallionRunner:
    """The runner of pipeline ``name``; exits with the file's errors when it is not valid."""
    from lily.anonymize import load_keyring
    from lily.medallion.compute import compute_named
    from lily.medallion.runner import MedallionRunner, RunnerConfig
    from lily.medallion.validate import PipelineFileError, find_pipeline, load_pipeline
    from lily.medallion.wiring import store_runner
    from lily.pipelines.runs import JsonFileRunRecorder
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
    lake = open_lake(lake_root)
    lake.ensure()
    tenant_id = tenant or settings.pipeline_tenant
    keys = load_keyring(tenant_id, settings.data_dir)
    engine = compute_named(settings.engine, spark_master=settings.spark_master)
    if standalone:
        return MedallionRunner(pipeline, RunnerConfig(lake, engine=engine),
                               recorder=JsonFileRunRecorder.in_lake(lake.storage), clock=_utcnow, keys=keys,
                               lineage=_lineage(lineage_url))
    return store_runner(pipeline, open_store(tenant_id), lake, tenant_id=tenant_id, clock=_utcnow, keys=keys,
                        lineage=_lineage(lineage_url), engine=engine)


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
        lineage_url: LineageUrl = None,
        standalone: Standalone = False,
        tenant: Tenant = None,
    ) -> None:
        day = _day(process_date)
        runner = build_runner(name, lake_root=lake_root, pipelines_dir=pipelines_dir, standalone=standalone,
                              tenant=tenant, lineage_url=lineage_url)
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
        lineage_url: LineageUrl = None,
        standalone: Standalone = False,
        tenant: Tenant = None,
    ) -> None:
        first, last = _day(start), _day(end)
        if last < first:
            raise typer.BadParameter("--to is before --from")
        runner = build_runner(name, lake_root=lake_root, pipelines_dir=pipelines_dir, standalone=standalone,
                              tenant=tenant, lineage_url=lineage_url)
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


def validate(
    path: Annotated[Path | None, typer.Argument(help="A pipeline file or a directory of them "
                                                     "(default LILY_PIPELINES_DIR or ./pipelines).")] = None,
) -> None:
    """Check declared pipeline files; each error names the file, line and field."""
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


def write_demo_crm(lake: Lake, first: date, days: int, seed: int) -> None:
    """The demo CRM for ``pipelines/crm.yaml`` (``lily pipeline demo-data``)."""
    from lily.medallion import demo_crm

    files = demo_crm.generate(first, days, seed)
    demo_crm.write_files(lake.storage, files)
    console.print(f"wrote the demo CRM: {len(files)} files ({sum(len(f.data) for f in files) / 1e6:.1f} MB) "
                  f"under {lake.storage.url}/{demo_crm.ROOT}; run it with `lily pipeline run crm --date {first}`",
                  highlight=False)


def demo_data(
    days: Annotated[int, typer.Option(min=1, help="Days of logs.")] = 7,
    start: Annotated[str | None, typer.Option("--from", help="First day (default: `days` days ago).")] = None,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same bytes.")] = 42,
    per_file: Annotated[int, typer.Option(min=1, help="Records per file.")] = 500,
    lake_root: LakeRoot = None,
) -> None:
    """Write realistic logs (NDJSON, gzip JSON, XML errors) plus bad files and rows into raw/, and the
    demo CRM (customers and orders, with defects) that pipelines/crm.yaml reads."""
    first = _day(start) if start else _utcnow().date() - timedelta(days=days)
    logs_cli.demo_data(days=days, start=first.isoformat(), seed=seed, per_file=per_file, lake_root=lake_root)
    write_demo_crm(open_lake(lake_root), first, days, seed)


# `lily pipeline`: the log pipeline's commands, the declared pipelines, validation, demo data.
app = typer.Typer(help="Batch pipelines over the medallion lake: the log pipeline and declared ones "
                       "(pipelines/<name>.yaml, docs/medallion.md).", no_args_is_help=True)
run_app = typer.Typer(cls=RunGroup, help="Run a pipeline for one process date: `logs` or a declared NAME.",
                      no_args_is_help=True)
backfill_app = typer.Typer(cls=BackfillGroup, help="Run a pipeline over a date range: `logs` or a declared NAME.",
                           no_args_is_help=True)
run_app.command("logs")(logs_cli.run_logs)
backfill_app.command("logs")(logs_cli.backfill_logs)
app.add_typer(run_app, name="run")
app.add_typer(backfill_app, name="backfill")
app.command("status")(logs_cli.status)
app.command("validate")(validate)
app.command("demo-data")(demo_data)
