"""The informador's own media for one call: sources behind switchable tracks, and the speaker.

Owns every device handle of a call (camera, microphone stream, speaker stream) so that
:meth:`LocalMedia.close` is the one place that releases them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from aiortc.mediastreams import MediaStreamTrack

from console.call.audio import MicrophoneTrack, NoAudioDevice, SpeakerSink
from console.call.config import MediaSelection
from console.call.media import (
    BlackVideoTrack,
    SilenceTrack,
    SwitchableAudioTrack,
    SwitchableVideoTrack,
    TestPatternTrack,
    ToneTrack,
    open_camera,
)

log = logging.getLogger("videoatencio.call")


class LocalMedia:
    """Builds the sent tracks from a :class:`MediaSelection`; ``notify`` receives user-facing notices."""

    def __init__(self, selection: MediaSelection, notify: Callable[[str], None]) -> None:
        self.selection = selection
        self._notify = notify
        self.audio: SwitchableAudioTrack | None = None
        self.video: SwitchableVideoTrack | None = None
        self.speaker: SpeakerSink | None = None
        self.camera_enabled = True
        self.has_camera = False
        self.has_microphone = False
        self._closed = False

    async def start(self) -> None:
        sel = self.selection
        self.video = SwitchableVideoTrack(await self._open_video_source())
        self.audio = SwitchableAudioTrack(self._open_audio_source())
        if sel.play_remote_audio:
            try:
                self.speaker = SpeakerSink(sel.speaker)
            except NoAudioDevice as exc:
                log.info("%s", exc)
                self._notify("No speaker found: you will not hear the citizen.")

    async def _open_video_source(self) -> MediaStreamTrack:
        sel = self.selection
        if sel.synthetic_video:
            return TestPatternTrack(sel.width, sel.height, sel.fps)
        try:
            # FFmpeg opens devices synchronously (up to hundreds of ms): keep it off the GUI thread.
            track = await asyncio.get_running_loop().run_in_executor(
                None, open_camera, sel.camera, sel.width, sel.height, sel.fps
            )
        except OSError as exc:
            log.info("%s", exc)
            self._notify("No camera available: the citizen sees a test picture.")
            return TestPatternTrack(sel.width, sel.height, sel.fps)
        self.has_camera = True
        return track

    def _open_audio_source(self) -> MediaStreamTrack:
        sel = self.selection
        if sel.synthetic_audio:
            return ToneTrack()
        try:
            track = MicrophoneTrack(sel.microphone)
        except NoAudioDevice as exc:
            log.info("%s", exc)
            self._notify("No microphone found: the citizen will not hear you.")
            return SilenceTrack()
        self.has_microphone = True
        return track

    def set_mic_muted(self, muted: bool) -> None:
        if self.audio is not None:
            self.audio.muted = muted

    @property
    def mic_muted(self) -> bool:
        return self.audio.muted if self.audio is not None else True

    async def set_camera_enabled(self, enabled: bool) -> None:
        """Camera off sends black frames and releases the device (its light goes off); on reopens it."""
        if self.video is None or enabled == self.camera_enabled or self._closed:
            return
        self.camera_enabled = enabled
        new = await self._open_video_source() if enabled else BlackVideoTrack()
        if self._closed:
            new.stop()
            return
        self.video.switch(new).stop()

    def close(self) -> None:
        """Stop every source and close every device stream (idempotent; never raises halfway)."""
        if self._closed:
            return
        self._closed = True
        try:
            for proxy in (self.video, self.audio):
                if proxy is not None:
                    try:
                        proxy.source.stop()
                    finally:
                        proxy.stop()
        finally:
            if self.speaker is not None:
                self.speaker.close()
