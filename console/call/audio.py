"""Microphone capture and speaker playback through sounddevice (PortAudio).

PortAudio calls back on its own real-time thread. The microphone hands each 20 ms block to the asyncio
loop with ``call_soon_threadsafe`` into a bounded queue (oldest dropped: latency stays bounded if the
encoder falls behind). The speaker is fed from the loop into a lock-protected ring buffer that the
callback drains; it pre-fills a little after every underrun so network jitter does not turn into
crackle. Without a sound card both raise :class:`NoAudioDevice` and the session falls back to silence.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import logging
import threading
from typing import Any

import av
import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from console.call.devices import AudioDevice
from console.call.media import AUDIO_RATE, AUDIO_SAMPLES

log = logging.getLogger("videoatencio.call")

MIC_QUEUE_FRAMES = 10  # 200 ms


class NoAudioDevice(OSError):
    """No usable microphone/speaker (none present, busy, or PortAudio missing)."""


class MicrophoneTrack(MediaStreamTrack):
    """48 kHz mono s16 frames of 20 ms from a sounddevice ``InputStream``."""

    kind = "audio"

    def __init__(self, device: AudioDevice | None = None) -> None:
        super().__init__()
        self._event_loop = asyncio.get_running_loop()
        self._queue: asyncio.Queue[bytes] = asyncio.Queue(MIC_QUEUE_FRAMES)
        self._pts = 0
        self.dropped = 0
        try:
            import sounddevice as sd

            self._stream: Any = sd.InputStream(
                samplerate=AUDIO_RATE,
                channels=1,
                dtype="int16",
                blocksize=AUDIO_SAMPLES,
                device=device.index if device else None,
                callback=self._callback,
            )
            self._stream.start()
        except Exception as exc:  # PortAudioError derives from Exception only; also OSError (no PortAudio)
            raise NoAudioDevice(f"cannot open the microphone: {exc}") from exc

    def _callback(self, indata: Any, frames: int, time_info: Any, status: Any) -> None:
        # PortAudio thread: copy out, never touch asyncio objects directly.
        data = bytes(indata)
        with contextlib.suppress(RuntimeError):  # the loop is closed during shutdown
            self._event_loop.call_soon_threadsafe(self._push, data)

    def _push(self, data: bytes) -> None:
        if self._queue.full():
            self._queue.get_nowait()
            self.dropped += 1
        self._queue.put_nowait(data)

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        try:
            data = await asyncio.wait_for(self._queue.get(), 0.5)
        except TimeoutError:
            # The device stalled (unplugged?): keep RTP flowing with silence rather than blocking.
            data = bytes(AUDIO_SAMPLES * 2)
        pcm = np.frombuffer(data, np.int16)
        frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = AUDIO_RATE
        frame.pts = self._pts
        frame.time_base = fractions.Fraction(1, AUDIO_RATE)
        self._pts += pcm.size
        return frame

    def stop(self) -> None:
        super().stop()
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.stop()
            finally:
                stream.close()


class RingBuffer:
    """A thread-safe byte FIFO with a bounded size (oldest bytes dropped) and underrun pre-fill."""

    def __init__(self, capacity: int, prefill: int) -> None:
        self._buf = bytearray()
        self._lock = threading.Lock()
        self.capacity = capacity
        self.prefill = prefill
        self._primed = False
        self.underruns = 0
        self.overflows = 0

    def write(self, data: bytes) -> None:
        with self._lock:
            self._buf += data
            excess = len(self._buf) - self.capacity
            if excess > 0:
                del self._buf[:excess]
                self.overflows += 1

    def read(self, n: int) -> bytes:
        """Exactly ``n`` bytes: data, or silence while (re)filling after an underrun."""
        with self._lock:
            if not self._primed:
                if len(self._buf) < self.prefill:
                    return bytes(n)
                self._primed = True
            if len(self._buf) < n:
                self._primed = False
                self.underruns += 1
                out = bytes(self._buf) + bytes(n - len(self._buf))
                self._buf.clear()
                return out
            out = bytes(self._buf[:n])
            del self._buf[:n]
            return out

    def __len__(self) -> int:
        with self._lock:
            return len(self._buf)


class SpeakerSink:
    """Plays remote audio frames on a sounddevice ``OutputStream``."""

    def __init__(self, device: AudioDevice | None = None) -> None:
        self._ring = RingBuffer(
            capacity=AUDIO_RATE * 2 * 3 // 10, prefill=AUDIO_RATE * 2 * 6 // 100
        )  # 300/60 ms
        self._resampler = av.AudioResampler(format="s16", layout="mono", rate=AUDIO_RATE)
        try:
            import sounddevice as sd

            self._stream: Any = sd.RawOutputStream(
                samplerate=AUDIO_RATE,
                channels=1,
                dtype="int16",
                blocksize=AUDIO_SAMPLES,
                device=device.index if device else None,
                callback=self._callback,
            )
            self._stream.start()
        except Exception as exc:  # PortAudioError does not derive from OSError
            raise NoAudioDevice(f"cannot open the speaker: {exc}") from exc

    def _callback(self, outdata: Any, frames: int, time_info: Any, status: Any) -> None:
        outdata[:] = self._ring.read(len(outdata))

    def play(self, frame: av.AudioFrame) -> None:
        for out in self._resampler.resample(frame):
            self._ring.write(bytes(out.planes[0])[: out.samples * 2])

    def close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.stop()
            finally:
                stream.close()
