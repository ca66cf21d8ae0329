"""Signalling and data-channel messages: the wire format and its strict validation.

The format is documented for the browser and the backend relay in
``backend/web/static/js/signaling-protocol.md``; keep both in step. Everything that arrives from the
network goes through :func:`parse_signal` or :func:`parse_channel_message`, which either return a
well-formed value or raise :class:`SignalingError` with a message a person can act on. Qt-free and
aiortc-free, so the backend relay may reuse it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Literal

SIGNAL_TYPES: Final = ("offer", "answer", "candidate", "end-of-candidates", "bye", "renegotiate")
SignalType = Literal["offer", "answer", "candidate", "end-of-candidates", "bye", "renegotiate"]

MAX_SIGNAL_BYTES: Final = 64 * 1024  # a Chromium answer is ~3-6 KB; 64 KiB leaves room, refuses floods
MAX_SDP_BYTES: Final = 48 * 1024
MAX_CANDIDATE_CHARS: Final = 512
MAX_REASON_CHARS: Final = 200
MAX_GENERATION: Final = 1_000_000
MAX_CHANNEL_BYTES: Final = 16 * 1024
MAX_CHAT_CHARS: Final = 4000

_CALL_ID_RE: Final = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_SDP_LINE_RE: Final = re.compile(r"^[a-z]=[\x20-\x7e]*$")
_MID_RE: Final = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
_ALLOWED_KEYS: Final = {
    "offer": {"type", "call_id", "pc_generation", "sdp"},
    "answer": {"type", "call_id", "pc_generation", "sdp"},
    "candidate": {"type", "call_id", "pc_generation", "candidate"},
    "end-of-candidates": {"type", "call_id", "pc_generation"},
    "bye": {"type", "call_id", "pc_generation", "reason"},
    "renegotiate": {"type", "call_id", "pc_generation", "reason"},
}
_CANDIDATE_KEYS: Final = {"candidate", "sdpMid", "sdpMLineIndex", "usernameFragment"}


class SignalingError(ValueError):
    """A signalling or data-channel message was refused; ``str(err)`` says why, for logs and the UI."""


@dataclass(frozen=True, slots=True)
class IceCandidate:
    """One trickled ICE candidate, in the browser's RTCIceCandidateInit shape."""

    candidate: str
    sdp_mid: str | None
    sdp_mline_index: int | None
    username_fragment: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "candidate": self.candidate,
            "sdpMid": self.sdp_mid,
            "sdpMLineIndex": self.sdp_mline_index,
        }
        if self.username_fragment is not None:
            out["usernameFragment"] = self.username_fragment
        return out


@dataclass(frozen=True, slots=True)
class SignalMessage:
    """A validated signalling message. Build with the ``offer``/``bye``/… helpers or :func:`parse_signal`."""

    type: SignalType
    call_id: str
    pc_generation: int
    sdp: str | None = None
    candidate: IceCandidate | None = None
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": self.type,
            "call_id": self.call_id,
            "pc_generation": self.pc_generation,
        }
        if self.sdp is not None:
            out["sdp"] = self.sdp
        if self.candidate is not None:
            out["candidate"] = self.candidate.to_json()
        if self.reason is not None:
            out["reason"] = self.reason
        return out

    def encode(self) -> str:
        """JSON text, validated on the way out too so we never send what we would refuse."""
        text = json.dumps(self.to_json(), separators=(",", ":"), ensure_ascii=False)
        parse_signal(text)
        return text


