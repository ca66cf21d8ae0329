"""Wires the pool into the app built by backend.app.create_app (after the citizen side)."""

from __future__ import annotations

from fastapi import FastAPI

from backend.deps import Services
from backend.pool import kiosk, routes
from backend.pool.config import PoolSettings
from backend.pool.follower import PoolFollower


def install(app: FastAPI, services: Services, api_prefix: str = "/api/v1") -> PoolFollower:
    """Adds the routes; the caller starts and stops the returned follower with the app's lifespan."""
    cfg = PoolSettings.from_env()
    app.state.pool_settings = cfg
    app.include_router(routes.router, prefix=api_prefix)
    app.include_router(kiosk.router, prefix=api_prefix)
    app.include_router(kiosk.page_router)
    return PoolFollower(services, cfg)
