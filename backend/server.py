"""Runs the app under uvicorn, in the foreground (serve) or in a background thread (embedded)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable

import uvicorn
from fastapi import FastAPI

from backend.events import EventBus

# Bounded so a client that never reads cannot hold shutdown; streams end sooner (see Server.shutdown).
GRACEFUL_SHUTDOWN_S = 3


class Server(uvicorn.Server):
    """uvicorn.Server that reports its real port when ready and ends SSE streams first on shutdown."""

    def __init__(
        self, config: uvicorn.Config, bus: EventBus, on_ready: Callable[[int], None] | None = None
    ) -> None:
        super().__init__(config)
        self.bus = bus
        self.on_ready = on_ready
        self.port: int | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started and self.servers:
            self.port = int(self.servers[0].sockets[0].getsockname()[1])
            if self.on_ready:
                self.on_ready(self.port)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        # uvicorn waits for open responses before the lifespan shutdown; an SSE response never ends
        # by itself, so close the bus first: every stream returns and its connection can close.
        self.bus.close()
        await asyncio.sleep(0)
        await super().shutdown(sockets)


def make_server(app: FastAPI, host: str, port: int, on_ready: Callable[[int], None] | None = None) -> Server:
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
        server_header=False,
    )
    return Server(config, app.state.services.bus, on_ready)


def app_from_env() -> FastAPI:
    """App factory for uvicorn worker processes (`--workers N`); settings come from the environment."""
    from backend.app import create_app
    from backend.config import Settings

    return create_app(Settings.from_env())


def run_workers(host: str, port: int, workers: int, on_ready: Callable[[int], None]) -> None:
    """Several worker processes on one socket (for load on several cores).

    Limitation: the event bus is per process, so an SSE stream only sees changes made through its own
    worker until a PostgreSQL LISTEN/NOTIFY bus exists; use one worker where server push matters.
    """
    from uvicorn.supervisors import Multiprocess

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)  # listening before the ready line, so early clients queue instead of failing
    sock.set_inheritable(True)
    config = uvicorn.Config(
        "backend.server:app_from_env",
        factory=True,
        workers=workers,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
        server_header=False,
    )
    on_ready(int(sock.getsockname()[1]))  # connections wait in the backlog until a worker accepts
    Multiprocess(config, sockets=[sock]).run()
