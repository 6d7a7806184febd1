"""``lily pipeline ...``: run, backfill, status and demo data for the log pipeline.

This is an edge: it owns the wall clock (passed into the runner) and the lake root
(``--lake-root`` or ``$LILY_LAKE_ROOT``, default ``<LILY_DATA_DIR>/lake``, i.e. ``./.lily/lake``).
By default runs are recorded in Lily's database (``LILY_DATABASE_URL``, default the SQLite file
``lily serve`` uses) and the datasets are published to its catalog, in tenant ``--tenant``;
``--standalone`` keeps run records in ``<lake>/_lily/runs.json`` and publishes nothing. The engine
modules are imported when a command runs, so mounting this app costs ``lily`` nothing at startup.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from lily.pipelines.lake import LAKE_ROOT_ENV, RAW, Lake, lake_location
from lily.pipelines.runs import JsonFileRunRecorder, RunRecord, RunRecorder, State
from lily.settings import Settings

if TYPE_CHECKING:
    from lily.pipelines.runner import PipelineRunner
    from lily.store import Store

# The log pipeline's commands. `lily pipeline` itself (lily.medallion.cli) mounts them beside the
# declared pipelines (a NAME other than `logs` runs <pipelines dir>/NAME.yaml), `validate`, and
# the demo CRM in `demo-data`: this layer never imports the declared pipelines.
app = typer.Typer(help="Batch pipelines over the medallion lake: the log pipeline.", no_args_is_help=True)
run_app = typer.Typer(help="Run the log pipeline for one process date.", no_args_is_help=True)
backfill_app = typer.Typer(help="Run the log pipeline over a date range.", no_args_is_help=True)
app.add_typer(run_app, name="run")
app.add_typer(backfill_app, name="backfill")
console = Console()

LakeRoot = Annotated[str | None, typer.Option("--lake-root", envvar=LAKE_ROOT_ENV,
                                               help="Lake root: a directory or s3://bucket/prefix "
                                                    "(default $LILY_LAKE_URL, else <LILY_DATA_DIR>/lake).")]
LineageUrl = Annotated[str | None, typer.Option("--lineage-url", envvar="LILY_LINEAGE_URL",
                                                 help="Send OpenLineage events to <url>/api/v1/lineage "
                                                      "(with LILY_API_KEY).")]
Standalone = Annotated[bool, typer.Option("--standalone", help="Record runs in <lake>/_lily/runs.json and "
                                                                "publish nothing to Lily's catalog.")]
Tenant = Annotated[str | None, typer.Option("--tenant", help="Tenant of the run records and catalog entries "
                                                              "(default LILY_PIPELINE_TENANT or 'default').")]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _lake(lake_root: str | None) -> Lake:
    settings = Settings()
    return Lake(lake_location(lake_root) if lake_root else settings.resolved_lake)


def _store_and_tenant(tenant: str | None) -> tuple[Store, str]:
    """Lily's store (migrated: a fresh checkout works without `lily db upgrade`) and the tenant."""
    from lily.bootstrap import ensure_tenant
    from lily.store import Store

    settings = Settings()
    store = Store.from_url(settings.resolved_database_url, migrate=True)
    name = tenant or settings.pipeline_tenant
    ensure_tenant(store, name, actor="cli")
    return store, name


def _runner(lake_root: str | None, lineage_url: str | None = None, threads: int | None = None, *,
            standalone: bool = False, tenant: str | None = None) -> PipelineRunner:
    from lily.pipelines.engines import engine_named
    from lily.pipelines.runner import PipelineConfig, PipelineRunner
    from lily.pipelines.wiring import http_lineage, store_runner

    settings = Settings()
    lake = _lake(lake_root)
    lake.ensure()
    key = settings.api_key.get_secret_value() if settings.api_key else None
    sink = http_lineage(lineage_url, key)
    engine = engine_named(settings.engine, spark_master=settings.spark_master)
    if standalone:
        return PipelineRunner(PipelineConfig(lake, threads=threads, engine=engine),
                              recorder=JsonFileRunRecorder.in_lake(lake.storage), clock=_utcnow, lineage=sink)
    store, name = _store_and_tenant(tenant)
    return store_runner(store, lake, tenant_id=name, clock=_utcnow, lineage=sink, threads=threads, engine=engine)


def _recorder(lake: Lake, standalone: bool, tenant: str | None) -> RunRecorder:
    if standalone:
        return JsonFileRunRecorder.in_lake(lake.storage)
    from lily.pipelines.sql_recorder import SqlRunRecorder

    store, name = _store_and_tenant(tenant)
    return SqlRunRecorder(store, name)


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"expected YYYY-MM-DD, got {value!r}") from exc


