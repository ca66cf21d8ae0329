"""Validation of relayed signalling messages (docs/API.md).

Two layers: the envelope rules of docs/API.md below (they name the failing field), then, when the
console package is present, the call core's own parser (console/call/messages.py: SDP and candidate
syntax, unknown fields), so the relay never forwards what the console would refuse anyway.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

try:  # the call core's parser is pure Python (no Qt, no aiortc); absent in a backend-only deployment
    from console.call.messages import SignalingError as _CallCoreError
    from console.call.messages import parse_signal as _call_core_parse

    _strict: Callable[[dict[str, Any]], object] | None = _call_core_parse
except ImportError:  # pragma: no cover
    _strict = None

MAX_MESSAGE_BYTES = 64 * 1024
MAX_CANDIDATE_CHARS = 2048
MAX_GENERATION = 2**31 - 1
TYPES = ("offer", "answer", "candidate", "end-of-candidates", "bye", "renegotiate")
_CALL_ID = re.compile(r"[A-Za-z0-9_.:-]{1,128}")


class SignalError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def validate_message(message: Any) -> dict[str, Any]:
    """Returns the message unchanged if valid; raises SignalError naming the field and the rule."""
    if not isinstance(message, dict):
        raise SignalError("message", "The signalling message must be a JSON object")
    size = len(json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    if size > MAX_MESSAGE_BYTES:
        raise SignalError(
            "message", f"The signalling message is {size} bytes; the limit is {MAX_MESSAGE_BYTES}"
        )
    kind = message.get("type")
    if kind not in TYPES:
        raise SignalError("message.type", "type must be one of: " + ", ".join(TYPES))
    call_id = message.get("call_id")
    if not isinstance(call_id, str) or not _CALL_ID.fullmatch(call_id):
        raise SignalError("message.call_id", "call_id must be 1-128 characters of letters, digits, _ . : -")
    gen = message.get("pc_generation")
    if not isinstance(gen, int) or isinstance(gen, bool) or not 0 <= gen <= MAX_GENERATION:
        raise SignalError("message.pc_generation", "pc_generation must be an integer ≥ 0")
    if kind in ("offer", "answer"):
        sdp = message.get("sdp")
        if not isinstance(sdp, str) or not sdp:
            raise SignalError("message.sdp", f"An {kind} needs a non-empty sdp string")
        if len(sdp.encode("utf-8")) > MAX_MESSAGE_BYTES:
            raise SignalError("message.sdp", f"sdp is larger than {MAX_MESSAGE_BYTES} bytes")
    if kind == "candidate":
        _check_candidate(message.get("candidate"))
    if _strict is not None:
        try:
            _strict(message)
        except _CallCoreError as exc:
            raise SignalError("message", str(exc)) from exc
    return message


def _check_candidate(cand: Any) -> None:
    if not isinstance(cand, dict):
        raise SignalError("message.candidate", "A candidate message needs a candidate object")
    text = cand.get("candidate")
    if not isinstance(text, str) or len(text) > MAX_CANDIDATE_CHARS:
        raise SignalError(
            "message.candidate.candidate", "candidate.candidate must be a string (≤ 2048 chars)"
        )
    mid = cand.get("sdpMid")
    index = cand.get("sdpMLineIndex")
    if mid is not None and (not isinstance(mid, str) or len(mid) > 64):
        raise SignalError("message.candidate.sdpMid", "candidate.sdpMid must be a short string or null")
    if index is not None and (
        not isinstance(index, int) or isinstance(index, bool) or not 0 <= index <= 1024
    ):
        raise SignalError(
            "message.candidate.sdpMLineIndex", "candidate.sdpMLineIndex must be an integer ≥ 0 or null"
        )
    if mid is None and index is None:
        raise SignalError("message.candidate", "A candidate needs sdpMid or sdpMLineIndex")
    ufrag = cand.get("usernameFragment")
    if ufrag is not None and (not isinstance(ufrag, str) or len(ufrag) > 256):
        raise SignalError(
            "message.candidate.usernameFragment", "candidate.usernameFragment must be a string or null"
        )
