"""Signalling validation: malformed messages are refused with a clear SignalingError, the session survives."""

from __future__ import annotations

import json

import pytest

from console.call.messages import (
    MAX_SIGNAL_BYTES,
    ChatMessage,
    SignalingError,
    encode_channel_message,
    parse_channel_message,
    parse_signal,
)
from console.call.signaling import memory_pair
from console.call.state import CallState
from tests.call.citizen_peer import CitizenPeer
from tests.call.helpers import make_session, wait_until

SDP = (
    "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 96\r\n"
    "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuv\r\na=fingerprint:sha-256 AA:BB\r\n"
)
# Passes our sanity checks but not aiortc's parser (which raises AssertionError on it).
BAD_M_LINE_SDP = (
    "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=x\r\na=fingerprint:z\r\na=ice-ufrag:q\r\n"
)
CAND = "candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host"


def msg(**fields):
    base = {"type": "answer", "call_id": "call-1", "pc_generation": 1, "sdp": SDP}
    base.update(fields)
    return json.dumps({k: v for k, v in base.items() if v is not ...})


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ("not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        (msg(type="hello"), "unknown signalling message type 'hello'"),
        (msg(type=None), "unknown signalling message type None"),
        (msg(call_id=...), "call_id must be"),
        (msg(call_id="../etc"), "call_id must be"),
        (msg(pc_generation=...), "pc_generation must be an integer"),
        (msg(pc_generation="1"), "pc_generation must be an integer"),
        (msg(pc_generation=True), "pc_generation must be an integer"),
        (msg(pc_generation=0), "pc_generation must be an integer"),
        (msg(sdp=...), "sdp must be a string"),
        (msg(sdp="hello"), "sdp must start with 'v=0'"),
        (msg(sdp="v=0\r\n<script>\r\n"), "is not '<letter>=<printable text>'"),
        (msg(sdp=SDP.replace("a=fingerprint", "a=fingerprintx").replace(":sha", "sha")), "no a=fingerprint"),
        (msg(sdp="v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"), "lacks one of"),
        (msg(sdp=SDP + "a=x:" + "y" * MAX_SIGNAL_BYTES), "bytes; the limit is"),
        (msg(extra=1), "unexpected field(s) ['extra']"),
        (msg(type="candidate", sdp=..., candidate="x"), "'candidate' must be an object"),
        (
            msg(type="candidate", sdp=..., candidate={"candidate": "x", "sdpMid": "0"}),
            "starting with 'candidate:'",
        ),
        (msg(type="candidate", sdp=..., candidate={"candidate": CAND}), "needs sdpMid or sdpMLineIndex"),
        (
            msg(type="candidate", sdp=..., candidate={"candidate": "candidate:1 1 udp", "sdpMid": "0"}),
            "RFC 8839",
        ),
        (msg(type="candidate", sdp=..., candidate={"candidate": CAND, "sdpMLineIndex": -1}), "sdpMLineIndex"),
        (msg(type="bye", sdp=..., reason=5), "reason must be printable text"),
    ],
)
def test_malformed_signals_are_refused_clearly(raw, error):
    with pytest.raises(SignalingError) as info:
        parse_signal(raw)
    assert error in str(info.value)


def test_valid_signals_round_trip():
    m = parse_signal(msg())
    assert m.type == "answer" and m.pc_generation == 1
    c = parse_signal(
        msg(type="candidate", sdp=..., candidate={"candidate": CAND, "sdpMid": "0", "sdpMLineIndex": 0})
    )
    assert c.candidate is not None and c.candidate.sdp_mid == "0"
    assert parse_signal(c.encode()) == c
    assert parse_signal(msg(type="end-of-candidates", sdp=...)).type == "end-of-candidates"


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (
            '{"type": "chat", "id": "a", "text": "", "sent_at": "2026-01-01T00:00:00Z"}',
            "non-empty plain text",
        ),
        ('{"type": "chat", "id": "a", "text": "hi", "sent_at": "yesterday"}', "not ISO 8601"),
        ('{"type": "chat", "id": "a", "text": "hi", "sent_at": "2026-01-01T00:00:00"}', "UTC offset"),
        (
            '{"type": "chat", "id": "a", "text": "' + "x" * 5000 + '", "sent_at": "2026-01-01T00:00:00Z"}',
            "at most",
        ),
        ('{"type": "media-state", "mic": 1, "camera": true}', "booleans"),
        ('{"type": "exec", "cmd": "rm"}', "unknown data-channel message type"),
        ("x" * 20000, "the limit is"),
    ],
)
def test_malformed_channel_messages_are_refused(raw, error):
    with pytest.raises(SignalingError) as info:
        parse_channel_message(raw)
    assert error in str(info.value)


def test_chat_round_trip_keeps_plain_text():
    from datetime import UTC, datetime

    m = ChatMessage("id1", "<b>hola</b> & adéu", datetime(2026, 11, 24, 9, 30, tzinfo=UTC))
    assert parse_channel_message(encode_channel_message(m)) == m


def test_session_survives_malformed_signalling(arun, loopback_ice, closing):
    """Garbage, wrong call, stale/unknown generation, a citizen offer, bad SDP: each refused with an
    error signal; the call connects and carries media afterwards as if nothing happened."""
    console_end, citizen_end = memory_pair()
    session = closing(make_session(console_end))
    peer = closing(CitizenPeer(citizen_end))
    errors: list[str] = []
    session.error.connect(errors.append)

    async def scenario():
        await session.prepare()
        await session.start()
        for raw in [
            "{{{",
            msg(call_id="other-call"),
            msg(pc_generation=7),
            msg(type="offer"),
            msg(sdp=BAD_M_LINE_SDP),
            msg(type="candidate", sdp=..., candidate={"candidate": CAND, "sdpMid": "0"}, pc_generation=2),
        ]:
            citizen_end.peer.inject(raw)  # type: ignore[union-attr]
        await wait_until(lambda: len(errors) >= 6, limit=5, what="six refusals")
        assert session.state is CallState.CONNECTING
        peer.start()
        await wait_until(lambda: session.state is CallState.CONNECTED, what="connected")
        await wait_until(lambda: session.remote_video_frames > 5)
        citizen_end.peer.inject(msg(pc_generation=1))  # type: ignore[union-attr]  # a second answer
        await wait_until(lambda: len(errors) >= 7, limit=5)
        assert session.state is CallState.CONNECTED
        await session.hang_up()
        await peer.close()

    arun(scenario(), timeout=30)
    assert "not valid JSON" in errors[0]
    assert "message for call 'other-call'" in errors[1]
    assert "unknown pc_generation 7; the current one is 1" in errors[2]
    assert "an offer from the citizen is refused" in errors[3]
    assert "aiortc could not apply the SDP" in errors[4] or "sdp" in errors[4]
    assert "unknown pc_generation 2" in errors[5]
    assert "already has an answer" in errors[6]
    assert all(e.startswith("Refused signalling message: ") for e in errors)