def parse_signal(raw: str | bytes | dict[str, Any]) -> SignalMessage:
    """Validate one signalling message (JSON text or an already-decoded object).

    Raises:
        SignalingError: for anything malformed: not JSON, too large, unknown type or field, wrong
            types, out-of-range generation, SDP that does not look like SDP, bad candidates.
    """
    obj = _decode(raw, MAX_SIGNAL_BYTES, "signalling message")
    mtype = obj.get("type")
    if not isinstance(mtype, str) or mtype not in SIGNAL_TYPES:
        raise SignalingError(
            f"unknown signalling message type {_show(mtype)}; expected one of {SIGNAL_TYPES}"
        )
    unknown = set(obj) - _ALLOWED_KEYS[mtype]
    if unknown:
        raise SignalingError(f"{mtype}: unexpected field(s) {sorted(unknown)}")
    call_id = obj.get("call_id")
    if not isinstance(call_id, str) or not _CALL_ID_RE.match(call_id):
        raise SignalingError(f"{mtype}: call_id must be 1-64 characters [A-Za-z0-9_-], got {_show(call_id)}")
    gen = obj.get("pc_generation")
    if isinstance(gen, bool) or not isinstance(gen, int) or not 1 <= gen <= MAX_GENERATION:
        raise SignalingError(
            f"{mtype}: pc_generation must be an integer 1..{MAX_GENERATION}, got {_show(gen)}"
        )

    sdp: str | None = None
    candidate: IceCandidate | None = None
    reason: str | None = None
    if mtype in ("offer", "answer"):
        sdp = _check_sdp(mtype, obj.get("sdp"))
    elif mtype == "candidate":
        candidate = _check_candidate(obj.get("candidate"))
    elif "reason" in obj:
        r = obj["reason"]
        if not isinstance(r, str) or len(r) > MAX_REASON_CHARS or not r.isprintable():
            raise SignalingError(
                f"{mtype}: reason must be printable text up to {MAX_REASON_CHARS} characters"
            )
        reason = r
    return SignalMessage(mtype, call_id, gen, sdp=sdp, candidate=candidate, reason=reason)  # type: ignore[arg-type]


def _check_sdp(mtype: str, sdp: object) -> str:
    if not isinstance(sdp, str):
        raise SignalingError(f"{mtype}: sdp must be a string, got {_show(sdp)}")
    if len(sdp.encode()) > MAX_SDP_BYTES:
        raise SignalingError(f"{mtype}: sdp is larger than {MAX_SDP_BYTES} bytes")
    lines = sdp.replace("\r\n", "\n").rstrip("\n").split("\n")
    if not lines or lines[0] != "v=0":
        raise SignalingError(f"{mtype}: sdp must start with 'v=0'")
    for n, line in enumerate(lines, 1):
        if not _SDP_LINE_RE.match(line):
            raise SignalingError(f"{mtype}: sdp line {n} is not '<letter>=<printable text>': {line[:40]!r}")
    kinds = {line[0] for line in lines}
    if not {"o", "s", "t", "m"} <= kinds:
        raise SignalingError(f"{mtype}: sdp lacks one of the o=, s=, t=, m= lines")
    if not any(line.startswith("a=fingerprint:") for line in lines):
        raise SignalingError(f"{mtype}: sdp has no a=fingerprint (DTLS is mandatory)")
    if not any(line.startswith("a=ice-ufrag:") for line in lines):
        raise SignalingError(f"{mtype}: sdp has no a=ice-ufrag")
    return sdp


def _check_candidate(c: object) -> IceCandidate:
    if not isinstance(c, dict):
        raise SignalingError(f"candidate: 'candidate' must be an object, got {_show(c)}")
    unknown = set(c) - _CANDIDATE_KEYS
    if unknown:
        raise SignalingError(f"candidate: unexpected field(s) {sorted(unknown)}")
    text = c.get("candidate")
    if not isinstance(text, str) or not text.startswith("candidate:") or len(text) > MAX_CANDIDATE_CHARS:
        raise SignalingError(
            f"candidate: 'candidate' must be a string starting with 'candidate:' of at most "
            f"{MAX_CANDIDATE_CHARS} characters, got {_show(text)}"
        )
    if not text.isprintable():
        raise SignalingError("candidate: 'candidate' has control characters")
    parts = text[len("candidate:") :].split()
    if len(parts) < 8 or parts[6] != "typ" or not parts[3].isdigit() or not parts[5].isdigit():
        raise SignalingError(f"candidate: not an RFC 8839 candidate line: {text[:60]!r}")
    mid = c.get("sdpMid")
    index = c.get("sdpMLineIndex")
    if mid is not None and (not isinstance(mid, str) or not _MID_RE.match(mid)):
        raise SignalingError(f"candidate: sdpMid must be a short token or null, got {_show(mid)}")
    if index is not None and (isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < 64):
        raise SignalingError(f"candidate: sdpMLineIndex must be an integer 0..63 or null, got {_show(index)}")
    if mid is None and index is None:
        raise SignalingError("candidate: needs sdpMid or sdpMLineIndex")
    ufrag = c.get("usernameFragment")
    if ufrag is not None and (
        not isinstance(ufrag, str) or not 1 <= len(ufrag) <= 256 or not ufrag.isprintable()
    ):
        raise SignalingError("candidate: usernameFragment must be short printable text or null")
    return IceCandidate(text, mid, index, ufrag)


