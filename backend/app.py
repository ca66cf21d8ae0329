"""The FastAPI application factory."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from backend import __version__
from backend.audience import AppointmentAudience
from backend.checklists.install import install as install_checklists
from backend.citizen.install import install as install_citizen
from backend.config import Settings
from backend.db import Database
from backend.deps import Services
from backend.errors import BodyLimitMiddleware, install_error_handlers
from backend.events import EventBus, InProcessEventBus
from backend.pool.install import install as install_pool
from backend.ratelimit import LoginRateLimiter
from backend.routes import appointments, auth, events, health, offices, tramits
from backend.tramitacio.install import install as install_tramitacio

API_PREFIX = "/api/v1"


def create_app(settings: Settings, *, db: Database | None = None, bus: EventBus | None = None) -> FastAPI:
    """Builds the app; the schema must already be migrated (backend.migrate.upgrade_head)."""
    database = db or Database(settings.database_url)
    event_bus: EventBus = bus or InProcessEventBus(settings.sse_queue_size)
    if isinstance(event_bus, InProcessEventBus) and event_bus.audience is None:
        # Events about an appointment also reach its informador in another office (the pool).
        event_bus.audience = AppointmentAudience(database)
    services = Services(
        settings=settings,
        db=database,
        bus=event_bus,
        login_limiter=LoginRateLimiter(settings.login_max_failures, settings.login_window_s),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        event_bus.start(asyncio.get_running_loop())
        pool_follower.start()
        try:
            yield
        finally:
            await pool_follower.stop()
            event_bus.close()
            database.dispose()

    app = FastAPI(
        title="Videoatenció API",
        version=__version__,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.services = services
    install_error_handlers(app)
    app.add_middleware(
        BodyLimitMiddleware, max_bytes=settings.max_body_bytes, max_upload_bytes=settings.max_upload_bytes
    )
    for module in (health, auth, offices, tramits, appointments, events):
        app.include_router(module.router, prefix=API_PREFIX)
    # Citizen join/PIN/waiting room/signalling/documents routes and the citizen page (/c/{token}).
    install_citizen(app, services, API_PREFIX)
    # The tràmit wizard: drafts, OTP signature, registry numbers, receipts (backend/tramitacio).
    install_tramitacio(app, API_PREFIX)
    # Presence, the interterritorial pool, walk-in kiosks, supervisor board and KPIs (backend/pool).
    pool_follower = install_pool(app, services, API_PREFIX)
    # Call-script checklists and the identification evidence (backend/checklists).
    install_checklists(app, API_PREFIX)
    return app
