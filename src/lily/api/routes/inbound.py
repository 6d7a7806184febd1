"""Accept routes: OpenLineage, Monte Carlo and S3 webhooks, generic events, and source configuration.

Every route answers 2xx only after the bus reports the events durable (inbox row committed, or
JetStream acknowledged); a redelivered event (same idempotency key) gets the same 2xx and is not
stored again. Unreadable bodies and missing identities are refused at once (4xx problem+json); what
only a full parse finds out is recorded on the event as ``failed`` with the reason
(``GET /api/v1/events/{id}``).

Webhook tenants: Monte Carlo cannot send an Authorization header, so
``POST /api/v1/webhooks/monte-carlo?tenant=<tenant>`` is authenticated by ``x-mcd-signature``
(HMAC-SHA512) with that tenant's secret, configured through ``PUT /api/v1/sources/monte-carlo/config``.
A tenant without a secret does not accept unsigned webhooks. A relay that can send a bearer API
key may use it instead (the tenant is then the key's).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from lily.api import schemas_inbound as bodies
from lily.api.context import AppContext
from lily.api.deps import authorize, check_access, ctx, principal_of, refused, request_id
from lily.api.permissions import V1
from lily.api.problems import problem
from lily.api.ratelimit import retry_after
from lily.api.schemas import RequestModel
from lily.inbound.accept import Prepared, RequestInfo, decodes_quickly, prepare, read_body, short_reason
from lily.inbound.runtime import InboundRuntime
from lily.inbound.sources import InboundError
from lily.inbound.sources.monte_carlo import SIGNATURE_HEADER
from lily.inbound.sources.monte_carlo import verify as verify_monte_carlo
from lily.inbound.sources.monte_carlo_mapping import MonteCarloMapping
from lily.model import Principal
from lily.observability import log

router = APIRouter(prefix=V1, tags=["inbound"])
# The event-ingestion routes take most requests: they call `authorize` themselves and ask FastAPI
# for nothing but the request, because solving dependencies (even cached ones) cost more CPU per
# request than accepting a single OpenLineage event. Included without router-level dependencies.
ingest = APIRouter(prefix=V1, tags=["inbound"])
# Routes that authenticate themselves (webhook signatures); included without the blanket `authorize`.
webhooks = APIRouter(prefix=V1, tags=["inbound"])

_RETRY = {"Retry-After": "1"}
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


class MonteCarloConfigIn(RequestModel):  # stored: no NUL (PostgreSQL jsonb refuses it)
    secret: str | None = Field(
        None, min_length=16, max_length=500,
        description="Webhook secret (HMAC-SHA512). Omit to keep the stored one; null removes it.")
    mapping: MonteCarloMapping = Field(default_factory=MonteCarloMapping)


class MonteCarloConfigOut(BaseModel):
    source: str = "monte_carlo"
    secret_configured: bool
    mapping: MonteCarloMapping
    webhook_path: str
    updated_at: datetime | None = None
    updated_by: str | None = None


# ------------------------------------------------------------------------------------------- accept

def _prepare(rt: InboundRuntime, source: str, body: bytes, headers: dict[str, str], info: RequestInfo,
             partial: bool) -> Prepared | Response:
    """Decode and validate (CPU only); a refused body gives the producer's 4xx answer.

    The refusal is returned, not raised: an exception raised in the thread pool reaches the route
    through a future, and the future, the exception's traceback and the awaiting frame make a
    reference cycle that kept the traceback's frames — the whole parsed body (120 MB for 5 MiB of
    ``[{},…]``) — alive until the next full garbage collection: +125 MB of RSS per such request.
    """
    limits = rt.inbound.limits()
    try:
        raw, payload = read_body(body, headers, limits)
        prepared = prepare(source, raw, payload, info, partitions=rt.bus.partitions, partial=partial,
                           limits=limits)
    except InboundError as exc:
        # A refused body is the producer's to fix: 4xx. Anything else raised here is a bug in
        # Lily (500, logged with the request id), never the retryable 503 of a bus failure.
        rt.metrics.inbound_rejected.labels(source, str(exc.status)).inc()
        return problem(exc.status, short_reason(str(exc)))
    for item in prepared.rejected:
        rt.metrics.inbound_rejected.labels(source, str(item.status)).inc()
    return prepared


async def _run(rt: InboundRuntime, source: str, request: Request, info: RequestInfo, *,
               body: bytes | None = None, partial: bool = False) -> tuple[Prepared, list[bool]] | Response:
    """Decode, validate and publish; the producer's answer is sent once the events are durable."""
    raw = await request.body() if body is None else body
    headers = dict(request.headers)
    if decodes_quickly(raw, headers):  # cheaper on the loop than a thread-pool round trip
        prepared = _prepare(rt, source, raw, headers, info, partial)
    else:
        prepared = await run_in_threadpool(_prepare, rt, source, raw, headers, info, partial)
    if isinstance(prepared, Response):
        return prepared
    try:
        fresh = await rt.bus.publish_async(prepared.messages)
    except Exception as exc:  # the bus could not make the event durable: the producer must retry
        log.exception("inbound_accept_unavailable", source=source)
        return problem(503, f"events cannot be stored right now ({type(exc).__name__}); retry",
                       headers=_RETRY)
    new = sum(fresh)
    if new:
        rt.metrics.inbound_accepted.labels(source).inc(new)
    if len(fresh) - new:
        rt.metrics.inbound_duplicates.labels(source).inc(len(fresh) - new)
    return prepared, fresh


async def _caller(request: Request) -> tuple[InboundRuntime, RequestInfo]:
    """The inbound runtime and the authorised request's info (``ingest`` routes)."""
    principal = await authorize(request)
    info = _info(principal, principal.tenant_id, await request_id(request), request)
    return await runtime(request), info


