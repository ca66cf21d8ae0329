"""Device enumeration for the microphone / speaker / camera pickers, as plain dataclasses.

Every function here returns an empty list rather than raising when a subsystem is missing (no
PortAudio, no sound card, no /dev/video*): a console without devices still makes calls, with a
test-pattern picture and silence, and says so (BASELINES step 5: with no sound card PortAudio lists
nothing and opening a stream raises ``PortAudioError``).
"""

from __future__ import annotations

import logging
import platform
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("videoatencio.call")


@dataclass(frozen=True, slots=True)
class AudioDevice:
    """A PortAudio device; ``index`` is what sounddevice's ``device=`` takes."""

    index: int
    name: str
    host_api: str
    input_channels: int
    output_channels: int
    default_samplerate: float
    is_default_input: bool = False
    is_default_output: bool = False


@dataclass(frozen=True, slots=True)
class CameraDevice:
    """A camera as FFmpeg opens it: ``MediaPlayer(file, format=av_format)``."""

    name: str
    av_format: str  # "v4l2" | "avfoundation" | "dshow"
    file: str  # "/dev/video0" | "0:none" | "video=Integrated Camera"


def list_audio_devices() -> list[AudioDevice]:
    """All PortAudio devices, or ``[]`` when PortAudio or any sound card is missing."""
    try:
        import sounddevice as sd

        devices: Any = sd.query_devices()
        apis: Any = sd.query_hostapis()
        default_in, default_out = sd.default.device
    except (OSError, ImportError) as exc:  # "PortAudio library not found" is an OSError
        log.info("no audio subsystem: %s", exc)
        return []
    out = []
    for i, d in enumerate(devices):
        out.append(
            AudioDevice(
                index=i,
                name=str(d["name"]),
                host_api=str(apis[d["hostapi"]]["name"]),
                input_channels=int(d["max_input_channels"]),
                output_channels=int(d["max_output_channels"]),
                default_samplerate=float(d["default_samplerate"]),
                is_default_input=i == default_in,
                is_default_output=i == default_out,
            )
        )
    return out


def microphones() -> list[AudioDevice]:
    return [d for d in list_audio_devices() if d.input_channels > 0]


def speakers() -> list[AudioDevice]:
    return [d for d in list_audio_devices() if d.output_channels > 0]


def list_cameras() -> list[CameraDevice]:
    """Cameras on this platform, or ``[]``. Linux reads sysfs; Windows/macOS ask Qt Multimedia.

    On Windows and macOS FFmpeg can only *log* its device list, so Qt Multimedia's names are used: they
    are the DirectShow / AVFoundation friendly names FFmpeg opens (untested here: no such machine).
    """
    system = platform.system()
    if system == "Linux":
        return _linux_cameras(Path("/sys/class/video4linux"))
    if system in ("Windows", "Darwin"):
        try:
            from PyQt6.QtMultimedia import QMediaDevices
        except ImportError:
            return []
        names = [dev.description() for dev in QMediaDevices.videoInputs()]
        if system == "Windows":
            return [CameraDevice(n, "dshow", f"video={n}") for n in names]
        # avfoundation also accepts the device name as the file.
        return [CameraDevice(n, "avfoundation", f"{n}:none") for n in names]
    return []


def _linux_cameras(sysfs: Path) -> list[CameraDevice]:
    if not sysfs.is_dir():
        return []
    out = []
    for entry in sorted(sysfs.iterdir(), key=lambda p: _natural(p.name)):
        if not entry.name.startswith("video"):
            continue
        # Only index 0 of a device node is the capture interface; the others are metadata nodes.
        index = entry / "index"
        if index.exists() and index.read_text().strip() not in ("", "0"):
            continue
        name_file = entry / "name"
        name = name_file.read_text().strip() if name_file.exists() else entry.name
        out.append(CameraDevice(name, "v4l2", f"/dev/{entry.name}"))
    return out


def _natural(text: str) -> list[int | str]:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]


def default_camera() -> CameraDevice | None:
    cams = list_cameras()
    return cams[0] if cams else None


def describe_audio_subsystem() -> str:
    """One line for diagnostics ("PortAudio 19.6.0, 0 devices")."""
    try:
        import sounddevice as sd

        return f"{sd.get_portaudio_version()[1]}, {len(sd.query_devices())} devices"
    except (OSError, ImportError) as exc:
        return f"unavailable: {exc}"
