"""The devices chosen in Settings reach calls; one that is unplugged falls back and says so."""

from __future__ import annotations

from console.call import devices
from console.services.call import CallService
from console.sync.api import BackendApi


def test_stored_devices_are_resolved_by_name_and_missing_ones_reported(arun, qtbot):
    # This machine has no sound card (BASELINES): whatever is stored is "not connected now".
    present_mics = [d.name for d in devices.microphones()]
    api = BackendApi("http://127.0.0.1:9")
    service = CallService(api)
    try:
        with qtbot.waitSignal(service.notice, timeout=5000) as notice:
            arun(service.use_stored_devices("USB headset (unplugged)", "", ""))
        assert "USB headset (unplugged)" in notice.args[0]
        assert service.selection.microphone is None  # the system default
        assert service.selection.speaker is None and service.selection.camera is None
        assert "USB headset (unplugged)" not in present_mics
    finally:
        arun(service.shutdown())
        api.shutdown()


def test_defaults_need_no_notice(arun, qtbot):
    api = BackendApi("http://127.0.0.1:9")
    service = CallService(api)
    notices: list[str] = []
    service.notice.connect(notices.append)
    try:
        arun(service.use_stored_devices("", "", ""))
        assert notices == []
        assert service.selection.microphone is None
    finally:
        arun(service.shutdown())
        api.shutdown()


def test_remembering_devices_does_not_touch_the_audio_library(qtbot):
    import sys

    api = BackendApi("http://127.0.0.1:9")
    service = CallService(api)
    before = "sounddevice" in sys.modules
    service.remember_devices("Mic", "Speaker", "Camera")
    assert ("sounddevice" in sys.modules) == before  # resolved only when a call is prepared
    assert service._stored_devices == ("Mic", "Speaker", "Camera")
    api.shutdown()
