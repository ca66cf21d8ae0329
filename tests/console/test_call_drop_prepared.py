"""A prepared call session is closed once, however many times it is dropped while it closes.

The citizen's arrival (_prepare_next) and the admission of another citizen can both drop the same
prepared session before its close finishes. Each drop used to close it and then deleteLater() it; when
Qt deleted it between the two, the second deleteLater raised "wrapped C/C++ object of type CallSession
has been deleted", which failed tests/e2e/test_screenshare_call.py about one run in three.
"""

from __future__ import annotations

import asyncio

from PyQt6.QtCore import QCoreApplication, QEvent

from console.call.session import CallSession
from console.call.signaling import memory_pair
from console.call.state import CallState
from console.services.call import CallService
from console.sync.api import BackendApi


def test_a_prepared_session_dropped_twice_is_closed_and_deleted_once(arun, until, qtbot):
    api = BackendApi("http://127.0.0.1:9")
    service = CallService(api)
    console_end, _page_end = memory_pair()
    session = CallSession("a1", console_end, ice_servers=[], parent=service)
    states: list[CallState] = []
    session.state_changed.connect(states.append)
    destroyed: list[bool] = []
    session.destroyed.connect(lambda: destroyed.append(True))
    deletions: list[bool] = []  # counted, then done for real: Qt's deleteLater still runs
    real_delete_later = session.deleteLater
    session.deleteLater = lambda: (deletions.append(True), real_delete_later())[1]  # type: ignore[method-assign]
    service.sessions["a1"] = session
    try:
        service._drop_prepared("a1")
        service._drop_prepared("a1")  # again, while the first close is still running
        until(lambda: "a1" not in service.sessions, 10, "the prepared session forgotten")
        # Qt deletes it now, before anything else runs: a second close would then touch a deleted object.
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
        assert destroyed == [True]
        until(lambda: not [t for t in asyncio.all_tasks() if "_close_prepared" in repr(t)], 5, "closes done")
        assert states.count(CallState.ENDED) == 1, states
        assert deletions == [True]  # once: a second deleteLater raced Qt's deletion of the first
    finally:
        arun(service.shutdown())
        api.shutdown()
