"""Marquez-compatible read API (namespaces, datasets, jobs, runs, search, raw lineage events).

Marquez clients (its web UI, ``marquez-python``, OpenLineage tooling) work against these routes
unchanged: same paths, query parameters, wrapper keys and shapes (``schemas_marquez``). Errors are
problem+json that also carry Marquez's ``{"code", "message"}`` keys.

Dataset and job names contain ``/`` (``exports/users``, ``/tmp/tbl``) and namespaces contain ``:``
and ``/`` (``s3://lake``). Clients percent-encode them in paths (``encodeURIComponent``), but the
server decodes ``%2F`` before routing, so the namespace routes are resolved from the *raw* path when
it is available; unencoded paths fall back to the router's (greedy) split.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal, get_args
from urllib.parse import unquote

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy import Connection

from lily.api import schemas_marquez as shape
from lily.api.context import AppContext
from lily.api.deps import authorize, ctx
from lily.api.permissions import V1
from lily.api.problems import invalid_request, problem
from lily.api.schemas_query import TEXT, Day, Instant, any_case
from lily.model import Asset, Principal
from lily.store import catalog
from lily.store import marquez as mq
from lily.store import runs as run_store

MAX_OFFSET = 1_000_000_000  # beyond any real catalog; keeps values inside database integer range


class MarquezError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


class MarquezRoute(APIRoute):
    """Turns :class:`MarquezError` and invalid parameters into problem+json with Marquez's
    ``code``/``message`` keys too."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def run(request: Request) -> Response:
            try:
                return await handler(request)
            except MarquezError as exc:
                return problem(exc.status, exc.message, code=exc.status, message=exc.message)
            except RequestValidationError as exc:  # an invalid parameter: 422, as Marquez answers
                detail, errors = invalid_request(exc)
                return problem(422, detail, errors=errors, code=422, message=detail)

        return run


router = APIRouter(prefix=V1, tags=["marquez"], route_class=MarquezRoute)


def ok(body: Any) -> JSONResponse:
    return JSONResponse(body)


def page_size(app: AppContext, limit: int) -> int:
    return min(limit, app.settings.max_page_size)


# ----------------------------------------------------------------------------- shaping helpers
def dataset_jsons(conn: Connection, tenant: str, datasets: list[Asset]) -> list[dict[str, Any]]:
    return [shape.dataset_json(v) for v in mq.dataset_views(conn, tenant, datasets)]


def job_jsons(conn: Connection, tenant: str, jobs: list[Asset], *, runs_per_job: int = 10) -> list[dict[str, Any]]:
    """Jobs with their inputs/outputs, parent and newest runs, in a constant number of queries."""
    if not jobs:
        return []
    ids = {j.id for j in jobs}
    links = run_store.job_links(conn, tenant, job_ids=ids)
    runs = run_store.latest_runs(conn, tenant, list(ids), n=runs_per_job)
    related = {a for _, a, _ in links} | {j.parent_id for j in jobs if j.parent_id}
    related |= {io.asset_id for rs in runs.values() for r in rs for io in r.io}
    others = catalog.get_many(conn, tenant, sorted(related, key=str))
    tags: dict[uuid.UUID, list[str]] = {}
    for c in catalog.classifications_of(conn, tenant, list(ids)):
        tags.setdefault(c.asset_id, []).append(c.tag)
    out = []
    for job in jobs:
        def io(role: str, job: Asset = job) -> list[Asset]:
            found = [others[a] for j, a, r in links if j == job.id and r == role and a in others]
            return sorted(found, key=lambda d: (d.ref.namespace, d.ref.name))
        shaped_runs = [shape.run_json(r, job, others) for r in runs.get(job.id, [])]
        parent = others.get(job.parent_id) if job.parent_id else None
        out.append(shape.job_json(job, parent, io("input"), io("output"), shaped_runs, sorted(tags.get(job.id, []))))
    return out


# ------------------------------------------------------------------------------ namespace routes
def _raw_target(request: Request) -> tuple[str, list[str]] | None:
    """(namespace, rest) from the undecoded path, or ``None`` when it does not name one resource."""
    raw = request.scope.get("raw_path")
    prefix = f"{V1}/namespaces/"
    if not isinstance(raw, bytes | bytearray):
        return None
    path = raw.decode("latin-1").split("?", 1)[0]
    if not path.startswith(prefix):
        return None
    ns, *rest = [unquote(s) for s in path[len(prefix):].split("/")]
    shapes = {(): True, ("datasets",): True, ("jobs",): True}
    known = shapes.get(tuple(rest), False) or (
        len(rest) == 2 and rest[0] in ("datasets", "jobs")) or (
        len(rest) == 3 and (rest[0], rest[2]) in (("datasets", "versions"), ("jobs", "runs")))
    return (ns, rest) if known else None


