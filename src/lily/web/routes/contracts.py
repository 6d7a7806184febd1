"""Data contracts: each contract with its status, last evaluation and breaches (the incidents its
evaluations opened), and one contract's schema, SLA, checks and YAML. Reads through the contracts
and incidents API handlers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from lily.api.routes.contracts import get_contract, list_contracts
from lily.api.routes.incidents import list_incidents
from lily.contracts.service import SOURCE
from lily.model import Principal
from lily.web.calls import app_ctx, call, permission
from lily.web.errors import PageError
from lily.web.nav import Nav
from lily.web.session import requires
from lily.web.templating import render

router = APIRouter(tags=["web"])
_READ = permission("GET", "/contracts")
_ONE = permission("GET", "/contracts/{contract_id}")
NAV = Nav("Contracts", "/contracts", _READ, order=44)
BREACHES = 500  # contract incidents read for the list


def breaches(request: Request, user: Principal) -> dict[str, list[Any]]:
    """The incidents contract evaluations opened, by contract id (newest first)."""
    items = call(list_incidents, None, None, SOURCE, None, None, BREACHES, user, app_ctx(request)).items
    out: dict[str, list[Any]] = {}
    for i in items:
        out.setdefault(i.external_id, []).append(i)
    return out


def checks(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Every quality rule of the contract with where it applies (object, or object.property)."""
    out = []
    for obj in document.get("schema") or []:
        for q in obj.get("quality") or []:
            out.append({"on": obj.get("name"), **q})
        for prop in obj.get("properties") or []:
            for q in prop.get("quality") or []:
                out.append({"on": f"{obj.get('name')}.{prop.get('name')}", **q})
    return out


@router.get("/contracts")
def contracts_page(request: Request, user: Principal = Depends(requires(_READ))) -> Response:
    rows = call(list_contracts, user, app_ctx(request))
    return render(request, "contracts.html", {"contracts": rows, "breaches": breaches(request, user)})


@router.get("/contracts/{contract_id}")
def contract_page(request: Request, contract_id: str, user: Principal = Depends(requires(_ONE))) -> Response:
    if not 0 < len(contract_id) <= 200:
        raise PageError(404, "no such contract")
    ctx = app_ctx(request)
    row = call(get_contract, contract_id, "json", user, ctx)
    yaml = call(get_contract, contract_id, "yaml", user, ctx).body.decode()
    doc = row["document"] or {}
    return render(request, "contract.html", {
        "c": row, "doc": doc, "checks": checks(doc), "yaml": yaml,
        "breaches": breaches(request, user).get(contract_id, [])})


@router.get("/contracts/{contract_id}/contract.yaml")
def contract_yaml(request: Request, contract_id: str, user: Principal = Depends(requires(_ONE))) -> Response:
    """The contract as imported, for download (what ``GET /api/v1/contracts/{id}?format=yaml`` returns)."""
    resp = call(get_contract, contract_id, "yaml", user, app_ctx(request))
    return Response(resp.body, media_type="application/yaml",
                    headers={"content-disposition": 'attachment; filename="contract.yaml"'})
