"""The video jitter buffer that gives up on a lost packet after HOLE_TIMEOUT (console/call/jitter.py)."""

from __future__ import annotations

from aiortc.jitterbuffer import JitterBuffer
from aiortc.rtp import RtpPacket

from console.call import jitter
from console.call.jitter import HOLE_TIMEOUT, RecoveringJitterBuffer
from console.call.signaling import memory_pair
from tests.call.helpers import make_session

PACKETS_PER_FRAME = 2
TS_STEP = 3000  # 90 kHz / 30 fps


def packet(seq: int) -> RtpPacket:
    """Packet ``seq`` of a stream of two-packet frames, numbered from 0."""
    ts = (seq // PACKETS_PER_FRAME) * TS_STEP
    p = RtpPacket(payload_type=96, sequence_number=seq % 65536, timestamp=ts)
    p._data = seq.to_bytes(4, "big")
    return p


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def feed(buffer: JitterBuffer, seqs: range | list[int], clock: Clock | None = None, step: float = 0.0):
    """Add the packets; returns (frames handed out as lists of packet numbers, sequence numbers whose
    add() asked for a PLI)."""
    frames, plis = [], []
    for seq in seqs:
        if clock is not None:
            clock.now += step
        pli, frame = buffer.add(packet(seq))
        if pli:
            plis.append(seq)
        if frame is not None:
            data = frame.data
            frames.append([int.from_bytes(data[i : i + 4], "big") for i in range(0, len(data), 4)])
    return frames, plis


def test_stock_aiortc_waits_for_512_packets_after_an_unrecovered_gap():
    """Why the workaround exists (if this starts failing, aiortc changed: re-check console/call/jitter.py).

    The gap is the 5 s blackout measured with Chromium: ~200 packets, the first ones never NACKed."""
    stock = JitterBuffer(capacity=512, is_video=True)
    feed(stock, range(0, 100))  # frames up to 96-97 handed out; 98-99 wait for the next frame to start
    frames, plis = feed(stock, range(300, 610))
    assert frames == [] and plis == []  # 310 packets after the gap, video still stuck behind packet 100
    frames, plis = feed(stock, [610])
    assert plis == [610] and frames == [[300, 301]]  # only once packet 98 + 512 arrives


def test_a_hole_that_is_never_filled_is_skipped_after_the_timeout():
    clock = Clock()
    buffer = RecoveringJitterBuffer(clock=clock)
    frames, _ = feed(buffer, range(0, 100), clock, step=0.015)
    assert frames[-1] == [96, 97]  # a frame is handed out once the next one starts
    # Packets 100..299 are lost (frame 49, packets 98 and 99, may be complete; its end is unknown).
    # One packet every HOLE_TIMEOUT / 40 s: the 41st after the gap is the first one past the timeout.
    frames, plis = feed(buffer, range(300, 340), clock, step=HOLE_TIMEOUT / 40)
    assert frames == [] and plis == [] and buffer.skipped_holes == 0  # still waiting, within the timeout
    frames, plis = feed(buffer, range(340, 360), clock, step=HOLE_TIMEOUT / 40)
    assert plis == [340] and buffer.skipped_holes == 1  # gave up on packet 100, asked for a keyframe
    # Dropped: what came before the hole and the first frame after it (it might have lost its start);
    # then complete frames in order, one per add() while the backlog lasts.
    assert frames == [[n, n + 1] for n in range(302, 342, 2)]


def test_a_retransmission_within_the_timeout_fills_the_hole_without_a_skip():
    clock = Clock()
    buffer = RecoveringJitterBuffer(clock=clock)
    feed(buffer, range(0, 10), clock, step=0.03)
    frames, plis = feed(buffer, [*range(12, 20), 10, 11, *range(20, 24)], clock, step=0.03)
    assert plis == [] and buffer.skipped_holes == 0
    assert frames == [[n, n + 1] for n in range(8, 20, 2)]  # frame 8 ends when 10 (the retransmit) comes


def test_the_wait_restarts_for_each_new_hole():
    clock = Clock()
    buffer = RecoveringJitterBuffer(clock=clock)
    feed(buffer, range(0, 10), clock, step=0.03)
    feed(buffer, range(11, 20), clock, step=0.03)  # 10 lost, waited 0.27 s
    frames, _ = feed(buffer, [10], clock, step=0.03)  # arrives late: the hole is gone
    assert frames and buffer.skipped_holes == 0
    frames, plis = feed(buffer, range(21, 30), clock, step=0.03)  # 20 lost: a new wait, not the old one
    assert plis == [] and buffer.skipped_holes == 0


def test_sequence_numbers_wrap():
    clock = Clock()
    buffer = RecoveringJitterBuffer(clock=clock)
    start = 65536 - 40  # even, so frames keep their two packets across the wrap
    feed(buffer, range(start, start + 20), clock, step=0.015)
    frames, plis = feed(buffer, range(start + 60, start + 100), clock, step=0.03)
    assert plis == [start + 77]  # 17 packets 0.03 s apart: past HOLE_TIMEOUT
    assert frames[0] == [start + 62, start + 63]  # data holds the unwrapped number


def test_install_replaces_only_an_unused_stock_video_buffer(arun):
    from aiortc import RTCPeerConnection

    async def scenario():
        pc = RTCPeerConnection()
        try:
            video, audio = pc.addTransceiver("video"), pc.addTransceiver("audio")
            assert jitter.install(video.receiver)
            assert isinstance(video.receiver._RTCRtpReceiver__jitter_buffer, RecoveringJitterBuffer)
            assert not jitter.install(video.receiver)  # already replaced
            assert not jitter.install(audio.receiver)  # audio keeps aiortc's 16-packet buffer
            assert type(audio.receiver._RTCRtpReceiver__jitter_buffer) is JitterBuffer
        finally:
            await pc.close()

    arun(scenario())


def test_every_video_receiver_of_a_call_gets_it(arun, loopback_ice, closing):
    console_end, _ = memory_pair()
    session = closing(make_session(console_end))

    async def scenario():
        await session.prepare()
        kinds = {
            t.mid or str(i): (t.kind, type(t.receiver._RTCRtpReceiver__jitter_buffer))
            for i, t in enumerate(session.peer_connection.getTransceivers())
        }
        await session.close()
        return kinds

    kinds = arun(scenario())
    assert sorted(kind for kind, _ in kinds.values()) == ["audio", "video", "video"]  # camera + screen
    assert all((buf is RecoveringJitterBuffer) == (kind == "video") for kind, buf in kinds.values())
