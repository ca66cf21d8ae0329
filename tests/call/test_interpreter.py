"""A third party joining a call: the console as the hub between the citizen and an interpreter.

Three real aiortc peers in one qasync loop: the console (the real CallSessions and the relay of
console/call/relay.py), the citizen and the interpreter (bare aiortc answerers, tests/call/citizen_peer.py,
sending test patterns of different sizes so each relayed stream is recognisable).
"""

from __future__ import annotations

import asyncio

from console.call.config import MediaSelection, SessionOptions
from console.call.relay import InterpreterLink, party_tracks
from console.call.session import CallSession
from console.call.signaling import memory_pair
from console.call.state import CallState
from tests.call.citizen_peer import CitizenPeer
from tests.call.helpers import call_threads, live_tasks, wait_until

CITIZEN = (640, 480)
INTERPRETER = (320, 240)
INFORMADOR = (640, 360)


def _citizen_session(signaling, party) -> CallSession:  # type: ignore[no-untyped-def]
    return CallSession(
        "call-1",
        signaling,
        ice_servers=[],
        media=MediaSelection(*(None,) * 3, *INFORMADOR, synthetic_video=True, synthetic_audio=True),
        options=SessionOptions(),
        extra_sources=party,
    )


def test_interpreter_joins_leaves_and_rejoins(arun, loopback_ice, closing, qtbot):  # type: ignore[no-untyped-def]
    console_end, citizen_end = memory_pair()
    party = party_tracks()
    session = closing(_citizen_session(console_end, party))
    citizen = closing(CitizenPeer(citizen_end, size=CITIZEN))
    console_chat: list[str] = []
    session.chat_received.connect(lambda text, _when: console_chat.append(text))

    def join(name: str) -> tuple[InterpreterLink, CitizenPeer]:
        console_i, interpreter_i = memory_pair()
        link = InterpreterLink(session, party, name, console_i, ice_servers=[])
        closing(link)
        peer = closing(CitizenPeer(interpreter_i, size=INTERPRETER))
        peer.start()
        return link, peer

    async def scenario() -> None:
        baseline = asyncio.all_tasks()
        await session.prepare()
        citizen.start()
        await session.start()
        await wait_until(lambda: session.state is CallState.CONNECTED, what="citizen connected")

        link, interpreter = join("interp-1")
        from_interpreter: list[str] = []
        link.chat_received.connect(from_interpreter.append)
        await link.start()
        await wait_until(lambda: link.session.state is CallState.CONNECTED, what="interpreter connected")
        # The interpreter decodes the citizen's video relayed by the console, and the informador's own.
        await wait_until(
            lambda: len(interpreter.party_video_sizes) >= 10, limit=15, what="citizen → interpreter"
        )
        assert set(interpreter.party_video_sizes) == {CITIZEN}
        await wait_until(lambda: interpreter.video_frames >= 10, what="informador → interpreter")
        # The citizen decodes the interpreter's video on its party transceiver; the console decodes both.
        await wait_until(lambda: len(citizen.party_video_sizes) >= 10, limit=15, what="interpreter → citizen")
        assert set(citizen.party_video_sizes) == {INTERPRETER}
        await wait_until(
            lambda: citizen.party_audio_frames >= 20 and interpreter.party_audio_frames >= 20,
            what="audio relayed",
        )
        assert session.last_remote_video_size == CITIZEN
        assert link.session.last_remote_video_size == INTERPRETER

        # Chat reaches all three, whoever writes.
        citizen.send_chat("Necessito un intèrpret")
        interpreter.send_chat("Bon dia, soc l'intèrpret")
        await session.send_chat("Comencem")
        link.send_chat("Comencem")
        await wait_until(
            lambda: (
                "Bon dia, soc l'intèrpret" in citizen.chat
                and "Necessito un intèrpret" in interpreter.chat
                and "Comencem" in citizen.chat
                and "Comencem" in interpreter.chat
            ),
            what="chat fan-out",
        )
        assert console_chat == ["Necessito un intèrpret"] and from_interpreter == ["Bon dia, soc l'intèrpret"]

        # The interpreter leaves: only their connection ends; the citizen's call goes on.
        await interpreter.hang_up()
        await wait_until(lambda: link.session.state is CallState.ENDED, what="interpreter gone")
        seen = citizen.video_frames
        await wait_until(lambda: citizen.video_frames > seen + 10, what="citizen call continues")
        assert session.state is CallState.CONNECTED and session.pc_generation == 1
        assert session.video_observers == [] and session.audio_observers == []  # relay hooks removed

        # A second interpreter joins the same call, then the informador hangs up: everything closes.
        link2, interpreter2 = join("interp-2")
        await link2.start()
        before = len(citizen.party_video_sizes)
        await wait_until(
            lambda: len(interpreter2.party_video_sizes) >= 5, limit=15, what="second interpreter"
        )
        await wait_until(lambda: len(citizen.party_video_sizes) >= before + 5, limit=15, what="relay again")
        await session.hang_up()
        await wait_until(
            lambda: link2.session.state is CallState.ENDED, what="interpreter hung up with the call"
        )
        await wait_until(lambda: citizen.bye and interpreter2.bye, what="bye at both parties")
        assert link2.session.peer_connection.connectionState == "closed"
        for item in (link, link2, interpreter, interpreter2, citizen):
            await item.close()
        await asyncio.sleep(0)
        await wait_until(lambda: live_tasks(baseline) == [], limit=5, what="no leftover tasks")

    arun(scenario(), timeout=50)
    assert all(t.readyState == "ended" for t in party)
    qtbot.waitUntil(lambda: call_threads() == [], timeout=3000)