def _dispatch(request: Request, app: AppContext, principal: Principal, fallback: tuple[str, list[str]],
              limit: int, offset: int) -> JSONResponse:
    ns, rest = _raw_target(request) or fallback  # the same characters as the validated parameters
    tenant, limit = principal.tenant_id, page_size(app, limit)
    with app.store.read() as conn:
        found = mq.namespace(conn, tenant, ns)
        if found is None:
            raise MarquezError(404, f"Namespace '{ns}' not found.")
        match rest:
            case []:
                return ok(shape.namespace_json(found))
            case ["datasets" | "jobs" as kind]:
                total, items = mq.page(conn, tenant, kind[:-1], ns, limit=limit, offset=offset)
                shaped = dataset_jsons(conn, tenant, items) if kind == "datasets" else job_jsons(conn, tenant, items)
                return ok({"totalCount": total, kind: shaped})
            case ["datasets", name, *more]:
                dataset = mq.find(conn, tenant, "dataset", ns, name)
                if dataset is None:
                    raise MarquezError(404, f"Dataset '{name}' not found in namespace '{ns}'.")
                return ok(_versions(conn, tenant, dataset, limit, offset) if more
                          else dataset_jsons(conn, tenant, [dataset])[0])
            case ["jobs", name, *more]:
                job = mq.find(conn, tenant, "job", ns, name)
                if job is None:
                    raise MarquezError(404, f"Job '{name}' not found in namespace '{ns}'.")
                if not more:
                    return ok(job_jsons(conn, tenant, [job])[0])
                total, runs = run_store.runs_of_job(conn, tenant, job.id, limit=limit, offset=offset)
                return ok({"totalCount": total, "runs": _runs(conn, tenant, job, runs)})
    raise MarquezError(404, "Not found.")


def _runs(conn: Connection, tenant: str, job: Asset, runs: list[run_store.StoredRun]) -> list[dict[str, Any]]:
    datasets = catalog.get_many(conn, tenant, sorted({io.asset_id for r in runs for io in r.io}, key=str))
    return [shape.run_json(r, job, datasets) for r in runs]


def _versions(conn: Connection, tenant: str, dataset: Asset, limit: int, offset: int) -> dict[str, Any]:
    view = mq.dataset_views(conn, tenant, [dataset])[0]
    versions = mq.dataset_versions(conn, tenant, dataset.id)
    writers = run_store.writers_by_version(conn, tenant, dataset.id)
    shaped = []
    for v in versions[offset:offset + limit]:
        run = run_store.get_run(conn, tenant, writers[v.version]) if v.version in writers else None
        created_by = None
        if run is not None:
            job = catalog.get_asset(conn, tenant, run.job_id)
            created_by = _runs(conn, tenant, job, [run])[0] if job else None
        shaped.append(shape.dataset_version_json(view, v, created_by))
    return {"totalCount": len(versions), "versions": shaped}


LIMIT = Query(100, ge=0, le=MAX_OFFSET)
OFFSET = Query(0, ge=0, le=MAX_OFFSET)
# Names in paths: as long as the catalog's names, no NUL (PostgreSQL text cannot hold one).
Name = Annotated[str, Path(max_length=1000, pattern=TEXT)]


@router.get("/namespaces", summary="Marquez: namespaces")
def list_namespaces(limit: int = LIMIT, offset: int = OFFSET, principal: Principal = Depends(authorize),
                    app: AppContext = Depends(ctx)) -> JSONResponse:
    with app.store.read() as conn:
        found = mq.namespaces(conn, principal.tenant_id, limit=page_size(app, limit), offset=offset)
    return ok({"namespaces": [shape.namespace_json(n) for n in found]})


@router.get("/namespaces/{namespace:path}/datasets/{dataset:path}/versions", summary="Marquez: dataset versions")
def dataset_versions(request: Request, namespace: Name, dataset: Name, limit: int = LIMIT, offset: int = OFFSET,
                     principal: Principal = Depends(authorize), app: AppContext = Depends(ctx)) -> JSONResponse:
    return _dispatch(request, app, principal, (namespace, ["datasets", dataset, "versions"]), limit, offset)


