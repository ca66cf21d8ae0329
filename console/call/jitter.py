"""A video jitter buffer that gives up on a lost packet after a bounded wait (aiortc workaround).

WORKAROUND for aiortc 1.16 (``aiortc/jitterbuffer.py``, discussed in aiortc PR #1418): the video
``JitterBuffer`` (512 slots) only hands out frames in sequence order and stops at the first missing
packet. It skips that hole (and asks for a keyframe with a PLI) only once 512 newer packets have
arrived. aiortc NACKs a gap once and only its last 128 packets (``RTP_HISTORY_SIZE``), so after a longer
gap the first missing packets are never asked for and never arrive. Recovery then takes "512 minus the
gap" packets: about 3 s at the ~90 packets/s Chromium sends at 640x480, but more than 30 s when
Chromium's bandwidth estimate has dropped to its 30 kbps floor after the gap (~8 packets/s). Both were
measured after a 5 s UDP blackout in tests/call/test_network_drop.py, whose video from Chromium came
back in 3.6 s in one run and not within 26 s in two runs out of three under CPU load. Audio (a
16-slot buffer) came back at once, so the call showed "connected" with a frozen picture.

:class:`RecoveringJitterBuffer` gives up on the missing packet ``HOLE_TIMEOUT`` after it first blocked
the buffer. It drops the broken frame and sets the PLI flag, so the sender sends a keyframe. That is
aiortc's own recovery path, bounded in time instead of in packets. A retransmission answering the NACK
takes a round trip, far less than ``HOLE_TIMEOUT``. :func:`install` puts one into an aiortc video
receiver; it goes through a private attribute, so it checks what it replaces and reports whether it
worked.

Imports aiortc at module level: only import this module once a call is being prepared.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from aiortc.jitterbuffer import JitterBuffer, JitterFrame
from aiortc.rtcrtpreceiver import RTCRtpReceiver
from aiortc.rtp import RtpPacket
from aiortc.utils import uint16_add, uint16_gt

log = logging.getLogger("videoatencio.call")

# How long a missing packet may hold back every newer frame. A NACKed packet is back after one round
# trip (well under 0.5 s even on mobile networks); one never NACKed never comes.
HOLE_TIMEOUT = 0.5
VIDEO_CAPACITY = 512  # aiortc's own size for video
_PRIVATE_ATTR = "_RTCRtpReceiver__jitter_buffer"


class RecoveringJitterBuffer(JitterBuffer):
    """aiortc's video jitter buffer, plus a time limit on waiting for a missing packet."""

    def __init__(
        self,
        capacity: int = VIDEO_CAPACITY,
        hole_timeout: float = HOLE_TIMEOUT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(capacity=capacity, is_video=True)
        self.hole_timeout = hole_timeout
        self._clock = clock
        self._hole_seq: int | None = None  # the missing packet the buffer is waiting for
        self._hole_since = 0.0
        self._newest: int | None = None  # the highest sequence number seen
        self.skipped_holes = 0

    def add(self, packet: RtpPacket) -> tuple[bool, JitterFrame | None]:
        seq = packet.sequence_number
        if self._newest is None or uint16_gt(seq, self._newest):
            self._newest = seq
        pli_flag, frame = super().add(packet)
        gap = None if frame is not None else self._blocking_gap(seq)
        if gap is None:  # frames flow, or the newest frame is still arriving
            self._hole_seq = None
            return pli_flag, frame
        hole, present = gap
        now = self._clock()
        if self._hole_seq != hole:
            self._hole_seq, self._hole_since = hole, now
            return pli_flag, frame
        if now - self._hole_since < self.hole_timeout:
            return pli_flag, frame
        log.info(
            "video jitter buffer: gave up on packet %d after %.1f s; skipped to the next frame, sent a PLI",
            hole,
            now - self._hole_since,
        )
        self.skipped_holes += 1
        self._hole_seq = None
        # Drop what precedes the first packet after the hole, and the rest of that packet's frame.
        if self.smart_remove(present + 1):  # went round the whole ring: it is empty now
            self._origin = None
            return True, None
        return True, self._remove_frame(seq)

    def _blocking_gap(self, seq: int) -> tuple[int, int] | None:
        """(sequence number of the first missing packet, offset from the origin of the first packet after
        it) when a missing packet holds back newer ones, else None."""
        origin, ring, size = self._origin, self._packets, self._capacity
        if origin is None or self._newest is None:
            return None
        newest = uint16_add(self._newest, -origin)
        if newest >= size:  # the sender's numbering jumped back and aiortc started over: so do we
            self._newest = seq
            return None
        missing = next((i for i in range(newest) if ring[(origin + i) % size] is None), None)
        if missing is None:  # no gap before the newest packet: its frame is just not complete yet
            return None
        after = next(
            (i for i in range(missing + 1, newest + 1) if ring[(origin + i) % size] is not None), None
        )
        return None if after is None else (uint16_add(origin, missing), after)


def install(receiver: Any) -> bool:
    """Give an aiortc video ``RTCRtpReceiver`` a :class:`RecoveringJitterBuffer` (before media flows).

    Returns False, and leaves the receiver as it is, if this aiortc does not look like the one this was
    written for (the call still works, with aiortc's own slower recovery)."""
    current = getattr(receiver, _PRIVATE_ATTR, None)
    if not isinstance(receiver, RTCRtpReceiver) or type(current) is not JitterBuffer:
        log.warning("video jitter buffer not replaced: unexpected aiortc receiver internals (%r)", current)
        return False
    if not current._is_video or current.capacity != VIDEO_CAPACITY or current._origin is not None:
        log.warning("video jitter buffer not replaced: not an unused aiortc video buffer")
        return False
    setattr(receiver, _PRIVATE_ATTR, RecoveringJitterBuffer(capacity=current.capacity))
    return True
