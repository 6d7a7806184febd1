"""The governance API routers, mounted together (all behind ``authorize``)."""

from __future__ import annotations

from fastapi import APIRouter

from lily.api.routes import preview, rules

ROUTERS: tuple[APIRouter, ...] = (rules.router, preview.router)
