"""CallSession against a bare aiortc citizen over in-memory signalling, in the qasync loop."""

from __future__ import annotations

import asyncio
import time

from console.call.media import read_frame_counter
from console.call.messages import parse_signal
from console.call.signaling import memory_pair
from console.call.state import CallState
from tests.call.citizen_peer import CitizenPeer
from tests.call.helpers import call_threads, live_tasks, make_session, wait_until


def test_call_media_chat_and_teardown(arun, loopback_ice, closing, qtbot):
    console_end, citizen_end = memory_pair()
    session = closing(make_session(console_end))
    peer = closing(CitizenPeer(citizen_end, trickle=True))
    states, chats, images, notices, errors, stats = [], [], [], [], [], []
    counters: list[int] = []
    session.state_changed.connect(states.append)
    session.chat_received.connect(lambda text, when: chats.append((text, when)))
    session.remote_video_frame.connect(images.append)
    session.notice.connect(notices.append)
    session.error.connect(errors.append)
    session.stats_updated.connect(stats.append)
    session.video_observers.append(lambda f: counters.append(read_frame_counter(f)))

    async def scenario():
        baseline = asyncio.all_tasks()
        await session.prepare()
        assert session.state is CallState.READY
        assert session.peer_connection.iceGatheringState == "complete"  # gathered before admit
        peer.start()
        await session.start()
        await wait_until(lambda: session.state is CallState.CONNECTED, what="connected")
        # Video decoded on both sides: the test pattern's counter advances in each direction.
        await wait_until(lambda: len(counters) >= 15 and len(peer.counters) >= 15, what="video both ways")
        assert counters[-1] > counters[0] and peer.counters[-1] > peer.counters[0]
        await wait_until(lambda: session.remote_audio_frames >= 20 and peer.audio_frames >= 20, what="audio")
        await wait_until(lambda: len(images) >= 3, what="rendered QImages")
        assert not images[-1].isNull() and images[-1].width() == 640

        await session.send_chat("Bon dia, en què la puc ajudar?")
        peer.send_chat("Vull renovar la llicència de pesca <b>ara</b>")
        await wait_until(lambda: chats and peer.chat, what="chat both ways")
        assert chats[0][0] == "Vull renovar la llicència de pesca <b>ara</b>"  # plain text, untouched
        assert peer.chat == ["Bon dia, en què la puc ajudar?"]
        await wait_until(lambda: len(stats) >= 2, limit=5, what="stats")

        pc = session.peer_connection
        await session.hang_up()
        assert pc.connectionState == "closed"
        await wait_until(lambda: peer.bye, what="bye at the citizen")
        await peer.close()
        await asyncio.sleep(0)  # let cancelled tasks finish unwinding
        assert live_tasks(baseline) == []

    arun(scenario(), timeout=40)
    assert [s.value for s in states] == ["preparing", "ready", "connecting", "connected", "ended"]
    assert errors == []
    assert any("speaker" in n for n in notices)  # no sound card here: said so, call still worked
    assert stats[-1].outbound_kbps > 0 and stats[-1].inbound_kbps > 0 and stats[-1].pc_generation == 1
    assert session.local_media is not None and session.local_media.video.readyState == "ended"
    qtbot.waitUntil(lambda: call_threads() == [], timeout=3000)
    assert [e.direction for e in session.chat_history] == ["out", "in"]


def test_late_trickled_candidates_are_accepted(arun, loopback_ice, closing):
    """The citizen answers without candidates and trickles them 300 ms later (aioice 0.13 accepts
    remote candidates while connect() runs). Measured here: the console connects *before* they arrive,
    because the citizen's connectivity checks reach it first and become peer-reflexive candidates."""
    console_end, citizen_end = memory_pair()
    session = closing(make_session(console_end))
    peer = closing(CitizenPeer(citizen_end, trickle=True, trickle_delay=0.3))
    errors: list[str] = []
    session.error.connect(errors.append)

    async def scenario():
        await session.prepare()
        peer.start()
        await session.start()
        await wait_until(lambda: session.state is CallState.CONNECTED, what="connected")
        await wait_until(lambda: "first_remote_candidate" in session.timings, what="late candidate")
        await wait_until(lambda: '"end-of-candidates"' in "".join(citizen_end.sent), what="end")
        await asyncio.sleep(0)
        t = dict(session.timings)
        await session.hang_up()
        await peer.close()
        return t

    t = arun(scenario(), timeout=20)
    assert errors == []
    assert t["first_remote_candidate"] - t["answer_applied"] >= 0.25
    assert t["connected"] < t["first_remote_candidate"]