def _info(principal: Principal | None, tenant_id: str, rid: str, request: Request, actor: str | None = None
          ) -> RequestInfo:
    return RequestInfo(tenant_id=tenant_id, actor=actor or (principal.actor if principal else None),
                       correlation_id=rid or None, received_at=datetime.now(UTC), headers=request.headers)


def _accepted(result: tuple[Prepared, list[bool]]) -> AcceptedOut:
    prepared, fresh = result
    events = [AcceptedEvent(id=m.id, duplicate=not f) for m, f in zip(prepared.messages, fresh, strict=True)]
    return AcceptedOut(accepted=sum(fresh), duplicates=len(fresh) - sum(fresh), events=events)


@ingest.post("/lineage", status_code=201, response_class=Response,
             responses={201: {"description": "Stored (empty body, as Marquez answers)"}},
             summary="Receive one OpenLineage event (RunEvent, DatasetEvent or JobEvent)",
             openapi_extra=bodies.request_body(bodies.LINEAGE, "one event, a JSON array of events, "
                                                                "or {\"events\": [...]}"))
async def post_lineage(request: Request) -> Response:
    rt, info = await _caller(request)
    result = await _run(rt, "openlineage", request, info)
    if isinstance(result, Response):
        return result
    return Response(status_code=201)


@ingest.post("/lineage/batch", response_model=BatchOut,
             summary="Receive a JSON array of OpenLineage events; per-event results as in the spec",
             openapi_extra=bodies.request_body(bodies.LINEAGE_BATCH, "OpenLineage events (a JSON array, one "
                                                                     "event, or {\"events\": [...]}); an invalid "
                                                                     "event is reported in the answer"))
async def post_lineage_batch(request: Request) -> Any:
    rt, info = await _caller(request)
    result = await _run(rt, "openlineage", request, info, partial=True)
    if isinstance(result, Response):
        return result
    return batch_out(result[0])


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


@ingest.post("/webhooks/s3", response_model=AcceptedOut,
             summary="Receive S3 event notifications (direct, SQS/SNS-wrapped or EventBridge)",
             openapi_extra=bodies.request_body({"$ref": "#/components/schemas/S3Notification"},
                                               "an S3 event notification in any of its envelopes"))
async def post_s3(request: Request) -> Any:
    rt, info = await _caller(request)
    result = await _run(rt, "s3", request, info)
    return result if isinstance(result, Response) else _accepted(result)


@ingest.post("/events", response_model=AcceptedOut, status_code=202,
             summary="Receive generic metadata events (one object or a JSON array)",
             openapi_extra=bodies.request_body(bodies.GENERIC, "one event or a JSON array of events"))
async def post_events(request: Request) -> Any:
    rt, info = await _caller(request)
    result = await _run(rt, "generic", request, info)
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
    if request.headers.get("authorization") or request.headers.get("x-api-key"):
        principal = await run_in_threadpool(_bearer, request, app)
        if tenant is not None and tenant != principal.tenant_id:
            raise HTTPException(403, f"tenant {tenant!r} is not the caller's tenant")
        info = _info(principal, principal.tenant_id, rid, request)
    else:
        if not tenant:
            raise refused(request, app, HTTPException(
                401, "authenticate with ?tenant=<tenant> and an x-mcd-signature made with that tenant's "
                     "secret, or with a bearer API key", headers={"WWW-Authenticate": 'Bearer realm="lily"'}))
        await run_in_threadpool(_verify_signature, request, rt, app, tenant, body)
        info = _info(None, tenant, rid, request, actor="webhook:monte_carlo")
    result = await _run(rt, "monte_carlo", request, info, body=body)
    return result if isinstance(result, Response) else _accepted(result)


def _bearer(request: Request, app: AppContext) -> Principal:
    """The relay's principal (a refused key counts against its address's failure budget)."""
    return check_access(request, principal_of(request, app), app)


def _verify_signature(request: Request, rt: InboundRuntime, app: AppContext, tenant: str, body: bytes) -> None:
    """The signature first, then the tenant's webhook budget: a request that fails the signature
    must not spend the tenant's budget, or anyone could block its real webhooks with garbage.
    Failures draw on the source address's failure budget instead (429 past it)."""
    secret = rt.configs.get(tenant, "monte_carlo").secret
    if not secret:
        # Unsigned webhooks would let anyone write incidents into the tenant: refuse them.
        raise refused(request, app, HTTPException(
            401, f"no Monte Carlo webhook secret is configured for tenant {tenant!r}"))
    try:
        verify_monte_carlo(body, request.headers, secret)
    except InboundError as exc:
        rt.metrics.inbound_rejected.labels("monte_carlo", str(exc.status)).inc()
        raise refused(request, app, HTTPException(exc.status, str(exc))) from exc
    assert app.limiter is not None
    wait = app.limiter.acquire(f"webhook:monte_carlo:{tenant}")
    if wait > 0:
        app.metrics.rate_limited.inc()
        raise HTTPException(429, f"Monte Carlo webhook rate limit of tenant {tenant!r} exceeded",
                            headers={"Retry-After": retry_after(wait)})


# ------------------------------------------------------------------------------------ configuration

def _mc_out(rt: InboundRuntime, tenant_id: str) -> MonteCarloConfigOut:
    config = rt.configs.get(tenant_id, "monte_carlo")
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
    rt.configs.put(principal.tenant_id, "monte_carlo", secret=body.secret,
                   keep_secret="secret" not in body.model_fields_set,
                   options={"mapping": body.mapping.model_dump(mode="json")}, actor=principal.actor,
                   correlation_id=rid or None)
    return _mc_out(rt, principal.tenant_id)


__all__ = ["SIGNATURE_HEADER", "router", "webhooks"]