def _report(runner: PipelineRunner, run: RunRecord) -> None:
    table = Table(title=f"{run.pipeline} {run.process_date} attempt {run.attempt}: {run.state.value}")
    for col in ("step", "state", "in", "out", "rejected", "seconds"):
        table.add_column(col)
    for step in runner.recorder.steps(run.run_id):
        secs = f"{step.duration_s:.2f}" if step.duration_s is not None else ""
        table.add_row(step.step, step.state.value, str(step.rows_in), str(step.rows_out), str(step.rows_rejected), secs)
    console.print(table)
    if run.error:
        console.print(f"[red]error:[/red] {run.error}")


@run_app.command("logs")
def run_logs(
    process_date: Annotated[str, typer.Option("--date", help="Process date, YYYY-MM-DD.")],
    lake_root: LakeRoot = None,
    lineage_url: LineageUrl = None,
    standalone: Standalone = False,
    tenant: Tenant = None,
) -> None:
    """Ingest, normalize, aggregate and catalog one day (resumes a failed run of that day)."""
    from lily.pipelines.runner import STEPS

    day = _day(process_date)
    runner = _runner(lake_root, lineage_url, standalone=standalone, tenant=tenant)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        task = progress.add_task(f"logs {process_date}", total=len(STEPS))
        record = runner.run(day)
        progress.update(task, completed=len(STEPS))
    _report(runner, record)
    if record.state is not State.SUCCEEDED:
        raise typer.Exit(1)


@backfill_app.command("logs")
def backfill_logs(
    start: Annotated[str, typer.Option("--from", help="First process date, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--to", help="Last process date, YYYY-MM-DD (inclusive).")],
    parallel: Annotated[int, typer.Option("--parallel", min=1, help="Days processed concurrently.")] = 2,
    lake_root: LakeRoot = None,
    lineage_url: LineageUrl = None,
    standalone: Standalone = False,
    tenant: Tenant = None,
) -> None:
    """Reprocess every day in a range; each day replaces exactly its own partitions."""
    first, last = _day(start), _day(end)
    if last < first:
        raise typer.BadParameter("--to is before --from")
    runner = _runner(lake_root, lineage_url, threads=1, standalone=standalone, tenant=tenant)
    failed: list[RunRecord] = []
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console) as progress:
        task = progress.add_task("backfill logs", total=(last - first).days + 1)

        def done(record: RunRecord) -> None:
            if record.state is not State.SUCCEEDED:
                failed.append(record)
            progress.advance(task)

        results = runner.backfill(first, last, max_workers=parallel, on_done=done)
    console.print(f"{len(results) - len(failed)} of {len(results)} days succeeded")
    for record in failed:
        console.print(f"[red]{record.process_date}[/red]: {record.error}")
    if failed:
        raise typer.Exit(1)


@app.command("status")
def status(lake_root: LakeRoot = None, limit: Annotated[int, typer.Option(help="Most recent runs.")] = 20,
           standalone: Standalone = False, tenant: Tenant = None) -> None:
    """Recent runs with their step counts."""
    lake = _lake(lake_root)
    recorder = _recorder(lake, standalone, tenant)
    runs = recorder.runs()[-limit:]
    table = Table(title=f"pipeline runs in {lake.root}")
    for col in ("date", "pipeline", "attempt", "trigger", "state", "records in", "silver", "rejected", "error"):
        table.add_column(col)
    for run in runs:
        norm = next((s for s in recorder.steps(run.run_id) if s.step == "normalize"), None)
        table.add_row(run.process_date.isoformat(), run.pipeline, str(run.attempt), run.trigger, run.state.value,
                      str(norm.rows_in) if norm else "", str(norm.rows_out) if norm else "",
                      str(norm.rows_rejected) if norm else "", run.error or "")
    console.print(table)


@app.command("demo-data")
def demo_data(
    days: Annotated[int, typer.Option(min=1, help="Days of logs.")] = 7,
    start: Annotated[str | None, typer.Option("--from", help="First day (default: `days` days ago).")] = None,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same bytes.")] = 42,
    per_file: Annotated[int, typer.Option(min=1, help="Records per file.")] = 500,
    lake_root: LakeRoot = None,
) -> None:
    """Write realistic logs (NDJSON, gzip JSON, XML errors) plus bad files and rows into raw/."""
    from lily.pipelines import demo

    first = _day(start) if start else _utcnow().date() - timedelta(days=days)
    lake = _lake(lake_root)
    lake.ensure()
    files = demo.generate(first, days, seed, per_file=per_file)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console) as progress:
        task = progress.add_task("writing demo files", total=len(files))
        for f in files:
            demo.write_files(lake, [f])
            progress.advance(task)
    size = sum(len(f.data) for f in files)
    console.print(f"wrote {len(files)} files ({size / 1e6:.1f} MB) for {first} .. {first + timedelta(days=days - 1)} "
                  f"into {lake.storage.table(RAW).uri}")