def test_hang_up_and_close_are_idempotent(arun, loopback_ice, closing):
    console_end, _citizen_end = memory_pair()
    session = closing(make_session(console_end))

    async def scenario():
        await session.prepare()
        await asyncio.gather(session.hang_up(), session.close(), session.hang_up())
        await session.close()

    arun(scenario())
    assert session.state is CallState.ENDED
    assert session.peer_connection.connectionState == "closed"
    assert console_end.closed


def test_renegotiation_keeps_chat_and_call(arun, loopback_ice, closing):
    """A new peer connection (generation 2) over the same signalling: media flows again, chat kept."""
    console_end, citizen_end = memory_pair()
    session = closing(make_session(console_end))
    peer = closing(CitizenPeer(citizen_end))
    states: list[CallState] = []
    session.state_changed.connect(states.append)

    async def scenario():
        await session.prepare()
        peer.start()
        await session.start()
        await wait_until(lambda: session.state is CallState.CONNECTED)
        await session.send_chat("abans")
        await wait_until(lambda: peer.chat == ["abans"])
        old_pc = session.peer_connection
        session.network_changed()
        await wait_until(lambda: session.pc_generation == 2 and session.state is CallState.CONNECTED)
        assert old_pc.connectionState == "closed"
        frames = session.remote_video_frames
        n = len(peer.counters)
        await wait_until(lambda: session.remote_video_frames > frames + 10 and len(peer.counters) > n + 10)
        await session.send_chat("després")
        await wait_until(lambda: peer.chat == ["abans", "després"])
        await session.hang_up()
        await peer.close()

    arun(scenario(), timeout=30)
    assert peer.generations_seen == [1, 2]
    assert [s.value for s in states] == [
        "preparing",
        "ready",
        "connecting",
        "connected",
        "reconnecting",
        "connected",
        "ended",
    ]
    assert [e.message.text for e in session.chat_history] == ["abans", "després"]


def test_citizen_can_ask_for_renegotiation(arun, loopback_ice, closing):
    console_end, citizen_end = memory_pair()
    session = closing(make_session(console_end))
    peer = closing(CitizenPeer(citizen_end))

    async def scenario():
        await session.prepare()
        peer.start()
        await session.start()
        await wait_until(lambda: session.state is CallState.CONNECTED)
        await peer.request_renegotiation()
        await wait_until(lambda: session.pc_generation == 2 and session.state is CallState.CONNECTED)
        await session.hang_up()
        await peer.close()

    arun(scenario(), timeout=30)
    offers = [parse_signal(t) for t in console_end.sent if '"offer"' in t]
    assert [o.pc_generation for o in offers] == [1, 2]


def test_mute_and_camera_off(arun, loopback_ice, closing):
    console_end, citizen_end = memory_pair()
    session = closing(make_session(console_end))
    peer = closing(CitizenPeer(citizen_end))

    async def scenario():
        await session.prepare()
        peer.start()
        await session.start()
        await wait_until(lambda: len(peer.counters) >= 5)
        session.set_mic_muted(True)
        await session.set_camera_enabled(False)
        assert session.mic_muted and not session.camera_enabled
        n = peer.video_frames
        await wait_until(lambda: peer.video_frames > n + 3)
        # Camera off: the citizen receives black frames (no counter bits set), the track keeps running.
        start = time.monotonic()
        await wait_until(lambda: peer.counters and peer.counters[-1] == 0, limit=5)
        assert time.monotonic() - start < 5
        await session.set_camera_enabled(True)
        await wait_until(lambda: peer.counters[-1] > 0, limit=5)
        await session.hang_up()
        await peer.close()

    arun(scenario(), timeout=30)
