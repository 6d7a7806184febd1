"""``lily connect list`` and ``lily connect run NAME [--full]``: the connectors of the connectors
file (``LILY_CONNECTORS_FILE``, default ``./connectors.yaml``), run by hand with a progress display.

Exit codes: 0 the run succeeded, 1 it failed (``error`` says why), 3 it finished with skipped items
(each listed), 2 the file is invalid or names no such connector.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from lily.connectors import config as connectors_config
from lily.connectors.registry import KINDS

app = typer.Typer(help="Connectors: S3 and PostgreSQL discovery, S3 → SQS notifications (docs/connectors.md).",
                  no_args_is_help=True)
console = Console(stderr=True)
File = Annotated[Path | None, typer.Option("--file", "-f", help="connectors file (default LILY_CONNECTORS_FILE "
                                                                  "or ./connectors.yaml)")]


def _path(file: Path | None) -> Path:
    from lily.settings import Settings

    return file or Path(Settings().connectors_file or "connectors.yaml")


def _configs(file: Path | None) -> list[connectors_config.ConnectorConfig]:
    path = _path(file)
    if not path.exists():
        console.print(f"[red]no connectors file at {path}[/]")
        raise typer.Exit(2)
    try:
        return connectors_config.load(path)
    except connectors_config.ConfigError as exc:
        for problem in exc.problems:
            console.print(f"[red]{problem}[/]")
        raise typer.Exit(2) from None


class _RichProgress:
    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task = progress.add_task("starting", total=None, done=0)
        self.done = 0

    def update(self, description: str, *, advance: int = 0, total: int | None = None) -> None:
        self.done += advance
        self.progress.update(self.task, description=description, total=total, done=self.done)


@app.command("list")
def list_connectors(file: File = None) -> None:
    """The configured connectors and their last run."""
    from lily.connectors.runner import open_store
    from lily.store import connector_runs

    configs = _configs(file)
    store = open_store()
    table = Table(title=f"connectors ({_path(file)})", title_justify="left")
    for heading in ("name", "type", "tenant", "schedule", "last run", "state", "counts"):
        table.add_column(heading, overflow="fold")
    with store.read() as conn:
        for c in configs:
            last = connector_runs.runs(conn, c.tenant, c.name, limit=1)
            run = last[0] if last else {}
            schedule = "continuous" if KINDS[c.type].continuous else (c.schedule or "")
            counts = ", ".join(f"{k} {v}" for k, v in (run.get("counts") or {}).items())
            table.add_row(c.name, c.type, c.tenant, schedule if c.enabled else "disabled",
                          str(run.get("started_at") or ""), run.get("state") or "", counts)
    Console().print(table)


@app.command("run")
def run_connector(name: Annotated[str, typer.Argument(help="the connector's name in the file")],
                  full: Annotated[bool, typer.Option("--full", help="walk everything, not only what changed")] = False,
                  as_json: Annotated[bool, typer.Option("--json", help="print the run record as JSON")] = False,
                  file: File = None) -> None:
    """Run one connector now and record the run."""
    from lily.connectors import runner

    configs = _configs(file)
    try:
        config = connectors_config.find(configs, name)
    except KeyError as exc:
        console.print(f"[red]{exc.args[0]}[/]")
        raise typer.Exit(2) from None
    store = runner.open_store()
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.fields[done]} items"),
                  TimeElapsedColumn(), console=console, transient=True) as progress:
        result = runner.run(store, config, full=full, trigger="cli", progress=_RichProgress(progress))
    if as_json:
        typer.echo(orjson.dumps(result.to_json(), option=orjson.OPT_INDENT_2).decode())
    else:
        colour = {"succeeded": "green", "partial": "yellow", "failed": "red"}[result.state]
        console.print(f"[{colour}]{name}: {result.state}[/] in {result.seconds:.1f}s — "
                      + ", ".join(f"{k} {v}" for k, v in result.report.counts.items()))
        if result.error:
            console.print(f"[red]{result.error}[/]")
        for error in result.report.errors:
            console.print(f"[yellow]skipped[/] {error.item}: {error.reason}")
        for note in result.report.notes:
            console.print(f"note: {note}")
    raise typer.Exit({"succeeded": 0, "failed": 1, "partial": 3}[result.state])


__all__ = ["app"]
