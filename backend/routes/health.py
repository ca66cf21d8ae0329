from __future__ import annotations

from fastapi import APIRouter

from backend import __version__
from backend.deps import ServicesDep
from backend.schemas import HealthOut

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthOut)
async def health(services: ServicesDep) -> dict[str, str]:
    return {"status": "ok", "version": __version__, "database": services.db.kind}
