"""The call panel's screen-sharing controls, offscreen with the real widgets: the "Share screen…"
button's states, the source picker, the sharing indicator and own preview, and the switch to the
citizen's screen. The capture itself needs a real X screen (mss): tests/screenshare under Xvfb."""

from __future__ import annotations

import pytest
from PyQt6.QtCore import QPoint, Qt
from PyQt6.QtGui import QColor, QImage, QShortcut
from PyQt6.QtTest import QTest

from console.call.state import CallState
from console.screenshare.capture import Region, ShareSource
from console.views.call_panel import CallPanel
from console.views.share_picker import SharePicker

MONITORS = [Region(0, 0, 3840, 1080), Region(0, 0, 1920, 1080), Region(1920, 0, 1920, 1080)]


def _panel(qtbot) -> CallPanel:
    panel = CallPanel()
    qtbot.addWidget(panel)
    panel.resize(1200, 800)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def test_share_button_follows_the_call_and_opens_the_picker(qtbot):
    panel = _panel(qtbot)
    share = panel.screen_share
    share.monitor_provider = lambda: MONITORS
    assert share.share_button.text() == "Share screen…" and not share.share_button.isEnabled()
    panel.set_state(CallState.CONNECTED)
    assert share.share_button.isEnabled()
    assert share.share_button.accessibleName()
    keys = {sc.key().toString() for sc in panel.findChildren(QShortcut)}
    assert "Ctrl+Shift+S" in keys
    share.share_button.click()
    qtbot.waitUntil(lambda: share.picker is not None and share.picker.isVisible())
    picker = share.picker
    assert [kind for _label, kind in picker.choices()] == [
        "monitor",
        "monitor",
        "monitor",
        "region",
        "window",
    ]
    assert picker.choices()[0][0] == "Screen 1 (1920 × 1080)"
    assert picker.choices()[2][0] == "All screens (3840 × 1080)"
    assert "not follow the window" in picker.window_note.text()
    requested: list[ShareSource] = []
    share.share_requested.connect(requested.append)
    picker.select("monitor", 1)
    QTest.keyClick(picker.list, Qt.Key.Key_Return)
    assert requested == [ShareSource("monitor", MONITORS[2])]


# Top-level overlay windows: the offscreen plugin cannot raise them or size them by hints.
@pytest.mark.qt_log_ignore("This plugin does not support")
def test_region_and_window_open_the_selector(qtbot):
    picker = SharePicker(MONITORS[1:2])
    qtbot.addWidget(picker)
    chosen: list[tuple[str, object]] = []
    picker.chosen.connect(lambda kind, region: chosen.append((kind, region)))
    assert [k for _l, k in picker.choices()] == ["monitor", "region", "window"]
    picker.select("window")
    picker.accept()
    assert chosen == [("window", None)]

    panel = _panel(qtbot)
    requested: list[ShareSource] = []
    panel.screen_share.share_requested.connect(requested.append)
    selector = panel.screen_share.select_region("window")
    assert "not follow the window" in selector.hint
    QTest.mousePress(selector, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(10, 10))
    QTest.mouseRelease(selector, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(210, 110))
    assert len(requested) == 1 and requested[0].kind == "window"
    assert (requested[0].region.width, requested[0].region.height) == (200, 100)


# Top-level overlay windows: the offscreen plugin cannot raise them or size them by hints.
@pytest.mark.qt_log_ignore("This plugin does not support")
def test_sharing_state_indicator_preview_and_stop(qtbot):
    panel = _panel(qtbot)
    share = panel.screen_share
    panel.set_state(CallState.CONNECTED)
    stops: list[bool] = []
    share.stop_requested.connect(lambda: stops.append(True))
    share.set_sharing(True, ShareSource("region", Region(100, 100, 400, 300)))
    assert share.share_button.text() == "Stop sharing"
    assert share.preview_box.isVisible() and share.indicator is not None
    image = QImage(480, 270, QImage.Format.Format_RGB32)
    image.fill(QColor(0, 90, 156))
    share.set_preview(image)
    share.set_own_pointer(0.5, 0.5, True)
    assert share.preview.remote_pointer == (0.5, 0.5)
    share.indicator.stop_button.click()
    share.share_button.click()
    assert stops == [True, True]
    share.set_sharing(False, None)
    assert share.share_button.text() == "Share screen…" and share.indicator is None
    assert not share.preview_box.isVisible()
    # The end of the call resets everything, a running share included.
    share.set_sharing(True, ShareSource("monitor", Region(0, 0, 640, 480)))
    panel.set_state(CallState.ENDED)
    assert share.indicator is None and not share.share_button.isEnabled()


def test_citizen_screen_becomes_the_main_picture(qtbot):
    panel = _panel(qtbot)
    share = panel.screen_share
    panel.set_state(CallState.CONNECTED)
    assert panel.remote_video.isVisible() and not share.guidance.isVisible()
    share.set_remote_share(True, 1600, 900)
    assert share.guidance.isVisible() and not panel.remote_video.isVisible()
    assert share.camera_thumb.isVisible()
    drafts = []
    share.mark_drawn.connect(drafts.append)
    share.guidance.tool_buttons["arrow"].click()
    view = share.view
    a, b = view.from_fraction(0.2, 0.2).toPoint(), view.from_fraction(0.6, 0.5).toPoint()
    QTest.mousePress(view, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    QTest.mouseRelease(view, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)
    assert len(drafts) == 1 and drafts[0].kind == "arrow" and drafts[0].surface == "citizen"
    share.set_remote_share(False, 0, 0)
    assert panel.remote_video.isVisible() and not share.guidance.isVisible()
