"""``lily process apply PATH`` (a file or a directory), ``lily process list``, ``lily process delete NAME``."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console

app = typer.Typer(help="Declared lineage processes (docs/contracts.md).", no_args_is_help=True)
out = Console()
err = Console(stderr=True)


def _store():
    from lily.settings import Settings
    from lily.store import Store

    return Store.from_url(Settings().resolved_database_url, migrate=True)


@app.command("apply")
def apply_cmd(path: Path, tenant: str = typer.Option("default")) -> None:
    """Apply a process file, or every file of a directory (a process whose file is gone is removed)."""
    from lily.processes.files import parse_file
    from lily.processes.service import SyncReport, apply_process, sync_directory

    store = _store()
    if path.is_dir():
        report = sync_directory(store, tenant, path)
    else:
        spec, problems = parse_file(path)
        report = SyncReport(invalid=problems)
        if spec is not None:
            report.applied.append(apply_process(store, tenant, spec, origin=str(path.resolve())))
    for p in report.invalid:
        err.print(f"[red]{p}[/]")
    for a in report.applied:
        state = "unchanged" if a.unchanged else f"+{a.added} edges, -{a.removed} removed, {a.kept} kept"
        out.print(f"{a.name}: {state}")
        for p in a.problems:
            err.print(f"[yellow]{a.name}: {p.field}: {p.message}[/]")
    for name in report.deleted:
        out.print(f"{name}: deleted (its file is gone)")
    raise typer.Exit(1 if report.invalid else 0)


@app.command("list")
def list_cmd(tenant: str = typer.Option("default"), as_json: bool = typer.Option(False, "--json")) -> None:
    from lily.store import processes as repo

    with _store().read() as conn:
        rows = repo.list_processes(conn, tenant)
    if as_json:
        out.print_json(json.dumps([{"name": r["name"], "origin": r["origin"], "edges": len(r["edges"]),
                                    "problems": r["errors"]} for r in rows]))
        return
    for r in rows:
        out.print(f"{r['name']}  {r['body'].get('type')}  {len(r['edges'])} edges  {r['origin']}")


@app.command("delete")
def delete_cmd(name: str, tenant: str = typer.Option("default")) -> None:
    from lily.processes.service import delete_process

    result = delete_process(_store(), tenant, name, actor="cli")
    if result is None:
        err.print(f"[red]no process {name!r}[/]")
        raise typer.Exit(1)
    out.print(f"{name}: deleted, {result.removed} edges removed")
