"""Media pieces without a network: rendering off the GUI thread, the widget, audio buffering, devices."""

from __future__ import annotations

import asyncio
import threading

import pytest
from PyQt6.QtCore import QSize
from PyQt6.QtGui import QColor, QImage

from console.call import devices
from console.call.audio import MicrophoneTrack, NoAudioDevice, RingBuffer, SpeakerSink
from console.call.media import TestPatternTrack, read_frame_counter
from console.call.rendering import FrameRenderer, frame_to_qimage
from console.call.stats import StatsTracker
from console.call.video_widget import VideoWidget
from tests.call.helpers import wait_until


def test_test_pattern_counter_survives_conversion(arun):
    track = TestPatternTrack(640, 360, 30)

    async def frames():
        return [await track.recv() for _ in range(3)]

    got = arun(frames())
    track.stop()
    assert [read_frame_counter(f) for f in got] == [0, 1, 2]
    image = frame_to_qimage(got[2], QSize(320, 320))
    assert (image.width(), image.height()) == (320, 180)  # scaled to fit, aspect ratio kept


def test_renderer_converts_off_the_gui_thread_and_drops_stale_frames(arun):
    renderer = FrameRenderer("t")
    threads: list[str] = []
    images: list[QImage] = []
    renderer.frame_ready.connect(images.append)
    from console.call import rendering

    original = rendering.frame_to_qimage

    def spy(frame, target):
        threads.append(threading.current_thread().name)
        return original(frame, target)

    rendering.frame_to_qimage = spy
    try:
        track = TestPatternTrack(1280, 720, 1000)

        async def feed():
            for _ in range(10):  # faster than conversion: only the newest pending frame survives
                renderer.submit(await track.recv())
            await wait_until(lambda: not renderer._busy, limit=3, what="conversions done")

        arun(feed())
    finally:
        rendering.frame_to_qimage = original
        renderer.close()
    assert threads and all(name.startswith("call-render-t") for name in threads)
    assert renderer.converted == len(threads)
    assert renderer.dropped > 0 and images
    assert not any(t.name.startswith("call-render-t") for t in threading.enumerate())


def test_video_widget_keeps_aspect_ratio(qtbot):
    widget = VideoWidget(placeholder="Esperant vídeo…")
    qtbot.addWidget(widget)
    widget.resize(400, 400)
    widget.show()
    sizes: list[QSize] = []
    widget.display_size_changed.connect(sizes.append)
    widget.resize(800, 400)
    image = QImage(160, 90, QImage.Format.Format_RGB888)
    image.fill(QColor(200, 10, 10))
    widget.set_image(image)
    rect = widget.image_rect()
    assert (rect.width(), rect.height()) == (711, 400) and rect.x() == 44
    shot = widget.grab().toImage()  # runs paintEvent
    assert widget.frames_painted >= 1
    assert shot.pixelColor(400, 200).red() > 150 and shot.pixelColor(10, 200).red() < 20  # letterboxed
    assert sizes and sizes[-1].width() >= 800


def test_ring_buffer_prefills_bounds_latency_and_survives_underruns():
    ring = RingBuffer(capacity=100, prefill=40)
    ring.write(b"\x01" * 30)
    assert ring.read(10) == bytes(10)  # still pre-filling: silence
    ring.write(b"\x02" * 20)
    assert ring.read(10) == b"\x01" * 10
    ring.write(b"\x03" * 200)  # a burst after jitter: oldest dropped, latency stays bounded
    assert len(ring) == 100 and ring.overflows == 1
    assert ring.read(100) == b"\x03" * 100
    assert ring.read(10) == bytes(10) and ring.underruns == 1

    def hammer():
        for _ in range(2000):
            ring.write(b"\x04" * 7)

    threads = [threading.Thread(target=hammer) for _ in range(3)]
    for t in threads:
        t.start()
    for _ in range(2000):
        assert len(ring.read(5)) == 5
    for t in threads:
        t.join()


def test_no_sound_card_is_reported_not_fatal(arun):
    """BASELINES step 5: no sound card → PortAudio lists nothing and streams raise."""
    if devices.microphones():
        pytest.skip("this machine has a microphone")

    async def open_mic():
        return MicrophoneTrack()

    with pytest.raises(NoAudioDevice, match="cannot open the microphone"):
        arun(open_mic())
    with pytest.raises(NoAudioDevice, match="cannot open the speaker"):
        SpeakerSink()
    assert devices.speakers() == []


def test_device_listing_is_plain_data(tmp_path):
    sysfs = tmp_path / "video4linux"
    for name, label, index in [("video0", "Integrated Camera", "0"), ("video1", "Integrated Camera", "1")]:
        (sysfs / name).mkdir(parents=True)
        (sysfs / name / "name").write_text(label + "\n")
        (sysfs / name / "index").write_text(index + "\n")
    cams = devices._linux_cameras(sysfs)
    assert cams == [devices.CameraDevice("Integrated Camera", "v4l2", "/dev/video0")]
    assert isinstance(devices.list_cameras(), list)
    assert isinstance(devices.list_audio_devices(), list)


def test_stats_rates_loss_and_rtt():
    class S:
        def __init__(self, **kw):
            self.__dict__.update(kw)

    tracker = StatsTracker()

    def report(sent, recv, packets, lost, rtt):
        return {
            "o": S(type="outbound-rtp", bytesSent=sent),
            "t": S(type="transport", bytesReceived=recv),
            "i": S(type="inbound-rtp", packetsReceived=packets, packetsLost=lost),
            "r": S(type="remote-inbound-rtp", roundTripTime=rtt, fractionLost=26),
        }

    first = tracker.update(report(0, 0, 0, 0, None), 10.0, video_fps=0, video_size=None, generation=1)
    assert first.outbound_kbps == 0 and first.inbound_loss_pct is None and first.rtt_ms is None
    s = tracker.update(
        report(125_000, 250_000, 95, 5, 0.042), 11.0, video_fps=30, video_size=(640, 360), generation=1
    )
    assert (s.outbound_kbps, s.inbound_kbps, s.inbound_loss_pct, s.rtt_ms) == (1000.0, 2000.0, 5.0, 42.0)
    assert s.outbound_loss_pct == pytest.approx(10.16, abs=0.01) and s.quality == "poor"  # > 10 % loss


def test_importing_the_call_seams_does_not_load_aiortc():
    import subprocess
    import sys

    code = (
        "import sys; import console.call.session, console.call.signaling, console.call.messages, "
        "console.call.state, console.call.video_widget; "
        "print(any(m == 'aiortc' or m.startswith(('aiortc.', 'av.')) or m == 'av' for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_event_loop_is_free_while_frames_convert(arun):
    """A 1080p conversion must not block the loop: a 5 ms ticker keeps ticking meanwhile."""
    renderer = FrameRenderer("lag")
    track = TestPatternTrack(1920, 1080, 1000)

    async def scenario():
        frames = [await track.recv() for _ in range(5)]
        ticks = 0
        done = asyncio.Event()
        renderer.frame_ready.connect(lambda _img: done.set() if renderer.converted >= 2 else None)
        for f in frames:
            renderer.submit(f)
        while not done.is_set():
            await asyncio.sleep(0.005)
            ticks += 1
        return ticks

    try:
        assert arun(scenario(), timeout=10) >= 1
    finally:
        renderer.close()
        track.stop()
