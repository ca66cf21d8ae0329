"""GET /events: Server-Sent Events, scoped per office like GET /appointments, plus the events about
appointments the caller holds (backend/audience.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from backend.deps import ServicesDep, SseCaller, office_scope
from backend.events import Scope, stream

router = APIRouter(tags=["events"])


@router.get(
    "/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "Event stream"}},
)
async def events(claims: SseCaller, services: ServicesDep) -> StreamingResponse:
    # staff_id: events about appointments this caller holds in another office (the pool) too.
    sub = services.bus.subscribe(Scope(office_ids=office_scope(claims), staff_id=claims.staff_id))
    hello = {
        "server_time": datetime.now(UTC).isoformat(),
        "ping_interval_s": services.settings.sse_ping_interval_s,
    }
    return StreamingResponse(
        stream(sub, hello, services.settings.sse_ping_interval_s),
        media_type="text/event-stream",
        # no-transform and X-Accel-Buffering: proxies must pass events through at once.
        headers={"Cache-Control": "no-cache, no-transform", "X-Accel-Buffering": "no"},
    )
