"""``lily cluster up|status|down``: a local cluster for trying Lily as several processes and for the
tests (docs/deployment.md)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from lily.cluster.proxy import proxy

app = typer.Typer(help="A local cluster: PostgreSQL, NATS, an S3 server, APIs behind a proxy, workers, "
                       "the scheduler (docs/deployment.md).", no_args_is_help=True)
app.command("proxy", hidden=True)(proxy)
console = Console(stderr=True)

DIR = typer.Option(None, "--dir", help="where the cluster keeps its state, data and logs "
                                       "(default <LILY_DATA_DIR>/cluster)")


def _root(directory: Path | None) -> Path:
    from lily.settings import Settings

    return directory or Settings().data_dir / "cluster"


@app.command()
def up(directory: Path = DIR,
       port: int = typer.Option(8000, "--port", help="the proxy's port, the cluster's one URL (0: any free port)"),
       apis: int = typer.Option(2, "--apis", min=1), inbound: int = typer.Option(2, "--inbound", min=1),
       propagation: int = typer.Option(1, "--propagation", min=1),
       outbound: int = typer.Option(1, "--outbound", min=1)) -> None:
    """Start the cluster and wait until every process is ready; prints its URL and credentials."""
    from lily.cluster.plan import Topology
    from lily.cluster.supervisor import Cluster, ClusterError

    root = _root(directory)
    console.print(f"Starting the cluster in [bold]{root}[/] ...")
    try:
        cluster = Cluster(root).up(Topology(apis=apis, inbound=inbound, propagation=propagation,
                                            outbound=outbound), proxy_port=port)
    except ClusterError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from None
    creds = cluster.credentials
    _print_status(cluster)
    console.print(f"[bold green]Lily cluster on {cluster.url}[/]  (tenant {creds['tenant']})")
    console.print(f"  sign in: {creds['username']} / {creds['password']}")
    console.print(f"  API key: {creds['api_key']}")
    console.print(f"  logs: {root / 'logs'};  `lily cluster status`, `lily cluster down`")


@app.command()
def status(directory: Path = DIR) -> None:
    """Each process: its pid, whether it runs and what its /readyz says. Exit 1 unless all are ready."""
    from lily.cluster.supervisor import Cluster

    cluster = Cluster(_root(directory))
    if not cluster.state:
        console.print("No cluster here: `lily cluster up` starts one.")
        raise typer.Exit(1)
    if not _print_status(cluster):
        raise typer.Exit(1)


def _print_status(cluster) -> bool:  # type: ignore[no-untyped-def]
    table = Table("process", "role", "pid", "port", "running", "ready", "detail", title=cluster.url)
    rows = cluster.status()
    for r in rows:
        table.add_row(r.name, r.role, str(r.pid or ""), str(r.port or ""), "yes" if r.running else "[red]no[/]",
                      "yes" if r.ready else "[red]no[/]", r.detail)
    Console().print(table)
    return all(r.running and r.ready for r in rows)


@app.command()
def down(directory: Path = DIR) -> None:
    """Stop every process and server of the cluster and remove its data (the logs stay)."""
    from lily.cluster.supervisor import Cluster

    cluster = Cluster(_root(directory))
    if not cluster.state:
        console.print("No cluster here.")
        return
    cluster.down()
    console.print("Cluster stopped.")
