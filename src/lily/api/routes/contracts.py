"""Data contracts (ODCS v3): PUT a contract (JSON, or its YAML as ``application/yaml``), read it
back as imported (``?format=yaml`` for the YAML), with its status and last evaluation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from lily.api.context import AppContext
from lily.api.deps import authorize, ctx
from lily.api.permissions import V1
from lily.api.schemas_query import NOT_BLANK
from lily.contracts.odcs import dumps, loads
from lily.contracts.service import ContractError, evaluate_contract, import_contract
from lily.model import Principal
from lily.store import contracts as repo
from lily.yamlfile import YamlError

router = APIRouter(prefix=V1, tags=["contracts"])
ContractId = Annotated[str, Path(min_length=1, max_length=200, pattern=NOT_BLANK)]  # no NUL: PostgreSQL text refuses it


def _out(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["contract_id"], "status": row["status"], "datasets": row["datasets"],
            "evaluated_at": row["evaluated_at"], "result": row["result"], "document": row["document"],
            "updated_by": row["updated_by"], "updated_at": row["updated_at"]}


# The route reads its body itself (YAML or JSON, with line numbers in errors), so it declares it.
_ODCS: dict[str, Any] = {"type": "object", "required": ["apiVersion", "kind"],
                         "description": "an ODCS v3 (v3.0.0 to v3.2.0) data contract (https://bitol-io.github.io/open-data-contract-standard/)"}
_BODY = {"requestBody": {"required": True, "description": "the contract as ODCS v3 YAML or JSON",
                         "content": {"application/json": {"schema": _ODCS}, "application/yaml": {"schema": _ODCS}}}}


@router.put("/contracts/{contract_id}", summary="Import (or replace) a contract; it is evaluated at once",
            openapi_extra=_BODY)
async def put_contract(contract_id: ContractId, request: Request, principal: Principal = Depends(authorize),
                       app: AppContext = Depends(ctx)) -> dict[str, Any]:
    raw = (await request.body()).decode("utf-8", errors="replace")
    try:
        document = loads(raw)  # YAML is a superset of JSON: either content type reads here
    except (YamlError, ValueError) as e:
        raise HTTPException(422, f"line {getattr(e, 'line', None) or '?'}: {e}") from None
    if str(document.get("id") or contract_id) != contract_id:
        raise HTTPException(422, f"the document's id is {document.get('id')!r}, the path's {contract_id!r}")
    document.setdefault("id", contract_id)
    try:
        _, created, warnings = await run_in_threadpool(import_contract, app.store, principal.tenant_id, document,
                                                       actor=principal.actor)
    except ContractError as e:
        raise HTTPException(422, "; ".join(f"line {f.line or '?'}: {f.field}: {f.message}" for f in e.findings)) from None
    result = await run_in_threadpool(evaluate_contract, app.store, principal.tenant_id, contract_id)
    return {"id": contract_id, "created": created, "warnings": [w.as_dict() for w in warnings],
            "status": result.status if result else "unknown", "evaluation": result.as_dict() if result else None}


@router.get("/contracts", summary="Contracts with their status")
def list_contracts(principal: Principal = Depends(authorize), app: AppContext = Depends(ctx)) -> list[dict[str, Any]]:
    with app.store.read() as conn:
        return [{k: v for k, v in _out(r).items() if k not in ("document", "result")}
                for r in repo.list_contracts(conn, principal.tenant_id)]


@router.get("/contracts/{contract_id}", summary="A contract as imported, its status and last evaluation")
def get_contract(contract_id: ContractId, format: str = Query("json", pattern="^(json|yaml)$"),
                 principal: Principal = Depends(authorize), app: AppContext = Depends(ctx)) -> Any:
    with app.store.read() as conn:
        row = repo.get_contract(conn, principal.tenant_id, contract_id)
    if row is None:
        raise HTTPException(404, f"contract {contract_id!r} not found")
    if format == "yaml":
        return Response(dumps(row["document"]), media_type="application/yaml")
    return _out(row)
