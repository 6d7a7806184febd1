"""Home: what is in the catalog, what needs attention, what just changed."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from lily.model import Principal
from lily.web.nav import Nav
from lily.web.session import current_user
from lily.web.templating import render

router = APIRouter(tags=["web"])
NAV = Nav("Home", "/", order=0)


@router.get("/")
async def home(request: Request, user: Principal = Depends(current_user)) -> Response:
    return render(request, "home.html", {})
