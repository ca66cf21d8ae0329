"""Wires the citizen side into the app built by backend.app.create_app."""

from __future__ import annotations

from fastapi import FastAPI

from backend.citizen import page, routes_citizen, routes_interpreter, routes_staff
from backend.citizen.config import CitizenSettings
from backend.citizen.hub import CitizenHub
from backend.citizen.outbox import make_gateways
from backend.citizen.ratelimit import WindowLimiter
from backend.citizen.service import CitizenServices
from backend.deps import Services


def install(app: FastAPI, services: Services, api_prefix: str = "/api/v1") -> CitizenServices:
    cfg = CitizenSettings.from_env(services.settings)
    cfg.documents_dir.mkdir(parents=True, exist_ok=True)
    svc = CitizenServices(
        core=services,
        cfg=cfg,
        gateways=make_gateways(cfg),
        hub=CitizenHub(services.bus, services.settings.sse_queue_size),
        ip_limiter=WindowLimiter(cfg.ip_attempts_max, cfg.ip_window_s),
        link_limiter=WindowLimiter(cfg.link_attempts_max, cfg.link_window_s),
    )
    app.state.citizen = svc
    app.include_router(routes_citizen.router, prefix=api_prefix)
    app.include_router(routes_staff.router, prefix=api_prefix)
    app.include_router(routes_interpreter.router, prefix=api_prefix)
    app.include_router(routes_interpreter.page_router)
    page.mount(app)
    return svc
