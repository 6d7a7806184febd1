"""The ``lily`` command line: serve, demo, database, tenants, users and tokens."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click
import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from lily.classify.cli import classify
from lily.cluster.api import api as api_command
from lily.cluster.cli import app as cluster_app
from lily.cluster.scheduler import scheduler as scheduler_command
from lily.compliance.cli import app as compliance_app
from lily.connectors.cli import app as connect_app
from lily.contracts.cli import app as contract_app
from lily.inbound.cli import worker_inbound
from lily.medallion.cli import app as pipeline_app
from lily.medallion.decrypt_cli import app as anonymize_app
from lily.medallion.quality_cli import app as quality_app
from lily.model import Role
from lily.outbound.cli import reconcile, worker_outbound, worker_propagation
from lily.processes.cli import app as process_app
from lily.settings import Settings

app = typer.Typer(help="Lily: real-time metadata platform.", no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
tenant_app = typer.Typer(help="Tenants.", no_args_is_help=True)
token_app = typer.Typer(help="API keys.", no_args_is_help=True)
user_app = typer.Typer(help="Users.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(tenant_app, name="tenant")
app.add_typer(token_app, name="token")
app.add_typer(user_app, name="user")
app.add_typer(pipeline_app, name="pipeline")
app.add_typer(anonymize_app, name="anonymize")
worker_app = typer.Typer(help="Background workers (run them apart from the API to scale out).",
                         no_args_is_help=True)
app.add_typer(worker_app, name="worker")
worker_app.command("inbound")(worker_inbound)
worker_app.command("propagation")(worker_propagation)
worker_app.command("outbound")(worker_outbound)
app.command("reconcile")(reconcile)
app.command("api")(api_command)  # the API alone, to scale out (docs/deployment.md)
app.command("scheduler")(scheduler_command)  # the cron work, leader-elected
app.add_typer(cluster_app, name="cluster")  # a local cluster: lily cluster up|status|down
app.add_typer(quality_app, name="quality")
app.add_typer(contract_app, name="contract")
app.add_typer(process_app, name="process")
app.add_typer(compliance_app, name="compliance")
app.add_typer(connect_app, name="connect")


class _ClassifyGroup(TyperGroup):
    """`lily classify PATH` classifies a file; `lily classify confirm|reject ASSET TAG` reviews a tag."""

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple[str | None, click.Command | None,
                                                                           list[str]]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            return "file", self.commands["file"], args
        return super().resolve_command(ctx, args)


classify_app = typer.Typer(cls=_ClassifyGroup, no_args_is_help=True,
                           help="`lily classify PATH [--sample N] [--json]`: which columns of a CSV, NDJSON or "
                                "Parquet file hold personal data. `lily classify confirm|reject ASSET TAG`: review "
                                "a detected tag in the catalog (docs/medallion.md).")
classify_app.command("file", hidden=True)(classify)
app.add_typer(classify_app, name="classify")
console = Console(stderr=True)


def _store(settings: Settings, migrate: bool = True):
    from lily.store import Store

    return Store.from_url(settings.resolved_database_url, migrate=migrate)


@app.command()
def serve(host: str = typer.Option(None, help="bind address (default LILY_HOST or 127.0.0.1)"),
          port: int = typer.Option(None, help="port (default LILY_PORT or 8000)"),
          demo: bool = typer.Option(False, "--demo", help="load the demo catalog before serving")) -> None:
    """Run the API server on the embedded defaults (SQLite under ./.lily unless configured)."""
    import uvicorn

    from lily.api.app import create_app
    from lily.bootstrap import DEFAULT_TENANT, ensure_admin, secure_data_dir
    from lily.observability import configure_logging
    from lily.outbound.runtime import GovernanceRuntime
    from lily.process import freeze_startup_heap
    from lily.store.db import WalCheckpointer

    started = time.perf_counter()
    settings = Settings()
    configure_logging(settings.log_json)
    secure_data_dir(settings.data_dir)  # 0700 before anything is written into it (and fixed if wider)
    store = _store(settings)
    creds = ensure_admin(store, settings)
    if demo or settings.demo:
        _load_demo(store, DEFAULT_TENANT)
    creds_path = settings.data_dir / "admin-credentials.json"
    if creds:
        console.print(f"[bold green]Admin created.[/] Credentials (user, password, API key) written to "
                      f"[bold]{creds.path}[/] (mode 0600).")
    else:
        console.print(f"Admin credentials: [bold]{creds_path}[/] (written on first run).")
    bind_host, bind_port = host or settings.host, port or settings.port
    # The app knows its own address: pipelines report OpenLineage to it (docs/pipelines.md).
    settings = settings.model_copy(update={"host": bind_host, "port": bind_port})
    console.print(f"Lily on http://{bind_host}:{bind_port}  (API docs: /docs; ready in "
                  f"{time.perf_counter() - started:.2f}s before the server starts)")
    api = create_app(settings, store)
    if demo or settings.demo:  # the demo CRM through pipelines/crm.yaml, in the background once serving
        from lily.medallion.demo import DemoPipelines

        api.state.background.append(DemoPipelines(api.state.pipelines))
    # Connectors (LILY_CONNECTORS_FILE): scans on their schedules, SQS queues polled, through this app's bus.
    from lily.connectors.schedule import ConnectorSchedules

    if settings.scheduler_in_process:  # else `lily scheduler` runs them
        api.state.background.append(ConnectorSchedules(store, settings.connectors_file or "connectors.yaml",
                                                       bus=lambda: api.state.inbound.bus,
                                                       poll_s=settings.connector_schedule_poll_s))
    # Inbound workers in a supervised child process (LILY_INBOUND_WORKER_PROCESS=false: threads), so
    # accepting and applying each get a core instead of sharing this process's GIL.
    inbound = api.state.inbound
    inbound.worker_process = inbound.inbound.inbound_worker_process
    # Propagation + outbound threads in this process (LILY_WORKERS_IN_PROCESS=false when run apart).
    governance = GovernanceRuntime(store, settings, api.state.ctx.metrics, propagation=settings.workers_in_process,
                                   outbound=settings.workers_in_process).start()
    # SQLite: the WAL is copied into the database in the background, not inside commits.
    checkpointers = [WalCheckpointer(store.engine).start()]
    if store.inbox_apart:
        checkpointers.append(WalCheckpointer(store.inbox_engine).start())
    try:
        freeze_startup_heap()
        # proxy_headers=False: uvicorn would otherwise take the client address from X-Forwarded-For
        # on any connection from 127.0.0.1; Lily reads that header itself, from LILY_TRUSTED_PROXIES only.
        uvicorn.run(api, host=bind_host, port=bind_port, log_level="warning", access_log=False,
                    proxy_headers=False)
    finally:
        governance.stop()
        for checkpointer in checkpointers:
            checkpointer.stop()


def _load_demo(store, tenant: str) -> int:
    from lily.demo import load

    return load(store, tenant)


@app.command()
def demo(tenant: str = typer.Option("default", help="tenant to load into")) -> None:
    """Load the Delta Arc demo catalog (idempotent)."""
    from lily.bootstrap import ensure_tenant

    settings = Settings()
    store = _store(settings)
    ensure_tenant(store, tenant)
    n = _load_demo(store, tenant)
    console.print(f"Demo catalog loaded into tenant [bold]{tenant}[/]: {n} changes.")


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("heads")) -> None:
    """Apply schema migrations."""
    from lily.store.db import make_engine
    from lily.store.migrate import current_revision, upgrade

    settings = Settings()
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine, revision)
    console.print(f"Database at revision [bold]{current_revision(engine)}[/].")


@tenant_app.command("create")
def tenant_create(tenant_id: str, name: str = typer.Option(None, help="display name"),
                  admin_password: str = typer.Option(None, help="create an admin user with this password")) -> None:
    """Create a tenant (optionally with its admin user)."""
    from lily.auth.service import AuthService
    from lily.bootstrap import ensure_tenant

    settings = Settings()
    store = _store(settings)
    if not ensure_tenant(store, tenant_id, name, actor="cli"):
        console.print(f"[red]Tenant {tenant_id!r} already exists.[/]")
        raise typer.Exit(1)
    if admin_password:
        AuthService(store, settings).create_user(tenant_id, "admin", admin_password, Role.ADMIN, "cli")
    console.print(f"Tenant [bold]{tenant_id}[/] created.")


@tenant_app.command("list")
def tenant_list() -> None:
    from lily.store import accounts

    store = _store(Settings())
    table = Table("id", "name", "created")
    with store.read() as conn:
        for t in accounts.list_tenants(conn):
            table.add_row(t["id"], t["name"], str(t["created_at"]))
    Console().print(table)


@token_app.command("create")
def token_create(name: str = typer.Option(..., help="what the key is for"),
                 role: Role = typer.Option(..., help="role granted to the key"),
                 tenant: str = typer.Option("default"),
                 expires_in_days: int = typer.Option(None, min=1)) -> None:
    """Create an API key; prints it once (only its digest is stored)."""
    from lily.auth.service import AuthService
    from lily.store import accounts

    settings = Settings()
    store = _store(settings)
    with store.read() as conn:
        if accounts.get_tenant(conn, tenant) is None:
            console.print(f"[red]Unknown tenant {tenant!r}.[/]")
            raise typer.Exit(1)
    key, row = AuthService(store, settings).create_api_key(tenant, name, role, "cli", expires_in_days)
    console.print(f"API key [bold]{row['name']}[/] ({role.value}, tenant {tenant}); store it now, it is not shown again:")
    typer.echo(key)


@user_app.command("create")
def user_create(username: str, role: Role = typer.Option(...), tenant: str = typer.Option("default"),
                password: str = typer.Option(..., prompt=True, hide_input=True)) -> None:
    """Create a user with a password."""
    from lily.auth.service import AuthService

    settings = Settings()
    AuthService(_store(settings), settings).create_user(tenant, username, password, role, "cli")
    console.print(f"User [bold]{username}[/] ({role.value}) created in tenant {tenant}.")


def _asset_id(store, tenant: str, asset: str):  # type: ignore[no-untyped-def]
    """An asset id, or the asset a qualified name (``<namespace>/<name>[#<field>]``) names."""
    import uuid

    from lily.model import key_id
    from lily.store import catalog

    try:
        return uuid.UUID(asset)
    except ValueError:
        pass
    base, _, field = asset.partition("#")
    cuts = [i for i, ch in enumerate(base) if ch == "/"]
    candidates = [key_id(tenant, ns, base[i + 1:], field) for i in cuts for ns in (base[:i], base[:i] + "/")]
    with store.read() as conn:
        found = catalog.get_many(conn, tenant, candidates)
    if len(found) != 1:
        console.print(f"[red]No asset {asset!r}[/] (give its id, or <namespace>/<name>[#<field>]).")
        raise typer.Exit(1)
    return next(iter(found))


def _review(asset: str, tag: str, tenant: str, decision: str) -> None:
    import getpass

    from lily.bus.commits import apply_and_notify
    from lily.model import ChangeSet, ReviewClassification
    from lily.store import catalog

    store = _store(Settings())
    aid = _asset_id(store, tenant, asset)
    with store.read() as conn:
        found = catalog.get_asset(conn, tenant, aid)
        detected, rejected = catalog.review_target(conn, tenant, aid, tag)
    if found is None or (detected is None and (rejected is None or decision == "rejected")):
        console.print(f"[red]No detected classification {tag!r} on {asset}.[/]")
        raise typer.Exit(1)
    apply_and_notify(store, ChangeSet(tenant_id=tenant, actor=f"cli:{getpass.getuser()}", operations=[
        ReviewClassification(ref=found.ref, tag=tag, decision=decision)]))  # type: ignore[arg-type]
    console.print(f"{tag} on {found.ref.qualified_name}: {decision}")


@classify_app.command("confirm")
def classify_confirm(asset: str = typer.Argument(..., help="asset id or <namespace>/<name>[#<field>]"),
                     tag: str = typer.Argument(..., help="the detected tag, e.g. PII.email"),
                     tenant: str = typer.Option("default")) -> None:
    """Confirm a detected tag (or restore a rejected one): detection never changes it again."""
    _review(asset, tag, tenant, "confirmed")


@classify_app.command("reject")
def classify_reject(asset: str = typer.Argument(..., help="asset id or <namespace>/<name>[#<field>]"),
                    tag: str = typer.Argument(..., help="the detected tag, e.g. PII.email"),
                    tenant: str = typer.Option("default")) -> None:
    """Reject a detected tag: removed, no longer propagated, never suggested again."""
    _review(asset, tag, tenant, "rejected")


@app.command()
def credentials() -> None:
    """Show where the first-run admin credentials are and print them."""
    path = Settings().data_dir / "admin-credentials.json"
    if not path.exists():
        console.print("No credentials file yet: run `lily serve` once.")
        raise typer.Exit(1)
    typer.echo(json.dumps(json.loads(Path(path).read_text()), indent=2))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