# --- data channel "chat": chat text and small control messages ------------------------------------------

ChannelType = Literal[
    "chat",
    "media-state",
    "ping",
    "pong",
    "pointer",
    "mark",
    "clear-marks",
    "share-started",
    "share-stopped",
    "share-request",
    "share-declined",
]
_CHANNEL_KEYS: Final = {
    "chat": {"type", "id", "text", "sent_at"},
    "media-state": {"type", "mic", "camera"},
    "ping": {"type", "t"},
    "pong": {"type", "t"},
    # Screen sharing and remote guidance (console/screenshare, guidance.js). Coordinates are fractions
    # 0..1 of the shared picture, so they survive scaling on either side.
    "pointer": {"type", "surface", "x", "y", "visible"},
    "mark": {"type", "id", "surface", "kind", "x1", "y1", "x2", "y2", "text"},
    "clear-marks": {"type", "surface"},
    "share-started": {"type", "width", "height"},
    "share-stopped": {"type"},
    # Assisted processing (tràmit wizard): the informador asks the citizen to share their screen; the
    # citizen's page answers a refusal with the request's id (a share that starts is share-started).
    "share-request": {"type", "id"},
    "share-declined": {"type", "id"},
}
# Whose shared screen a pointer or mark sits on: the citizen's share, or the informador's own share.
SURFACES: Final = ("citizen", "informador")
MARK_KINDS: Final = ("arrow", "box", "highlight", "text")
MAX_MARK_TEXT_CHARS: Final = 200
MAX_SHARE_SIDE: Final = 16384


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """A chat line. ``text`` is plain text: views must show it as such (never as rich text/HTML)."""

    id: str
    text: str
    sent_at: datetime


@dataclass(frozen=True, slots=True)
class MediaStateMessage:
    """The peer's own microphone/camera switches, so each side can show "muted" / "camera off"."""

    mic: bool
    camera: bool


@dataclass(frozen=True, slots=True)
class PingMessage:
    t: float
    pong: bool


@dataclass(frozen=True, slots=True)
class PointerMessage:
    """The live pointer on a shared screen; ``visible=False`` hides it (the mouse left the picture)."""

    surface: Literal["citizen", "informador"]
    x: float
    y: float
    visible: bool = True


@dataclass(frozen=True, slots=True)
class MarkMessage:
    """A drawn mark. Arrow: from (x1, y1) to the tip (x2, y2); box/highlight: two corners; text: the
    text's top-left at (x1, y1) (x2/y2 repeat it). ``text`` is plain text, only for ``kind == "text"``."""

    id: str
    surface: Literal["citizen", "informador"]
    kind: Literal["arrow", "box", "highlight", "text"]
    x1: float
    y1: float
    x2: float
    y2: float
    text: str = ""


@dataclass(frozen=True, slots=True)
class ClearMarksMessage:
    surface: Literal["citizen", "informador"]


@dataclass(frozen=True, slots=True)
class ShareMessage:
    """The sender started (with the shared picture's size in pixels) or stopped sharing its screen."""

    started: bool
    width: int = 0
    height: int = 0


