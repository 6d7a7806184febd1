"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from starlette.concurrency import run_in_threadpool

from lily import __version__, tracing
from lily.api import allow, monitors, openapi, problems
from lily.api.context import AppContext
from lily.api.deps import authorize
from lily.api.middleware import RequestContextMiddleware, TracedRequests
from lily.api.routes import (
    anonymize,
    assets,
    auth,
    classifications,
    compliance,
    contracts,
    events,
    feed,
    health,
    inbound,
    incidents,
    lineage,
    lineage_processes,
    marquez,
    marquez_lineage,
    pipelines,
    quality,
)
from lily.api.routes.governance import ROUTERS as GOVERNANCE_ROUTERS
from lily.auth.service import AuthService
from lily.inbound.runtime import InboundRuntime
from lily.settings import Settings
from lily.store import Store
from lily.web import app as web


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    settings = settings or Settings()
    store = store or Store.from_url(settings.resolved_database_url)
    context = AppContext(settings=settings, store=store, auth=AuthService(store, settings))
    app = FastAPI(
        title="Lily", version=__version__,
        description="Real-time metadata platform: catalog, lineage, governance. Errors are "
                    "`application/problem+json`; every response carries `X-Request-ID`.",
        docs_url="/docs", openapi_url="/openapi.json", lifespan=_lifespan,
    )
    app.state.ctx = context
    # Inbound events: the bus the accept routes publish to, and (while serving) the worker threads.
    app.state.inbound = InboundRuntime(settings, store, context.metrics)
    # Pipelines: background runs for the API, the schedule, OpenLineage output (docs/pipelines.md).
    pipelines.install(app, settings, store)
    # Writes API keys' last_used_at, which requests only note in memory.
    app.state.background = [context.auth.key_use, *getattr(app.state, "background", [])]
    app.state.background += monitors.background(settings, store)  # process files, contract monitor
    problems.install(app)
    allow.install(app)  # every 405 lists all the methods of its path
    openapi.install(app)
    app.include_router(health.router)
    # Routes are matched in order, router by router: the event-ingestion routes, which take most
    # requests, come first (their paths collide with no other route's method and path).
    app.include_router(inbound.ingest)  # its routes call `authorize` themselves
    app.include_router(inbound.router, dependencies=[Depends(authorize)])
    app.include_router(auth.public)
    app.include_router(inbound.webhooks)  # signature-authenticated (Monte Carlo cannot send a token)
    # Marquez routes precede `events`: GET /events/lineage must win over GET /events/{event_id}.
    for module in (auth, assets, classifications, lineage, feed, marquez, marquez_lineage, incidents,
                   events, pipelines, quality, anonymize, lineage_processes, contracts, compliance):
        # Every protected route passes through `authorize` (authentication, permission table,
        # rate limit) even if a handler forgets to ask for the principal.
        app.include_router(module.router, dependencies=[Depends(authorize)])
    for router in GOVERNANCE_ROUTERS:  # security rules, targets, deliveries, classification preview
        app.include_router(router, dependencies=[Depends(authorize)])
    web.install(app)  # the web UI (lily.web): pages, static files, sessions, CORS
    app.add_middleware(RequestContextMiddleware, metrics=context.metrics, max_body_bytes=settings.max_body_bytes)
    if tracing.enabled():
        app.add_middleware(TracedRequests)  # outermost: the span covers the whole request
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    runtime: InboundRuntime = app.state.inbound
    runtime.start()  # LILY_INBOUND_WORKERS threads (0: none, e.g. when `lily worker inbound` runs apart)
    # Registered background services (pipeline runs, schedule): started in order, stopped in reverse.
    background = list(getattr(app.state, "background", []))
    for service in background:
        service.start()
    try:
        yield
    finally:
        for service in reversed(background):
            await run_in_threadpool(service.stop)
        await run_in_threadpool(runtime.close)
