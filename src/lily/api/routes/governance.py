"""The governance API routers, mounted together (all behind ``authorize``)."""

from __future__ import annotations

from fastapi import APIRouter

from lily.api.routes import deliveries, preview, rules, targets

ROUTERS: tuple[APIRouter, ...] = (rules.router, targets.router, deliveries.router, preview.router)
