"""Wires the tràmit wizard into the app built by backend.app.create_app (after the citizen side)."""

from __future__ import annotations

from fastapi import FastAPI

from backend.tramitacio import routes
from backend.tramitacio.connectors import SubmissionConnector, make_connector


def install(app: FastAPI, api_prefix: str = "/api/v1", connector: SubmissionConnector | None = None) -> None:
    app.state.tramitacio = routes.TramitacioServices(app.state.citizen, connector or make_connector())
    app.include_router(routes.staff_router, prefix=api_prefix)
    app.include_router(routes.citizen_router, prefix=api_prefix)
