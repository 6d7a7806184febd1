"""``lily api``: the HTTP API alone — no inbound workers, no propagation or outbound threads, no
cron work. Stateless: run any number on one database and bus, behind a load balancer; the workers
(``lily worker …``) and one ``lily scheduler`` do the rest (docs/deployment.md)."""

from __future__ import annotations

import typer


def api(host: str = typer.Option(None, help="bind address (default LILY_HOST or 127.0.0.1)"),
        port: int = typer.Option(None, help="port (default LILY_PORT or 8000)")) -> None:
    """Run the API only (scale out: several behind a load balancer, workers and scheduler apart)."""
    import uvicorn
    from rich.console import Console

    from lily.api.app import create_app
    from lily.bootstrap import secure_data_dir
    from lily.observability import configure_logging
    from lily.process import freeze_startup_heap
    from lily.settings import Settings
    from lily.store import Store

    settings = Settings()
    configure_logging(settings.log_json)
    secure_data_dir(settings.data_dir)
    store = Store.from_url(settings.resolved_database_url, migrate=True)
    settings = settings.model_copy(update={"host": host or settings.host, "port": port or settings.port,
                                           "scheduler_in_process": False, "workers_in_process": False})
    app = create_app(settings, store)
    runtime = app.state.inbound
    runtime.inbound = runtime.inbound.model_copy(update={"inbound_workers": 0})  # `lily worker inbound` applies
    Console(stderr=True).print(f"Lily API on http://{settings.host}:{settings.port} (API only: run the workers "
                               f"and `lily scheduler` apart)")
    freeze_startup_heap()
    # proxy_headers=False: Lily reads X-Forwarded-For itself, from LILY_TRUSTED_PROXIES only.
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning", access_log=False,
                proxy_headers=False)
