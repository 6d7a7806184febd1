"""Pipelines: trigger a run or a backfill (202, runs in the background), list runs, read one run."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Path, Query, Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field, PlainValidator, WithJsonSchema

from lily.api.deps import authorize
from lily.api.permissions import V1
from lily.api.schemas import JSON_INTEGER, RequestModel
from lily.api.schemas_query import TEXT, Day, parse_day
from lily.model import Principal
from lily.pipelines.runs import RunRecord, State, StepRecord
from lily.pipelines.service import PipelineService
from lily.settings import Settings
from lily.store import Store

router = APIRouter(prefix=V1, tags=["pipelines"])

MAX_BACKFILL_DAYS = 3660
Name = Annotated[str, Path(max_length=200, pattern=TEXT)]


# A date when given (absent: None); an explicit null is refused, as the schema's `string` says.
GivenDay = Annotated[date | None, PlainValidator(parse_day), WithJsonSchema({"type": "string", "format": "date"})]


def _absent(schema: dict[str, Any]) -> None:
    schema.pop("default", None)  # the default (None) stands for "not given", not for a null to send


class RunRequest(RequestModel):
    """``{"date": D}`` runs one day; ``{"from": D1, "to": D2, "parallel": N}`` backfills a range."""

    # The schema states which fields go together; that 'to' is not before 'from' and the span
    # (at most MAX_BACKFILL_DAYS) are checked by the route (422).
    model_config = ConfigDict(populate_by_name=True, extra="forbid", json_schema_extra={"oneOf": [
        {"required": ["date"], "not": {"anyOf": [{"required": ["from"]}, {"required": ["to"]}]}},
        {"required": ["from", "to"], "not": {"required": ["date"]}},
    ]})

    day: GivenDay = Field(None, alias="date", json_schema_extra=_absent)
    from_: GivenDay = Field(None, alias="from", json_schema_extra=_absent)
    to: GivenDay = Field(None, json_schema_extra=_absent)
    parallel: Annotated[int, Field(ge=1, le=16), JSON_INTEGER] = Field(
        2, description="days of a backfill processed concurrently")


class QueuedRun(BaseModel):
    run_id: str
    process_date: date
    attempt: int
    state: State
    trigger: str


class Accepted(BaseModel):
    pipeline: str
    run_ids: list[str]
    runs: list[QueuedRun]


class StepOut(BaseModel):
    step: str
    state: State
    started_at: datetime
    finished_at: datetime | None
    duration_s: float | None
    rows_in: int
    rows_out: int
    rows_rejected: int
    error: str | None
    details: dict[str, Any]

    @classmethod
    def of(cls, s: StepRecord) -> StepOut:
        return cls(step=s.step, state=s.state, started_at=s.started_at, finished_at=s.finished_at,
                   duration_s=s.duration_s, rows_in=s.rows_in, rows_out=s.rows_out, rows_rejected=s.rows_rejected,
                   error=s.error, details=s.details)


class RunCounts(BaseModel):
    """Headline counts from the steps (null while a step has not succeeded)."""

    files_in: int | None = None
    files_routed: int | None = None
    files_rejected: int | None = None
    records_in: int | None = None
    silver_rows: int | None = None
    rejected_rows: int | None = None
    gold_rows: int | None = None

    @classmethod
    def of(cls, steps: list[StepRecord]) -> RunCounts:
        done = {s.step: s for s in steps if s.state is State.SUCCEEDED}
        counts = cls()
        if "ingest" in done:
            s = done["ingest"]
            counts.files_in, counts.files_routed, counts.files_rejected = s.rows_in, s.rows_out, s.rows_rejected
        if "normalize" in done:
            s = done["normalize"]
            counts.records_in, counts.silver_rows, counts.rejected_rows = s.rows_in, s.rows_out, s.rows_rejected
        if "aggregate" in done:
            counts.gold_rows = done["aggregate"].rows_out
        return counts


class RunOut(BaseModel):
    run_id: str
    pipeline: str
    process_date: date
    attempt: int
    state: State
    trigger: str
    started_at: datetime
    finished_at: datetime | None
    duration_s: float | None
    error: str | None
    counts: RunCounts
    steps: list[StepOut]

    @classmethod
    def of(cls, r: RunRecord, steps: list[StepRecord]) -> RunOut:
        duration = (r.finished_at - r.started_at).total_seconds() if r.finished_at else None
        return cls(run_id=r.run_id, pipeline=r.pipeline, process_date=r.process_date, attempt=r.attempt,
                   state=r.state, trigger=r.trigger, started_at=r.started_at, finished_at=r.finished_at,
                   duration_s=duration, error=r.error, counts=RunCounts.of(steps),
                   steps=[StepOut.of(s) for s in steps])


class RunList(BaseModel):
    items: list[RunOut]


def service_for(request: Request, name: str, principal: Principal) -> PipelineService:
    """The service running pipeline ``name`` for the caller's tenant; 404 for anything else."""
    service: PipelineService = request.app.state.pipelines
    if not service.serves(principal.tenant_id, name):
        raise HTTPException(404, f"pipeline {name!r} not found")
    return service