@dataclass(frozen=True, slots=True)
class ShareRequestMessage:
    """The informador asks the citizen to share their screen (``declined=False``, console → page), or
    the citizen declined request ``id`` (``declined=True``, page → console)."""

    id: str
    declined: bool = False


GuidanceMessage = PointerMessage | MarkMessage | ClearMarksMessage | ShareMessage | ShareRequestMessage
ChannelMessage = ChatMessage | MediaStateMessage | PingMessage | GuidanceMessage


def parse_channel_message(raw: str | bytes) -> ChannelMessage:
    """Validate one data-channel message; raises :class:`SignalingError` when malformed."""
    obj = _decode(raw, MAX_CHANNEL_BYTES, "data-channel message")
    mtype = obj.get("type")
    if not isinstance(mtype, str) or mtype not in _CHANNEL_KEYS:
        raise SignalingError(f"unknown data-channel message type {_show(mtype)}")
    unknown = set(obj) - _CHANNEL_KEYS[mtype]
    if unknown:
        raise SignalingError(f"{mtype}: unexpected field(s) {sorted(unknown)}")
    if mtype == "chat":
        mid, text, sent_at = obj.get("id"), obj.get("text"), obj.get("sent_at")
        if not isinstance(mid, str) or not _CALL_ID_RE.match(mid):
            raise SignalingError(f"chat: id must be 1-64 characters [A-Za-z0-9_-], got {_show(mid)}")
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_CHAT_CHARS:
            raise SignalingError(
                f"chat: text must be non-empty plain text of at most {MAX_CHAT_CHARS} characters"
            )
        if any(ch in text for ch in "\x00\x1b") or "\ufeff" in text:
            raise SignalingError("chat: text has control characters")
        if not isinstance(sent_at, str):
            raise SignalingError("chat: sent_at must be an ISO 8601 string")
        try:
            when = datetime.fromisoformat(sent_at.replace("Z", "+00:00"))
        except ValueError:
            raise SignalingError(f"chat: sent_at is not ISO 8601: {_show(sent_at)}") from None
        if when.tzinfo is None:
            raise SignalingError("chat: sent_at must carry a UTC offset")
        return ChatMessage(mid, text, when)
    if mtype == "media-state":
        mic, cam = obj.get("mic"), obj.get("camera")
        if not isinstance(mic, bool) or not isinstance(cam, bool):
            raise SignalingError("media-state: mic and camera must be booleans")
        return MediaStateMessage(mic, cam)
    if mtype in ("ping", "pong"):
        t = obj.get("t")
        if isinstance(t, bool) or not isinstance(t, int | float):
            raise SignalingError(f"{mtype}: t must be a number")
        return PingMessage(float(t), pong=mtype == "pong")
    return _parse_guidance(mtype, obj)


def _parse_guidance(mtype: str, obj: dict[str, Any]) -> GuidanceMessage:
    if mtype in ("share-request", "share-declined"):
        request_id = obj.get("id")
        if not isinstance(request_id, str) or not _CALL_ID_RE.match(request_id):
            raise SignalingError(
                f"{mtype}: id must be 1-64 characters [A-Za-z0-9_-], got {_show(request_id)}"
            )
        return ShareRequestMessage(request_id, declined=mtype == "share-declined")
    if mtype == "share-stopped":
        return ShareMessage(False)
    if mtype == "share-started":
        w, h = obj.get("width"), obj.get("height")
        for name, v in (("width", w), ("height", h)):
            if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= MAX_SHARE_SIDE:
                raise SignalingError(f"share-started: {name} must be an integer 1..{MAX_SHARE_SIDE}")
        assert isinstance(w, int) and isinstance(h, int)
        return ShareMessage(True, w, h)
    surface = obj.get("surface")
    if surface not in SURFACES:
        raise SignalingError(f"{mtype}: surface must be one of {SURFACES}, got {_show(surface)}")
    if mtype == "clear-marks":
        return ClearMarksMessage(surface)
    if mtype == "pointer":
        visible = obj.get("visible", True)
        if not isinstance(visible, bool):
            raise SignalingError("pointer: visible must be a boolean")
        return PointerMessage(surface, _fraction(obj, "x", mtype), _fraction(obj, "y", mtype), visible)
    mark_id, kind, text = obj.get("id"), obj.get("kind"), obj.get("text", "")
    if not isinstance(mark_id, str) or not _CALL_ID_RE.match(mark_id):
        raise SignalingError(f"mark: id must be 1-64 characters [A-Za-z0-9_-], got {_show(mark_id)}")
    if kind not in MARK_KINDS:
        raise SignalingError(f"mark: kind must be one of {MARK_KINDS}, got {_show(kind)}")
    if not isinstance(text, str) or len(text) > MAX_MARK_TEXT_CHARS or not (text == "" or text.isprintable()):
        raise SignalingError(
            f"mark: text must be plain printable text of at most {MAX_MARK_TEXT_CHARS} chars"
        )
    if (kind == "text") != bool(text.strip()):
        raise SignalingError("mark: a text mark needs text, and only a text mark may carry it")
    x1, y1, x2, y2 = (_fraction(obj, k, mtype) for k in ("x1", "y1", "x2", "y2"))
    return MarkMessage(mark_id, surface, kind, x1, y1, x2, y2, text)


