"""``lily quality run DATASET --date D``: a dataset's declared checks alone, over what the lake holds.

Prints each check (or ``--json``: the reports with their OpenLineage facets); exits 1 when a
blocking check fails, 2 when ``DATASET`` names nothing. Inside Lily (not ``--standalone``) the
results are recorded on the dataset like a run's (``GET /api/v1/assets/{id}/quality``), with
``context.kind = "quality run"``; nothing is published, held, resolved, and no incident is opened.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.table import Table

from lily.medallion.cli import (
    LakeRoot,
    PipelinesDir,
    Standalone,
    Tenant,
    _day,
    _pipelines_dir,
    _utcnow,
    open_lake,
    open_store,
)

app = typer.Typer(help="Data quality checks of declared pipelines (docs/medallion.md).", no_args_is_help=True)
console = Console()


def _print(name: str, layer: str, report: Any) -> None:
    table = Table(title=f"{name} {layer}: {'passed' if report.passed else 'FAILED'} "
                        f"({', '.join(f'{d} {s:.0f}' for d, s in report.scores.items())})", title_justify="left")
    for heading in ("check", "dimension", "status", "value", "expected", "blocking"):
        table.add_column(heading, overflow="fold")
    for r in report.results:
        colour = {"pass": "green", "warn": "yellow", "fail": "red"}.get(r.status, "white")
        table.add_row(r.name, r.dimension, f"[{colour}]{r.status}[/{colour}]", "" if r.value is None else str(r.value),
                      r.expected or "", "yes" if r.blocking else "")
    console.print(table)


def _record(tenant: str, pipeline: Any, namespace: str, names: dict[str, str], reports: dict[str, Any],
            day: date) -> None:
    from lily.bus.commits import apply_and_notify
    from lily.medallion.catalog import quality_record
    from lily.medallion.results import DatasetRef
    from lily.model import ChangeSet

    now = _utcnow()  # the CLI owns the wall clock
    ops = [quality_record(report, DatasetRef(namespace, names[layer]), step_run_id=None, observed_at=now,
                          context={"pipeline": pipeline.name, "layer": layer, "process_date": day.isoformat(),
                                   "kind": "quality run"})
           for layer, report in reports.items()]
    apply_and_notify(open_store(tenant), ChangeSet(tenant_id=tenant, actor=f"quality:{pipeline.name}",
                                                   operations=list(ops), at=now))


@app.command("run")
def run(
    dataset: Annotated[str, typer.Argument(help="silver/<pipeline>/<dataset>, bronze/..., gold/<pipeline>/<name>, "
                                                "or <pipeline>.<dataset> (bronze and silver).")],
    process_date: Annotated[str, typer.Option("--date", help="Process date, YYYY-MM-DD.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the reports as JSON.")] = False,
    lake_root: LakeRoot = None,
    pipelines_dir: PipelinesDir = None,
    standalone: Standalone = False,
    tenant: Tenant = None,
) -> None:
    """Run a dataset's declared checks for one process date (nothing is published or held)."""
    from lily.medallion import engine
    from lily.medallion.layout import Layout
    from lily.medallion.quality_run import TargetError, check, parse_target
    from lily.medallion.quarantine import report_json
    from lily.medallion.validate import PipelineFileError, find_pipeline, load_pipeline
    from lily.settings import Settings

    day = _day(process_date)
    settings = Settings()
    try:
        target = parse_target(dataset)
    except TargetError as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None
    path = find_pipeline(target.pipeline, _pipelines_dir(pipelines_dir))
    if path is None:
        console.print(f"[red]error:[/red] no pipeline {target.pipeline!r} in {_pipelines_dir(pipelines_dir)}")
        raise typer.Exit(2)
    try:
        pipeline = load_pipeline(path)
    except PipelineFileError as exc:
        for issue in exc.issues:
            console.print(f"[red]{issue}[/red]", highlight=False)
        raise typer.Exit(2) from exc
    lake = open_lake(lake_root)
    layout = Layout(lake, pipeline.name)
    con = engine.connect()
    try:
        reports = check(con, pipeline, layout, target, day)
    except TargetError as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None
    finally:
        con.close()
    tables = {"bronze": layout.bronze, "silver": layout.silver, "gold": layout.gold}
    names = {layer: layout.name(tables[layer](target.name)) for layer in reports}
    if not standalone:
        _record(tenant or settings.pipeline_tenant, pipeline, lake.namespace(), names, reports, day)
    if as_json:
        out = {names[layer]: {**report_json(r), "openlineage": r.to_openlineage()} for layer, r in reports.items()}
        typer.echo(orjson.dumps(out, option=orjson.OPT_INDENT_2, default=str).decode())
    else:
        for layer, report in reports.items():
            _print(names[layer], layer, report)
    if not all(r.passed for r in reports.values()):
        raise typer.Exit(1)
