"""The citizen page: GET /c/{join_token} (an HTML shell that never contains the token or any
appointment data), its static files and translation catalogues, all with a strict CSP."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.citizen.catalogue import LANGUAGES, catalogue
from backend.errors import ApiError

STATIC_DIR = Path(__file__).resolve().parents[1] / "web" / "static"

# No inline script or style, nothing from other origins; media comes from getUserMedia/WebRTC.
CSP = (
    "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob: mediastream:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    # The join token is in the page URL: never send it anywhere as a referrer.
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(self), microphone=(self), display-capture=(self), geolocation=()",
    "Cache-Control": "no-store",
}

router = APIRouter(include_in_schema=False)
# The alphabet of every link token (credentials.new_join_token, interpreter invites, kiosk tokens:
# URL-safe base64). Anything else cannot be a link: refused (422) instead of serving the page for it.
PageToken = Annotated[str, PathParam(min_length=16, max_length=200, pattern=r"^[A-Za-z0-9_-]+$")]


@router.get("/c/{join_token}")
def citizen_page(join_token: PageToken) -> FileResponse:
    # The token is deliberately unused here: the page's script reads it from location.pathname.
    return FileResponse(
        STATIC_DIR / "index.html", media_type="text/html; charset=utf-8", headers=PAGE_HEADERS
    )


@router.get("/c-i18n/{lang}.json")
def citizen_catalogue(lang: str) -> JSONResponse:
    if lang not in LANGUAGES:
        raise ApiError(404, "not_found", "Unknown language")
    body: dict[str, Any] = {**catalogue(lang), "languages": LANGUAGES}
    return JSONResponse(
        body, headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"}
    )


class _HeadersMiddleware:
    """Adds the page's security headers to everything under /static (CSS, JS, images)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (k.lower().encode(), v.encode()) for k, v in PAGE_HEADERS.items() if k != "Cache-Control"
                ]
                headers.append((b"cache-control", b"no-cache"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def mount(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/static", _HeadersMiddleware(StaticFiles(directory=STATIC_DIR)), name="static")
