"""Call states, Qt-free so services, views and tests can share them."""

from __future__ import annotations

import enum


class CallState(enum.Enum):
    """Life cycle of one call, as the informador sees it.

    A call keeps its state across peer-connection generations: a renegotiation after a network change
    goes connected → reconnecting → connected, never back through idle/preparing.
    """

    IDLE = "idle"
    PREPARING = "preparing"  # peer connection, local tracks and offer being built while the citizen waits
    READY = "ready"  # offer ready; admitting sends it
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    ENDED = "ended"
    FAILED = "failed"

    @property
    def is_final(self) -> bool:
        return self in (CallState.ENDED, CallState.FAILED)


_ALLOWED: dict[CallState, frozenset[CallState]] = {
    CallState.IDLE: frozenset({CallState.PREPARING}),
    CallState.PREPARING: frozenset({CallState.READY}),
    CallState.READY: frozenset({CallState.CONNECTING}),
    CallState.CONNECTING: frozenset({CallState.CONNECTED, CallState.RECONNECTING}),
    CallState.CONNECTED: frozenset({CallState.RECONNECTING}),
    CallState.RECONNECTING: frozenset({CallState.CONNECTED, CallState.CONNECTING}),
    CallState.ENDED: frozenset(),
    CallState.FAILED: frozenset(),
}


def can_transition(old: CallState, new: CallState) -> bool:
    """Whether ``old → new`` is a legal transition; any live state may end or fail."""
    if old.is_final:
        return False
    if new.is_final:
        return True
    return new in _ALLOWED[old]
