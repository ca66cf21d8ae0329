"""Fixtures for the call tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest


def loopback_host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
    return ["127.0.0.1"] if use_ipv4 else []


@pytest.fixture
def loopback_ice(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Make aioice gather only 127.0.0.1 (it skips loopback by default).

    BASELINES step 2: in a network namespace with only ``lo`` aiortc gathers zero candidates and never
    connects. Pinning to loopback also makes in-process tests independent of the machine's interfaces.
    """
    import aioice.ice

    monkeypatch.setattr(aioice.ice, "get_host_addresses", loopback_host_addresses)
    yield


@pytest.fixture
def closing(qloop: Any) -> Iterator[Callable[[Any], Any]]:
    """Register sessions/peers to close at teardown even when the test failed halfway (no leaks into
    the next test through the shared qasync loop). Returns its argument for inline use."""
    items: list[Any] = []

    def register(item: Any) -> Any:
        items.append(item)
        return item

    yield register
    qloop.run_until_complete(asyncio.gather(*(i.close() for i in reversed(items)), return_exceptions=True))
