"""Declared lineage processes: PUT a process (it owns the edges it declares), read them, DELETE one
(its edges go with it). Files under ``LILY_PROCESSES_DIR`` are the other way in (docs/contracts.md)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Path
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from lily.api.context import AppContext
from lily.api.deps import authorize, ctx
from lily.api.permissions import V1
from lily.model import Principal
from lily.processes.files import dotted
from lily.processes.service import apply_process, delete_process
from lily.processes.spec import ProcessSpec
from lily.store import processes as repo

router = APIRouter(prefix=V1, tags=["lineage processes"])
Name = Annotated[str, Path(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]


def _out(row: dict[str, Any]) -> dict[str, Any]:
    return {"name": row["name"], "process": row["body"], "origin": row["origin"], "problems": row["errors"],
            "edges": [{"source": dict(zip(("namespace", "name", "field"), s, strict=True)),
                       "target": dict(zip(("namespace", "name", "field"), t, strict=True))} for s, t in row["edges"]],
            "updated_by": row["updated_by"], "updated_at": row["updated_at"]}


@router.put("/lineage-processes/{name}", summary="Declare (or re-declare) a lineage process")
async def put_process(name: Name, body: dict[str, Any] = Body(..., examples=[{
        "type": "export", "owner": "data-platform", "schedule": "0 2 * * *",
        "inputs": [{"namespace": "postgres://db.prod:5432", "name": "shop.public.users"}],
        "outputs": [{"pattern": "s3://atlan-tech-challenge/exports/users*"}], "columns": "by_name"}]),
        principal: Principal = Depends(authorize), app: AppContext = Depends(ctx)) -> dict[str, Any]:
    if body.get("name", name) != name:
        raise HTTPException(422, f"the body names process {body.get('name')!r}, the path {name!r}")
    try:
        spec = ProcessSpec.model_validate({**body, "name": name})
    except ValidationError as e:
        raise HTTPException(422, "; ".join(f"{dotted(tuple(err['loc']))}: {err['msg']}" for err in e.errors())) from None
    result = await run_in_threadpool(apply_process, app.store, principal.tenant_id, spec, origin="api",
                                     actor=principal.actor)
    return result.as_dict()


@router.get("/lineage-processes", summary="Declared lineage processes with the edges each owns")
def list_processes(principal: Principal = Depends(authorize), app: AppContext = Depends(ctx)) -> list[dict[str, Any]]:
    with app.store.read() as conn:
        return [_out(r) for r in repo.list_processes(conn, principal.tenant_id)]


@router.get("/lineage-processes/{name}", summary="One declared lineage process")
def get_process(name: Name, principal: Principal = Depends(authorize), app: AppContext = Depends(ctx)) -> dict[str, Any]:
    with app.store.read() as conn:
        row = repo.get_process(conn, principal.tenant_id, name)
    if row is None:
        raise HTTPException(404, f"lineage process {name!r} not found")
    return _out(row)


@router.delete("/lineage-processes/{name}", summary="Remove a process and the edges it owns")
async def remove_process(name: Name, principal: Principal = Depends(authorize),
                         app: AppContext = Depends(ctx)) -> dict[str, Any]:
    result = await run_in_threadpool(delete_process, app.store, principal.tenant_id, name, actor=principal.actor)
    if result is None:
        raise HTTPException(404, f"lineage process {name!r} not found")
    return result.as_dict()