def _fraction(obj: dict[str, Any], key: str, mtype: str) -> float:
    v = obj.get(key)
    # NaN fails both comparisons, so it is refused too; JSON has no infinities.
    if isinstance(v, bool) or not isinstance(v, int | float) or not 0.0 <= v <= 1.0:
        raise SignalingError(f"{mtype}: {key} must be a number 0..1, got {_show(v)}")
    return float(v)


def encode_channel_message(msg: ChannelMessage) -> str:
    if isinstance(msg, ChatMessage):
        obj: dict[str, Any] = {
            "type": "chat",
            "id": msg.id,
            "text": msg.text,
            "sent_at": msg.sent_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        }
    elif isinstance(msg, MediaStateMessage):
        obj = {"type": "media-state", "mic": msg.mic, "camera": msg.camera}
    elif isinstance(msg, PingMessage):
        obj = {"type": "pong" if msg.pong else "ping", "t": msg.t}
    elif isinstance(msg, PointerMessage):
        obj = {"type": "pointer", "surface": msg.surface, "x": msg.x, "y": msg.y, "visible": msg.visible}
    elif isinstance(msg, MarkMessage):
        obj = {"type": "mark", "id": msg.id, "surface": msg.surface, "kind": msg.kind}
        obj.update(x1=msg.x1, y1=msg.y1, x2=msg.x2, y2=msg.y2)
        if msg.text:
            obj["text"] = msg.text
    elif isinstance(msg, ClearMarksMessage):
        obj = {"type": "clear-marks", "surface": msg.surface}
    elif isinstance(msg, ShareRequestMessage):
        obj = {"type": "share-declined" if msg.declined else "share-request", "id": msg.id}
    elif msg.started:
        obj = {"type": "share-started", "width": msg.width, "height": msg.height}
    else:
        obj = {"type": "share-stopped"}
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    parse_channel_message(text)
    return text


def _decode(raw: str | bytes | dict[str, Any], limit: int, what: str) -> dict[str, Any]:
    if isinstance(raw, dict):
        try:
            size = len(json.dumps(raw).encode())
        except (TypeError, ValueError) as exc:
            raise SignalingError(f"{what} is not JSON-serialisable: {exc}") from None
        obj: object = raw
    else:
        size = len(raw.encode() if isinstance(raw, str) else raw)
        if size > limit:
            raise SignalingError(f"{what} is {size} bytes; the limit is {limit}")
        try:
            obj = json.loads(raw)
        except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
            raise SignalingError(f"{what} is not valid JSON: {exc}") from None
    if size > limit:
        raise SignalingError(f"{what} is {size} bytes; the limit is {limit}")
    if not isinstance(obj, dict):
        raise SignalingError(f"{what} must be a JSON object, got {type(obj).__name__}")
    return obj


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