@router.get("/namespaces/{namespace:path}/datasets/{dataset:path}", summary="Marquez: dataset")
def get_dataset(request: Request, namespace: Name, dataset: Name, principal: Principal = Depends(authorize),
                app: AppContext = Depends(ctx)) -> JSONResponse:
    return _dispatch(request, app, principal, (namespace, ["datasets", dataset]), 100, 0)


@router.get("/namespaces/{namespace:path}/datasets", summary="Marquez: datasets of a namespace")
def list_datasets(request: Request, namespace: Name, limit: int = LIMIT, offset: int = OFFSET,
                  principal: Principal = Depends(authorize), app: AppContext = Depends(ctx)) -> JSONResponse:
    return _dispatch(request, app, principal, (namespace, ["datasets"]), limit, offset)


@router.get("/namespaces/{namespace:path}/jobs/{job:path}/runs", summary="Marquez: runs of a job")
def list_runs(request: Request, namespace: Name, job: Name, limit: int = LIMIT, offset: int = OFFSET,
              principal: Principal = Depends(authorize), app: AppContext = Depends(ctx)) -> JSONResponse:
    return _dispatch(request, app, principal, (namespace, ["jobs", job, "runs"]), limit, offset)


@router.get("/namespaces/{namespace:path}/jobs/{job:path}", summary="Marquez: job")
def get_job(request: Request, namespace: Name, job: Name, principal: Principal = Depends(authorize),
            app: AppContext = Depends(ctx)) -> JSONResponse:
    return _dispatch(request, app, principal, (namespace, ["jobs", job]), 100, 0)


@router.get("/namespaces/{namespace:path}/jobs", summary="Marquez: jobs of a namespace")
def list_jobs(request: Request, namespace: Name, limit: int = LIMIT, offset: int = OFFSET,
              principal: Principal = Depends(authorize), app: AppContext = Depends(ctx)) -> JSONResponse:
    return _dispatch(request, app, principal, (namespace, ["jobs"]), limit, offset)


@router.get("/namespaces/{namespace:path}", summary="Marquez: namespace")
def get_namespace(request: Request, namespace: Name, principal: Principal = Depends(authorize),
                  app: AppContext = Depends(ctx)) -> JSONResponse:
    return _dispatch(request, app, principal, (namespace, []), 100, 0)


# ------------------------------------------------------------------------ runs, search, events
RunState = Literal["NEW", "RUNNING", "COMPLETED", "FAILED", "ABORTED"]  # as Marquez spells them


@router.get("/jobs", summary="Marquez: jobs of every namespace")
def list_all_jobs(limit: int = LIMIT, offset: int = OFFSET,
                  lastRunStates: list[RunState] = Query([], max_length=len(get_args(RunState)),
                                                               description="keep jobs whose newest run is in one of "
                                                                           "these states (repeatable)"),
                  principal: Principal = Depends(authorize), app: AppContext = Depends(ctx)) -> JSONResponse:
    states = list(lastRunStates)
    with app.store.read() as conn:
        total, jobs = mq.page(conn, principal.tenant_id, "job", None, limit=page_size(app, limit), offset=offset,
                              last_run_states=states)
        return ok({"totalCount": total, "jobs": job_jsons(conn, principal.tenant_id, jobs)})


def _run(conn: Connection, tenant: str, run_id: str) -> tuple[run_store.StoredRun, Asset | None]:
    run = run_store.get_run(conn, tenant, run_id)
    if run is None:
        raise MarquezError(404, f"Run '{run_id}' not found.")
    return run, catalog.get_asset(conn, tenant, run.job_id)


RunId = Annotated[str, Path(max_length=200, pattern=TEXT)]


@router.get("/jobs/runs/{run_id:str}", summary="Marquez: run")
def get_run(run_id: RunId, principal: Principal = Depends(authorize), app: AppContext = Depends(ctx)) -> JSONResponse:
    with app.store.read() as conn:
        run, job = _run(conn, principal.tenant_id, run_id)
        if job is None:
            raise MarquezError(404, f"Job of run '{run_id}' not found.")
        return ok(_runs(conn, principal.tenant_id, job, [run])[0])


