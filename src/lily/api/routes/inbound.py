"""Accept routes: every registered source's events, and its per-tenant configuration.

``POST /api/v1/sources/{name}/events`` takes the events of any registered source, authenticated as
the source declares (``lily.inbound.sources.contract.Auth``): a bearer key, or ``?tenant=<tenant>``
and the source's signature made with that tenant's secret (``PUT /api/v1/sources/{name}/config``).
The built-in sources keep their own URLs and answers: OpenLineage (``/lineage``, ``/lineage/batch``,
as Marquez answers), S3 (``/webhooks/s3``), generic events (``/events``) and Monte Carlo
(``/webhooks/monte-carlo``, whose secret is also set through ``/sources/monte-carlo/config``). A
tenant without a secret accepts no signed webhooks at all. How a request is accepted (2xx once
durable, 4xx at once for what the producer must fix) is ``lily.api.accepting``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from pydantic import BaseModel, Field, ValidationError

from lily.api import accepting
from lily.api import schemas_inbound as bodies
from lily.api.context import AppContext
from lily.api.deps import authorize, ctx, request_id
from lily.api.permissions import V1
from lily.api.schemas import JsonObject, RequestModel
from lily.inbound.accept import Prepared
from lily.inbound.runtime import InboundRuntime
from lily.inbound.sources import SOURCES, Source, generic, monte_carlo, openlineage, s3
from lily.inbound.sources.monte_carlo import SIGNATURE_HEADER
from lily.inbound.sources.monte_carlo_mapping import MonteCarloMapping
from lily.model import Principal

router = APIRouter(prefix=V1, tags=["inbound"])
# The event-ingestion routes take most requests: they call `authorize` themselves and ask FastAPI
# for nothing but the request, because solving dependencies (even cached ones) cost more CPU per
# request than accepting a single OpenLineage event. Included without router-level dependencies.
ingest = APIRouter(prefix=V1, tags=["inbound"])
# Routes that authenticate themselves (webhook signatures); included without the blanket `authorize`.
webhooks = APIRouter(prefix=V1, tags=["inbound"])

# A source's name has at most 32 characters; the bound is looser so that a name of an id's length
# is still a 404 after the credentials rather than a 422 before them.
_NAME = "a registered source, e.g. openlineage"
_NAME_BOUND = 64
# A batch answer details at most this many failed events (the first ones); it counts the others.
MAX_FAILED_DETAILS = 100


async def runtime(request: Request) -> InboundRuntime:
    return request.app.state.inbound


class AcceptedEvent(BaseModel):
    id: uuid.UUID = Field(description="Lily's event id (GET /api/v1/events/{id})")
    duplicate: bool = Field(description="true when this event had been received before (not stored again)")


class AcceptedOut(BaseModel):
    accepted: int
    duplicates: int
    events: list[AcceptedEvent]


class FailedEvent(BaseModel):
    index: int
    reason: str
    retriable: bool


class BatchSummary(BaseModel):
    received: int
    successful: int
    failed: int
    retriable: int
    non_retriable: int


class BatchOut(BaseModel):
    status: str = Field(description="success | partial_success | failure")
    summary: BatchSummary
    failed_events: list[FailedEvent] = Field(
        description=f"the first failed events (at most {MAX_FAILED_DETAILS}), in request order")
    failed_events_omitted: int = Field(
        0, description="failed events counted in the summary but not detailed in failed_events")


def _accepted(result: tuple[Prepared, list[bool]]) -> AcceptedOut:
    prepared, fresh = result
    events = [AcceptedEvent(id=m.id, duplicate=not f) for m, f in zip(prepared.messages, fresh, strict=True)]
    return AcceptedOut(accepted=sum(fresh), duplicates=len(fresh) - sum(fresh), events=events)


def batch_out(prepared: Prepared, max_details: int = MAX_FAILED_DETAILS) -> BatchOut:
    """The batch answer: counts, and details of the first ``max_details`` failed events only, so
    the answer stays small however many events a batch holds."""
    rejected = prepared.rejected
    failed = [FailedEvent(index=r.index, reason=r.reason, retriable=False) for r in rejected[:max_details]]
    status = "success" if not rejected else "partial_success" if prepared.messages else "failure"
    return BatchOut(status=status, summary=BatchSummary(
        received=len(prepared.messages) + len(rejected), successful=len(prepared.messages),
        failed=len(rejected), retriable=0, non_retriable=len(rejected)),
        failed_events=failed, failed_events_omitted=len(rejected) - len(failed))


def _source(name: str) -> Source:
    source = SOURCES.get(name)
    if source is None:
        raise HTTPException(404, f"no source {name!r}; known: {', '.join(sorted(SOURCES))}")
    return source


# ---------------------------------------------------------------------------- any source's events

@webhooks.post("/sources/{name}/events", response_model=AcceptedOut, status_code=202,
               summary="Receive events of a registered source, as its producer sends them",
               description="Authenticated as the source declares: a bearer API key (then the tenant is the "
                           "key's), or `?tenant=` and the source's signature made with that tenant's secret.",
               openapi_extra=bodies.request_body(bodies.SOURCE_EVENTS, "the body as the source's producer "
                                                                       "sends it"))
async def post_source_events(request: Request, name: str = Path(max_length=_NAME_BOUND, description=_NAME),
                             tenant: str | None = Query(None, max_length=64), app: AppContext = Depends(ctx),
                             rt: InboundRuntime = Depends(runtime), rid: str = Depends(request_id)) -> Any:
    if name not in SOURCES:
        await accepting.bearer(request, rid)  # strangers learn nothing, not even which sources exist
    source = _source(name)
    body = await request.body()
    sent = await accepting.sender(request, source, tenant, body, app, rt, rid)
    result = await accepting.accept(rt, source, request, sent, body=body)
    return result if isinstance(result, Response) else _accepted(result)


# --------------------------------------------------------------------- the built-in sources' URLs

@ingest.post("/lineage", status_code=201, response_class=Response,
                    responses={201: {"description": "Stored (empty body, as Marquez answers)"}},
                    summary="Receive one OpenLineage event (RunEvent, DatasetEvent or JobEvent)",
                    openapi_extra=bodies.request_body(bodies.LINEAGE, "one event, a JSON array of events, "
                                                                       "or {\"events\": [...]}"))
async def post_lineage(request: Request) -> Response:
    result = await accepting.accept(await runtime(request), openlineage.SOURCE, request,
                                 await accepting.bearer(request, await request_id(request)))
    if isinstance(result, Response):
        return result
    return Response(status_code=201)


@ingest.post("/lineage/batch", response_model=BatchOut,
                    summary="Receive a JSON array of OpenLineage events; per-event results as in the spec",
                    openapi_extra=bodies.request_body(bodies.LINEAGE_BATCH, "OpenLineage events (a JSON array, "
                                                                            "one event, or {\"events\": [...]}); "
                                                                            "an invalid event is reported in the "
                                                                            "answer"))
async def post_lineage_batch(request: Request) -> Any:
    result = await accepting.accept(await runtime(request), openlineage.SOURCE, request,
                                 await accepting.bearer(request, await request_id(request)), partial=True)
    if isinstance(result, Response):
        return result
    return batch_out(result[0])


@ingest.post("/webhooks/s3", response_model=AcceptedOut,
                    summary="Receive S3 event notifications (direct, SQS/SNS-wrapped or EventBridge)",
                    openapi_extra=bodies.request_body({"$ref": "#/components/schemas/S3Notification"},
                                                      "an S3 event notification in any of its envelopes"))
async def post_s3(request: Request) -> Any:
    result = await accepting.accept(await runtime(request), s3.SOURCE, request,
                                 await accepting.bearer(request, await request_id(request)))
    return result if isinstance(result, Response) else _accepted(result)


@ingest.post("/events", response_model=AcceptedOut, status_code=202,
                    summary="Receive generic metadata events (one object or a JSON array)",
                    openapi_extra=bodies.request_body(bodies.GENERIC, "one event or a JSON array of events"))
async def post_events(request: Request) -> Any:
    result = await accepting.accept(await runtime(request), generic.SOURCE, request,
                                 await accepting.bearer(request, await request_id(request)))
    return result if isinstance(result, Response) else _accepted(result)


@webhooks.post("/webhooks/monte-carlo", response_model=AcceptedOut,
               summary="Receive a Monte Carlo incident webhook",
               description="Authenticated by `x-mcd-signature` with the secret of `?tenant=`, or by a "
                           "bearer API key (then the tenant is the key's).",
               openapi_extra=bodies.request_body(bodies.MONTE_CARLO, "the webhook as Monte Carlo sends it"))
async def post_monte_carlo(request: Request, tenant: str | None = Query(None, max_length=64),
                           app: AppContext = Depends(ctx), rt: InboundRuntime = Depends(runtime),
                           rid: str = Depends(request_id)) -> Any:
    body = await request.body()
    sent = await accepting.sender(request, monte_carlo.SOURCE, tenant, body, app, rt, rid)
    result = await accepting.accept(rt, monte_carlo.SOURCE, request, sent, body=body)
    return result if isinstance(result, Response) else _accepted(result)


# ------------------------------------------------------------------------------------ configuration

class MonteCarloConfigIn(RequestModel):  # stored: no NUL (PostgreSQL jsonb refuses it)
    secret: str | None = Field(
        None, min_length=16, max_length=500,
        description="Webhook secret (HMAC-SHA512). Omit to keep the stored one; null removes it.")
    mapping: MonteCarloMapping = Field(default_factory=MonteCarloMapping)


class MonteCarloConfigOut(BaseModel):
    source: str = monte_carlo.NAME
    secret_configured: bool
    mapping: MonteCarloMapping
    webhook_path: str
    updated_at: datetime | None = None
    updated_by: str | None = None


def _mc_out(rt: InboundRuntime, tenant_id: str) -> MonteCarloConfigOut:
    config = rt.configs.get(tenant_id, monte_carlo.NAME)
    return MonteCarloConfigOut(
        secret_configured=bool(config.secret),
        mapping=MonteCarloMapping.model_validate(config.options.get("mapping") or {}),
        webhook_path=f"{V1}/webhooks/monte-carlo?tenant={tenant_id}",
        updated_at=config.updated_at, updated_by=config.updated_by)


@router.get("/sources/monte-carlo/config", response_model=MonteCarloConfigOut,
            summary="The tenant's Monte Carlo webhook configuration (the secret is never returned)")
def get_monte_carlo_config(principal: Principal = Depends(authorize),
                           rt: InboundRuntime = Depends(runtime)) -> MonteCarloConfigOut:
    return _mc_out(rt, principal.tenant_id)


@router.put("/sources/monte-carlo/config", response_model=MonteCarloConfigOut,
            summary="Set the tenant's Monte Carlo webhook secret (encrypted at rest) and table mapping")
def put_monte_carlo_config(body: MonteCarloConfigIn, principal: Principal = Depends(authorize),
                           rt: InboundRuntime = Depends(runtime),
                           rid: str = Depends(request_id)) -> MonteCarloConfigOut:
    rt.configs.put(principal.tenant_id, monte_carlo.NAME, secret=body.secret,
                   keep_secret="secret" not in body.model_fields_set,
                   options={"mapping": body.mapping.model_dump(mode="json")}, actor=principal.actor,
                   correlation_id=rid or None)
    return _mc_out(rt, principal.tenant_id)


class SourceConfigIn(RequestModel):  # stored: no NUL (PostgreSQL jsonb refuses it)
    secret: str | None = Field(
        None, min_length=16, max_length=500,
        description="The secret the source's signatures are made with (sources that take signatures). "
                    "Omit to keep the stored one; null removes it.")
    options: JsonObject = Field(default_factory=dict, description="The source's options, as its config declares")


class SourceConfigOut(BaseModel):
    source: str
    secret_configured: bool
    options: dict[str, Any]
    events_path: str = Field(description="where the source's events are posted")
    updated_at: datetime | None = None
    updated_by: str | None = None


def _config_out(rt: InboundRuntime, source: Source, tenant_id: str) -> SourceConfigOut:
    config = rt.configs.get(tenant_id, source.name)
    path = f"{V1}/sources/{source.name}/events" + (f"?tenant={tenant_id}" if source.auth.signed else "")
    return SourceConfigOut(source=source.name, secret_configured=bool(config.secret), options=config.options,
                           events_path=path, updated_at=config.updated_at, updated_by=config.updated_by)


@router.get("/sources/{name}/config", response_model=SourceConfigOut,
            summary="A source's configuration for the tenant (the secret is never returned)")
def get_source_config(name: str = Path(max_length=_NAME_BOUND, description=_NAME), principal: Principal = Depends(authorize),
                      rt: InboundRuntime = Depends(runtime)) -> SourceConfigOut:
    return _config_out(rt, _source(name), principal.tenant_id)


@router.put("/sources/{name}/config", response_model=SourceConfigOut,
            summary="Set a source's secret (encrypted at rest) and options for the tenant")
def put_source_config(body: SourceConfigIn, name: str = Path(max_length=_NAME_BOUND, description=_NAME),
                      principal: Principal = Depends(authorize), rt: InboundRuntime = Depends(runtime),
                      rid: str = Depends(request_id)) -> SourceConfigOut:
    source = _source(name)
    if body.secret is not None and not source.auth.signed:
        raise HTTPException(422, f"source {name!r} is authenticated by bearer keys: it takes no secret")
    rt.configs.put(principal.tenant_id, source.name, secret=body.secret,
                   keep_secret="secret" not in body.model_fields_set, options=_options(source, body.options),
                   actor=principal.actor, correlation_id=rid or None)
    return _config_out(rt, source, principal.tenant_id)


def _options(source: Source, options: dict[str, Any]) -> dict[str, Any]:
    """``options`` as the source's config validates them (stored in their canonical form)."""
    if source.config is None:
        if options:
            raise HTTPException(422, f"source {source.name!r} takes no options")
        return {}
    try:
        return source.config.model_validate(options).model_dump(mode="json")
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in ("options", *first["loc"]))
        raise HTTPException(422, f"{where}: {first['msg']}") from None


__all__ = ["SIGNATURE_HEADER", "ingest", "router", "webhooks"]
