"""Network quality from aiortc's ``pc.getStats()``: bitrates, packet loss and round-trip time.

What aiortc 1.16 provides (read from its source, ``rtcrtpsender.py``/``rtcrtpreceiver.py``/
``rtcdtlstransport.py``):

- ``outbound-rtp``: ``packetsSent``, ``bytesSent`` per sender → outbound bitrate.
- ``inbound-rtp``: ``packetsReceived``, ``packetsLost``, ``jitter`` per receiver, but **no bytes** →
  inbound bitrate comes from the ``transport`` entry's ``bytesReceived`` (all SRTP/SRTCP/SCTP bytes).
- ``remote-inbound-rtp``: ``roundTripTime`` (seconds, smoothed) and ``fractionLost`` from the peer's
  RTCP receiver reports, once the first report arrives (~1-5 s) → RTT and our outbound loss.
- No candidate-pair entries, so no ``currentRoundTripTime`` / ``availableOutgoingBitrate``.

Qt-free: the session emits :class:`CallStats` in ``stats_updated``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class CallStats:
    """One sample, about once a second. ``None`` means "not known yet"."""

    outbound_kbps: float
    inbound_kbps: float
    inbound_loss_pct: float | None  # packets the citizen sent that we lost, over the last interval
    outbound_loss_pct: float | None  # reported by the citizen's RTCP (fractionLost)
    rtt_ms: float | None
    video_fps_received: float
    video_size_received: tuple[int, int] | None
    pc_generation: int

    @property
    def quality(self) -> str:
        """ "good" / "fair" / "poor", for a traffic-light indicator."""
        loss = max(self.inbound_loss_pct or 0.0, self.outbound_loss_pct or 0.0)
        rtt = self.rtt_ms or 0.0
        if loss > 10 or rtt > 600:
            return "poor"
        if loss > 3 or rtt > 300:
            return "fair"
        return "good"


class StatsTracker:
    """Turns successive cumulative reports into per-interval rates."""

    def __init__(self) -> None:
        self._last: tuple[float, int, int, int, int] | None = None  # t, sent, recv bytes, packets recv, lost

    def reset(self) -> None:
        """Counters restart with a new peer connection."""
        self._last = None

    def update(
        self,
        report: dict[str, Any],
        now: float,
        *,
        video_fps: float,
        video_size: tuple[int, int] | None,
        generation: int,
    ) -> CallStats:
        sent = recv = packets = lost = 0
        rtts: list[float] = []
        fraction_lost: list[float] = []
        for s in report.values():
            kind = getattr(s, "type", None)
            if kind == "outbound-rtp":
                sent += int(s.bytesSent)
            elif kind == "transport":
                recv += int(s.bytesReceived)
            elif kind == "inbound-rtp":
                packets += int(s.packetsReceived)
                lost += max(0, int(s.packetsLost))
            elif kind == "remote-inbound-rtp":
                if s.roundTripTime is not None:
                    rtts.append(float(s.roundTripTime))
                if s.fractionLost is not None:
                    fraction_lost.append(float(s.fractionLost))
        out_kbps = in_kbps = 0.0
        in_loss: float | None = None
        if self._last is not None:
            t0, sent0, recv0, packets0, lost0 = self._last
            dt = max(now - t0, 1e-3)
            out_kbps = max(0, sent - sent0) * 8 / dt / 1000
            in_kbps = max(0, recv - recv0) * 8 / dt / 1000
            dp, dl = max(0, packets - packets0), max(0, lost - lost0)
            in_loss = 100.0 * dl / (dp + dl) if dp + dl else None
        self._last = (now, sent, recv, packets, lost)
        return CallStats(
            outbound_kbps=round(out_kbps, 1),
            inbound_kbps=round(in_kbps, 1),
            inbound_loss_pct=None if in_loss is None else round(in_loss, 2),
            # RTCP fractionLost is a fraction of 256 in the wire format; aiortc passes the raw 0-255 value.
            outbound_loss_pct=round(max(fraction_lost) * 100 / 256, 2) if fraction_lost else None,
            rtt_ms=round(max(rtts) * 1000, 1) if rtts else None,
            video_fps_received=round(video_fps, 1),
            video_size_received=video_size,
            pc_generation=generation,
        )
