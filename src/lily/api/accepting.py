"""What every event-ingestion route does, whatever its source: find out who sends (by the source's
``auth``), decode and check the body (``lily.inbound.accept``), publish, and count.

Every answer is 2xx only after the bus reports the events durable (inbox row committed, or
JetStream acknowledged); a redelivered event (same idempotency key) gets the same 2xx and is not
stored again. Unreadable bodies and missing identities are refused at once (4xx problem+json).
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import HTTPException, Request, Response
from starlette.concurrency import run_in_threadpool

from lily.api.context import AppContext
from lily.api.deps import authorize, refused
from lily.api.problems import problem
from lily.api.ratelimit import retry_after
from lily.inbound.accept import Prepared, RequestInfo, decodes_quickly, prepare, short_reason
from lily.inbound.runtime import InboundRuntime
from lily.inbound.sources import InboundError, Source
from lily.inbound.sources.contract import Auth
from lily.inbound.sources.decode import read_body
from lily.model import Principal
from lily.observability import log

_RETRY = {"Retry-After": "1"}
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="lily"'}


# ----------------------------------------------------------------------------------- who sends

async def bearer(request: Request, rid: str) -> RequestInfo:
    """A request authenticated by an API key or access token: its events are the key's tenant's."""
    principal = await authorize(request)
    return info(principal, principal.tenant_id, rid, request)


async def sender(request: Request, source: Source, tenant: str | None, body: bytes, app: AppContext,
                 rt: InboundRuntime, rid: str) -> RequestInfo:
    """Who sends a request for ``source``, by its ``auth``: a bearer key (``?tenant=``, if given, must
    be the key's), or ``?tenant=`` and the source's signature made with that tenant's secret."""
    if source.auth is Auth.BEARER or (source.auth is Auth.EITHER and _carries_key(request)):
        found = await bearer(request, rid)
        if tenant is not None and tenant != found.tenant_id:
            raise HTTPException(403, f"tenant {tenant!r} is not the caller's tenant")
        return found
    if not tenant:
        alternative = ", or with a bearer API key" if source.auth is Auth.EITHER else ""
        raise refused(request, app, HTTPException(
            401, f"authenticate with ?tenant=<tenant> and an {source.signature_header} made with that tenant's "
                 f"secret{alternative}", headers=_CHALLENGE))
    await run_in_threadpool(_verify_signature, request, source, tenant, body, app, rt)
    return info(None, tenant, rid, request, actor=f"webhook:{source.name}")


def _carries_key(request: Request) -> bool:
    return bool(request.headers.get("authorization") or request.headers.get("x-api-key"))


def _verify_signature(request: Request, source: Source, tenant: str, body: bytes, app: AppContext,
                      rt: InboundRuntime) -> None:
    """The signature first, then the tenant's webhook budget: a request that fails the signature
    must not spend the tenant's budget, or anyone could block its real webhooks with garbage.
    Failures draw on the source address's failure budget instead (429 past it)."""
    secret = rt.configs.get(tenant, source.name).secret
    if not secret:
        # Unsigned webhooks would let anyone write events into the tenant: refuse them.
        raise refused(request, app, HTTPException(
            401, f"no {source.title} webhook secret is configured for tenant {tenant!r}"))
    assert source.verify is not None  # a signed source declares it (Source checks)
    try:
        source.verify(body, request.headers, secret)
    except InboundError as exc:
        rt.metrics.inbound_rejected.labels(source.name, str(exc.status)).inc()
        raise refused(request, app, HTTPException(exc.status, str(exc))) from exc
    assert app.limiter is not None
    wait = app.limiter.acquire(f"webhook:{source.name}:{tenant}")
    if wait > 0:
        app.metrics.rate_limited.inc()
        raise HTTPException(429, f"{source.title} webhook rate limit of tenant {tenant!r} exceeded",
                            headers={"Retry-After": retry_after(wait)})


def info(principal: Principal | None, tenant_id: str, rid: str, request: Request, actor: str | None = None
         ) -> RequestInfo:
    return RequestInfo(tenant_id=tenant_id, actor=actor or (principal.actor if principal else None),
                       correlation_id=rid or None, received_at=datetime.now(UTC), headers=request.headers)


# ------------------------------------------------------------------------------------- accept

def _prepare(rt: InboundRuntime, source: Source, body: bytes, headers: dict[str, str], request: RequestInfo,
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
        prepared = prepare(source, raw, payload, request, partitions=rt.bus.partitions, partial=partial,
                           limits=limits)
    except InboundError as exc:
        # A refused body is the producer's to fix: 4xx. Anything else raised here is a bug in
        # Lily (500, logged with the request id), never the retryable 503 of a bus failure.
        rt.metrics.inbound_rejected.labels(source.name, str(exc.status)).inc()
        return problem(exc.status, short_reason(str(exc)))
    for item in prepared.rejected:
        rt.metrics.inbound_rejected.labels(source.name, str(item.status)).inc()
    return prepared


async def accept(rt: InboundRuntime, source: Source, request: Request, sent: RequestInfo, *,
                 body: bytes | None = None, partial: bool = False) -> tuple[Prepared, list[bool]] | Response:
    """Decode, validate and publish; the producer's answer is sent once the events are durable."""
    raw = await request.body() if body is None else body
    headers = dict(request.headers)
    if decodes_quickly(raw, headers):  # cheaper on the loop than a thread-pool round trip
        prepared = _prepare(rt, source, raw, headers, sent, partial)
    else:
        prepared = await run_in_threadpool(_prepare, rt, source, raw, headers, sent, partial)
    if isinstance(prepared, Response):
        return prepared
    try:
        fresh = await rt.bus.publish_async(prepared.messages)
    except Exception as exc:  # the bus could not make the event durable: the producer must retry
        log.exception("inbound_accept_unavailable", source=source.name)
        return problem(503, f"events cannot be stored right now ({type(exc).__name__}); retry",
                       headers=_RETRY)
    new = sum(fresh)
    if new:
        rt.metrics.inbound_accepted.labels(source.name).inc(new)
    if len(fresh) - new:
        rt.metrics.inbound_duplicates.labels(source.name).inc(len(fresh) - new)
    return prepared, fresh


__all__ = ["accept", "bearer", "info", "sender"]