def _days(body: RunRequest) -> tuple[list[date], str]:
    if body.day is not None and body.from_ is None and body.to is None:
        return [body.day], "manual"
    if body.day is None and body.from_ is not None and body.to is not None:
        if body.to < body.from_:
            raise HTTPException(422, "'to' is before 'from'")
        span = (body.to - body.from_).days + 1
        if span > MAX_BACKFILL_DAYS:
            raise HTTPException(422, f"a backfill covers at most {MAX_BACKFILL_DAYS} days")
        from lily.pipelines.runner import date_range

        return date_range(body.from_, body.to), "backfill"
    raise HTTPException(422, "give either 'date', or 'from' and 'to'")


@router.post("/pipelines/{name}/runs", response_model=Accepted, status_code=202,
             summary="Run one day, or backfill a date range, in the background")
def trigger_runs(name: Name, body: RunRequest, request: Request, response: Response,
                 principal: Principal = Depends(authorize)) -> Accepted:
    service = service_for(request, name, principal)
    days, trigger = _days(body)
    try:
        records = service.submit(name, days, trigger=trigger, parallel=body.parallel)
    except ValueError as exc:  # a declared pipeline whose file is not valid (now)
        raise HTTPException(422, f"pipeline {name!r} cannot run: {exc}") from exc
    if len(records) == 1:
        response.headers["Location"] = f"{V1}/pipelines/{name}/runs/{records[0].run_id}"
    return Accepted(pipeline=name, run_ids=[r.run_id for r in records],
                    runs=[QueuedRun(run_id=r.run_id, process_date=r.process_date, attempt=r.attempt, state=r.state,
                                    trigger=r.trigger) for r in records])


@router.get("/pipelines/{name}/runs", response_model=RunList,
            summary="Runs of a pipeline, newest process date first, with their steps and counts")
def list_runs(name: Name, request: Request, principal: Principal = Depends(authorize),
              process_date: Day | None = Query(None, alias="date"), state: State | None = None,
              start: Day | None = Query(None, alias="from"), end: Day | None = Query(None, alias="to"),
              limit: int = Query(100, ge=1, le=1000)) -> RunList:
    service = service_for(request, name, principal)
    recorder = service.recorder()
    runs = recorder.runs(name, process_date, state=state, start=start, end=end)[::-1][:limit]
    steps = recorder.steps_of(r.run_id for r in runs)
    return RunList(items=[RunOut.of(r, steps.get(r.run_id, [])) for r in runs])


@router.get("/pipelines/{name}/runs/{run_id}", response_model=RunOut, summary="One run with its steps")
def get_run(name: Name, run_id: Annotated[str, Path(max_length=200, pattern=TEXT)], request: Request, principal: Principal = Depends(authorize)) -> RunOut:
    service = service_for(request, name, principal)
    recorder = service.recorder()
    run = recorder.get_run(run_id)
    if run is None or run.pipeline != name:
        raise HTTPException(404, f"run {run_id!r} of pipeline {name!r} not found")
    return RunOut.of(run, recorder.steps(run_id))


def _routes(routes: list[Any]) -> set[tuple[str, str]]:
    """(method, path) of every route, looking inside included routers."""
    found: set[tuple[str, str]] = set()
    stack = list(routes)
    while stack:
        route = stack.pop()
        if isinstance(route, APIRoute):
            found |= {(m, route.path) for m in route.methods}
        inner = getattr(route, "original_router", None)
        if inner is not None:
            stack.extend(inner.routes)
    return found


def install(app: FastAPI, settings: Settings, store: Store) -> None:
    """Create the pipeline service and register what the app's lifespan starts and stops."""
    from lily.pipelines.serving import build

    def has_endpoint() -> bool:
        return ("POST", f"{V1}/lineage") in _routes(app.router.routes)

    from lily.medallion.declared import DeclaredPipelines

    declared = DeclaredPipelines(settings.resolved_pipelines_dir, settings.data_dir)
    service, background = build(settings, store, has_endpoint=has_endpoint, declared=declared)
    app.state.pipelines = service
    app.state.background = [*getattr(app.state, "background", []), *background]