@router.get("/tags", summary="Marquez: tags (Lily's classification tags in use)")
def list_tags(principal: Principal = Depends(authorize), app: AppContext = Depends(ctx)) -> JSONResponse:
    with app.store.read() as conn:
        names = mq.tags(conn, principal.tenant_id)
    return ok({"tags": [{"name": n, "description": None} for n in names]})


@router.get("/jobs/runs/{run_id:str}/facets", summary="Marquez: facets of a run or of its job")
def run_facets(run_id: RunId, type: str = Query("run", pattern=any_case("run", "job")),
               principal: Principal = Depends(authorize), app: AppContext = Depends(ctx)) -> JSONResponse:
    with app.store.read() as conn:
        run, job = _run(conn, principal.tenant_id, run_id)
    facets = run.facets if type.lower() == "run" else (job.facets if job else {})
    return ok({"runId": run.run_id, "facets": facets})


_SORTS = {"name": "name", "updated_at": "updated_at", "update_at": "updated_at"}


def _day(value: date | None) -> datetime | None:
    return None if value is None else datetime.combine(value, datetime.min.time(), UTC)


# GET /search takes a LIKE pattern: long enough for any asset name, a bounded number of `%`
# wildcards, no NUL (PostgreSQL text cannot hold it). The bounds are in the OpenAPI schema too.
SEARCH_Q_MAX_LENGTH = 1000
SEARCH_Q_MAX_WILDCARDS = 16
SEARCH_Q_PATTERN = rf"^[^%\x00]*(%[^%\x00]*){{0,{SEARCH_Q_MAX_WILDCARDS}}}$"


def search_pattern(q: str) -> str:
    """``q`` if it is within the bounds the schema declares, else a 422 that says which."""
    if "\x00" in q:
        raise MarquezError(422, "q must not contain NUL characters")
    wildcards = q.count("%")
    if wildcards > SEARCH_Q_MAX_WILDCARDS:
        raise MarquezError(422, f"q may hold at most {SEARCH_Q_MAX_WILDCARDS} % wildcards (it has {wildcards})")
    return q


@router.get("/search", summary="Marquez: search datasets and jobs by name")
def search(q: str = Query(..., min_length=1, max_length=SEARCH_Q_MAX_LENGTH,
                          json_schema_extra={"pattern": SEARCH_Q_PATTERN},
                          description="name pattern, matched anywhere in the name, case-insensitively; "
                                      f"% (at most {SEARCH_Q_MAX_WILDCARDS}) and _ are wildcards"),
           filter: str | None = Query(None, pattern=any_case("", "dataset", "job"),
                                      description="DATASET or JOB (any case; empty: both)"),
           sort: str = Query("name", pattern=any_case(*_SORTS), description="NAME or UPDATE_AT (any case)"),
           limit: int = Query(10, ge=0, le=MAX_OFFSET),
           namespace: str | None = Query(None, max_length=1000, pattern=TEXT),
           before: Day | None = Query(None, description="updated before this day (UTC)"),
           after: Day | None = Query(None, description="updated after this day (UTC)"),
           principal: Principal = Depends(authorize), app: AppContext = Depends(ctx)) -> JSONResponse:
    search_pattern(q)
    kind = filter.lower() if filter else None
    order = _SORTS[sort.lower()]
    with app.store.read() as conn:
        found = mq.search(conn, principal.tenant_id, q, kind=kind, sort=order, limit=page_size(app, limit),
                          namespace=namespace, before=_day(before), after=_day(after))
    results = [shape.search_result(a) for a in found]
    return ok({"totalCount": len(results), "results": results})


@router.get("/events/lineage", summary="Marquez: raw OpenLineage events as received")
def lineage_events(before: Annotated[Instant, Query(description="received before")] = datetime(2030, 1, 1, tzinfo=UTC),
                   after: Annotated[Instant, Query(description="received after")] = datetime(1970, 1, 1, tzinfo=UTC),
                   sortDirection: str = Query("desc", pattern=any_case("asc", "desc")), limit: int = LIMIT,
                   offset: int = OFFSET, principal: Principal = Depends(authorize),
                   app: AppContext = Depends(ctx)) -> JSONResponse:
    with app.store.inbox_read() as conn:
        total, events = mq.lineage_events(
            conn, principal.tenant_id, before=before, after=after,
            descending=sortDirection.lower() == "desc", limit=page_size(app, limit), offset=offset)
    return ok({"events": events, "totalCount": total})
