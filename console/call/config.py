"""Plain configuration values for a call (Qt-free, aiortc-free)."""

from __future__ import annotations

from dataclasses import dataclass

from console.call.devices import AudioDevice, CameraDevice


@dataclass(frozen=True, slots=True)
class IceServer:
    """A STUN/TURN server as the backend hands it out (TURN credentials are time-limited)."""

    urls: tuple[str, ...]
    username: str | None = None
    credential: str | None = None


@dataclass(frozen=True, slots=True)
class MediaSelection:
    """What the informador picked in the device menus; ``None`` devices mean "the system default".

    ``synthetic_video``/``synthetic_audio`` send the test pattern / a tone instead of the camera / the
    microphone (tests, demo). Without a camera or microphone the session falls back to the test pattern /
    silence by itself and says so in ``CallSession.notice``.
    """

    camera: CameraDevice | None = None
    microphone: AudioDevice | None = None
    speaker: AudioDevice | None = None
    width: int = 1280
    height: int = 720
    fps: float = 30.0
    synthetic_video: bool = False
    synthetic_audio: bool = False
    play_remote_audio: bool = True


@dataclass(frozen=True, slots=True)
class SessionOptions:
    """Timing knobs. Defaults suit real networks; tests shorten them."""

    stats_interval: float = 1.0
    # No remote media for this long while connected → "reconnecting". aiortc has no ICE "disconnected"
    # state (rtcpeerconnection.py: "we do not have a disconnected state"), so the session watches media.
    media_timeout: float = 2.0
    # Still reconnecting this long after the drop was noticed → a new peer connection (pc_generation+1).
    # Longer than a short blackout (5 s) so that one recovers on the same connection: aioice only gives up
    # after 6 failed consent checks 5 s apart (~30 s), so the old pair resumes when the path comes back.
    renegotiate_after: float = 8.0
    max_renegotiations: int = 5
    bye_timeout: float = 1.0
    video_codec: str | None = None  # "video/VP8" | "video/H264": preferred codec; None = aiortc's order
    # A second video transceiver (sendrecv) for screen sharing, in every offer from the start, so sharing
    # starts and stops (either side) without renegotiation. H.264 first: at 1080p it is cheaper than
    # VP8 here and spends few bits on still text (BASELINES step 3).
    screen_transceiver: bool = True
    screen_codec: str | None = "video/H264"
