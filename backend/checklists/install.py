"""Wires the checklist routes into the app built by backend.app.create_app."""

from __future__ import annotations

from fastapi import FastAPI

from backend.checklists import routes


def install(app: FastAPI, api_prefix: str = "/api/v1") -> None:
    app.include_router(routes.router, prefix=api_prefix)
