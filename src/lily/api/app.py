"""The FastAPI application factory."""

from __future__ import annotations

from fastapi import Depends, FastAPI

from lily import __version__
from lily.api import openapi, problems
from lily.api.context import AppContext
from lily.api.deps import authorize
from lily.api.middleware import RequestContextMiddleware
from lily.api.routes import assets, auth, classifications, feed, health, lineage
from lily.auth.service import AuthService
from lily.settings import Settings
from lily.store import Store


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    settings = settings or Settings()
    store = store or Store.from_url(settings.resolved_database_url)
    context = AppContext(settings=settings, store=store, auth=AuthService(store, settings))
    app = FastAPI(
        title="Lily", version=__version__,
        description="Real-time metadata platform: catalog, lineage, governance. Errors are "
                    "`application/problem+json`; every response carries `X-Request-ID`.",
        docs_url="/docs", openapi_url="/openapi.json",
    )
    app.state.ctx = context
    problems.install(app)
    openapi.install(app)
    app.include_router(health.router)
    app.include_router(auth.public)
    for module in (auth, assets, classifications, lineage, feed):
        # Every protected route passes through `authorize` (authentication, permission table,
        # rate limit) even if a handler forgets to ask for the principal.
        app.include_router(module.router, dependencies=[Depends(authorize)])
    app.add_middleware(RequestContextMiddleware, metrics=context.metrics, max_body_bytes=settings.max_body_bytes)
    return app
