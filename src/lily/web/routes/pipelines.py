"""Pipelines: runs with step states, row counts and durations; trigger a run or a backfill
(data_engineer and admin); progress refreshes live."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Form, Request
from pydantic import ValidationError
from starlette.responses import Response

from lily.api.routes.pipelines import RunRequest, list_runs, trigger_runs
from lily.model import Principal
from lily.pipelines.service import PIPELINES
from lily.web.calls import call, permission
from lily.web.errors import PageError
from lily.web.nav import Nav
from lily.web.session import csrf_checked, requires
from lily.web.templating import render

router = APIRouter(tags=["web"])
_READ = permission("GET", "/pipelines/{name}/runs")
_RUN = permission("POST", "/pipelines/{name}/runs")
NAV = Nav("Pipelines", "/pipelines", _READ, order=40)


def pipeline_names(request: Request, user: Principal) -> list[str]:
    service = request.app.state.pipelines
    declared = sorted(service.declared.names()) if service.declared is not None else []
    return [n for n in (*PIPELINES, *declared) if service.serves(user.tenant_id, n)]


def runs_of(request: Request, user: Principal, name: str, limit: int = 20) -> list:
    return call(list_runs, name, request, user, None, None, None, None, limit).items


@router.get("/pipelines")
def pipelines_page(request: Request, user: Principal = Depends(requires(_READ))) -> Response:
    names = pipeline_names(request, user)
    return render(request, "pipelines.html", {"pipelines": {n: runs_of(request, user, n, 5) for n in names}})


@router.get("/pipelines/{name}")
def pipeline_page(request: Request, name: str, user: Principal = Depends(requires(_READ))) -> Response:
    return render(request, "pipeline.html", {"name": name, "runs": runs_of(request, user, name),
                                             "today": date.today().isoformat()})


@router.get("/pipelines/{name}/runs")
def runs_fragment(request: Request, name: str, user: Principal = Depends(requires(_READ))) -> Response:
    return render(request, "_runs.html", {"name": name, "runs": runs_of(request, user, name)})


@router.post("/pipelines/{name}/runs", dependencies=[Depends(csrf_checked)])
def trigger(request: Request, name: str, day: str = Form(""), start: str = Form(""), end: str = Form(""),
            parallel: int = Form(2), user: Principal = Depends(requires(_RUN))) -> Response:
    fields = {"date": day} if day else {"from": start, "to": end, "parallel": parallel}
    try:
        body = RunRequest.model_validate({k: v for k, v in fields.items() if v != ""})
    except ValidationError as exc:
        raise PageError(422, "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())) from None
    accepted = call(trigger_runs, name, body, request, Response(), user)
    return render(request, "_runs.html", {"name": name, "runs": runs_of(request, user, name),
                                          "message": f"Queued {len(accepted.run_ids)} run(s)."})
