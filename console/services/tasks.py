"""Fire-and-forget tasks that are neither garbage-collected mid-flight nor silently failing."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine
from typing import Any

_tasks: set[asyncio.Task[Any]] = set()


def spawn(coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
    """Run `coro` in the background; errors go to sys.excepthook like qasync's asyncSlot does."""
    task = asyncio.ensure_future(_guard(coro))
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)
    return task


async def _guard(coro: Coroutine[Any, Any, Any]) -> None:
    try:
        await coro
    except asyncio.CancelledError:
        raise
    except Exception:  # noqa: BLE001 - the global handler logs and shows it
        sys.excepthook(*sys.exc_info())


async def drain() -> None:
    """Cancel and await every background task (shutdown)."""
    pending = [t for t in _tasks if not t.done()]
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.gather(*pending, return_exceptions=True)
