"""The console's CallSession against real Chromium running call.js as the citizen."""

from __future__ import annotations

import hashlib

import pytest

from console.call.signaling import memory_pair
from console.call.state import CallState
from tests.call.helpers import make_session, wait_until
from tests.helpers.browser import open_citizen_page

pytestmark = pytest.mark.browser


def _y_hash(frame) -> str:
    return hashlib.sha1(bytes(frame.planes[0])).hexdigest()


def test_chromium_citizen_media_chat_hang_up(arun, browser_context, static_server, closing):
    console_end, citizen_end = memory_pair()
    session = closing(make_session(console_end))
    errors: list[str] = []
    chats: list[str] = []
    hashes: list[str] = []
    session.error.connect(errors.append)
    session.chat_received.connect(lambda text, when: chats.append(text))
    session.video_observers.append(lambda f: hashes.append(_y_hash(f)) if len(hashes) < 60 else None)

    async def scenario():
        page, bridge = await open_citizen_page(browser_context, static_server, citizen_end)
        closing(bridge)
        await session.prepare()
        await session.start()
        await wait_until(lambda: session.state is CallState.CONNECTED, what="connected")
        # Browser: aiortc's video decoded and painted (requestVideoFrameCallback), tone audio received.
        await page.wait_for_function("window.__test.frames > 20", timeout=10_000)
        await page.wait_for_function(
            "window.__audioLevel().then(a => a.samples > 48000 && a.energy > 0)", timeout=10_000
        )
        # aiortc: Chromium's fake camera and microphone decoded; the picture changes frame to frame.
        await wait_until(
            lambda: session.remote_video_frames > 20 and session.remote_audio_frames > 50, what="media"
        )
        assert len(set(hashes)) > 10
        # Chat both ways; the console's media-state reached the page.
        await session.send_chat("Bon dia! <i>text pla</i>")
        await page.evaluate("window.__call.sendChat('Hola, sóc la ciutadana')")
        await page.wait_for_function("window.__test.chat.length === 1")
        await wait_until(lambda: chats == ["Hola, sóc la ciutadana"], what="chat to the console")
        assert await page.evaluate("window.__test.chat") == ["Bon dia! <i>text pla</i>"]
        assert await page.evaluate("window.__test.mediaState.length") >= 1
        # Browser stats are flowing too (inbound bitrate, frames decoded).
        stats = await page.evaluate(
            "new Promise(r => window.__call.addEventListener('stats', e => r(e.detail), {once: true}))"
        )
        assert stats["framesDecoded"] > 0 and stats["inboundKbps"] > 0
        pc = session.peer_connection
        await session.hang_up()
        assert pc.connectionState == "closed"
        await page.wait_for_function("window.__test.states.includes('ended')")
        return await page.evaluate("window.__test")

    t = arun(scenario(), timeout=60)
    assert t["states"][:3] == ["waiting", "connecting", "connected"]
    assert t["errors"] == []
    assert errors == []


def test_citizen_hang_up_and_malformed_messages_in_the_browser(arun, browser_context, static_server, closing):
    console_end, citizen_end = memory_pair()
    session = closing(make_session(console_end))

    async def scenario():
        page, bridge = await open_citizen_page(browser_context, static_server, citizen_end)
        closing(bridge)
        await session.prepare()
        await session.start()
        await wait_until(lambda: session.state is CallState.CONNECTED, what="connected")
        # Garbage reaching the page is refused with a reason; the call goes on.
        for bad in [
            "{",
            '{"type":"offer","call_id":"call-1","pc_generation":1,"sdp":"v=0"}',
            '{"type":"hack"}',
        ]:
            await page.evaluate("t => window.__deliver(t)", bad)
        await page.wait_for_function("window.__test.errors.length === 3")
        frames = await page.evaluate("window.__test.frames")
        await page.wait_for_function(f"window.__test.frames > {frames + 10}")
        await page.evaluate("window.__call.hangUp()")
        await wait_until(lambda: session.state is CallState.ENDED, what="ended by the citizen")
        return await page.evaluate("window.__test.errors")

    errors = arun(scenario(), timeout=60)
    assert "not valid JSON" in errors[0]
    assert "no a=fingerprint" in errors[1] or "stale" in errors[1]
    assert "unknown message type" in errors[2]
    assert session.end_reason == "the citizen hung up"


def test_browser_renegotiates_on_a_new_generation(arun, browser_context, static_server, closing):
    """Network change: the console offers pc_generation 2; the page replaces its RTCPeerConnection,
    keeps chat and its stream, and media flows again both ways."""
    console_end, citizen_end = memory_pair()
    session = closing(make_session(console_end))

    async def scenario():
        page, bridge = await open_citizen_page(browser_context, static_server, citizen_end)
        closing(bridge)
        await session.prepare()
        await session.start()
        await wait_until(lambda: session.state is CallState.CONNECTED)
        await page.evaluate("window.__call.sendChat('abans del canvi')")
        await wait_until(lambda: len(session.chat_history) == 1)
        session.network_changed()
        await wait_until(lambda: session.pc_generation == 2 and session.state is CallState.CONNECTED)
        await page.wait_for_function("window.__call.generation === 2 && window.__call.state === 'connected'")
        n = session.remote_video_frames
        frames = await page.evaluate("window.__test.frames")
        await wait_until(lambda: session.remote_video_frames > n + 20, what="video from the browser again")
        await page.wait_for_function(f"window.__test.frames > {frames + 20}")
        await page.evaluate("window.__call.sendChat('després del canvi')")
        await wait_until(lambda: len(session.chat_history) == 2)
        states = await page.evaluate("window.__test.states")
        await session.hang_up()
        return states

    states = arun(scenario(), timeout=60)
    assert "reconnecting" in states
    assert [e.message.text for e in session.chat_history] == ["abans del canvi", "després del canvi"]
