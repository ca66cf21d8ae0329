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
from console.screenshare.window_list import AppWindow
from console.views.call_panel import CallPanel
from console.views.share_picker import KindRole, SharePicker
from tests.console.test_screenshots import save

MONITORS = [Region(0, 0, 3840, 1080), Region(0, 0, 1920, 1080), Region(1920, 0, 1920, 1080)]
WINDOWS = [
    AppWindow(7, "Sol·licitud d'ajut", "Firefox", Region(100, 100, 1200, 800)),
    AppWindow(42, "LibreOffice Writer", "libreoffice", Region(2000, 50, 1600, 1000)),
]


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
    wanted: list[bool] = []
    share.windows_wanted.connect(lambda: wanted.append(True))
    share.share_button.click()
    qtbot.waitUntil(lambda: share.picker is not None and share.picker.isVisible())
    picker = share.picker
    assert wanted == [True]  # the service lists the windows off the GUI thread meanwhile
    kinds = ["monitor", "monitor", "monitor", "pending", "region"]
    assert [kind for _label, kind in picker.choices()] == kinds
    assert picker.choices()[0][0] == "Screen 1 (1920 × 1080)"
    assert picker.choices()[2][0] == "All screens (3840 × 1080)"
    assert picker.choices()[3][0] == "Looking for open windows…"
    requested: list[ShareSource] = []
    share.share_requested.connect(requested.append)
    picker.select("monitor", 1)
    QTest.keyClick(picker.list, Qt.Key.Key_Return)
    assert requested == [ShareSource("monitor", MONITORS[2])]


def test_picker_lists_the_open_windows_and_shares_one_followed(qtbot):
    panel = _panel(qtbot)
    share = panel.screen_share
    share.monitor_provider = lambda: MONITORS
    panel.set_state(CallState.CONNECTED)
    picker = share.open_picker()
    qtbot.waitUntil(picker.isVisible)
    share.set_windows(WINDOWS)
    assert [label for label, kind in picker.choices() if kind == "window"] == [
        "Window: Sol·licitud d'ajut — Firefox",
        "Window: LibreOffice Writer",
    ]
    assert picker.choices()[-1][1] == "region"
    assert "greyed out" in picker.window_note.text() and picker.window_note.isVisible()
    assert picker.list.currentRow() == 0  # the listing arriving does not move the selection
    save(picker, "share-picker-windows")
    requested: list[ShareSource] = []
    share.share_requested.connect(requested.append)
    picker.select("window", 1)
    QTest.keyClick(picker.list, Qt.Key.Key_Return)
    assert requested == [ShareSource("window", WINDOWS[1].region, "LibreOffice Writer", 42)]


def test_picker_without_windows(qtbot):
    picker = SharePicker(MONITORS[1:2])
    qtbot.addWidget(picker)
    picker.set_windows([])
    assert ("No other windows are open", "pending") in picker.choices()
    QTest.keyClick(picker.list, Qt.Key.Key_Down)  # the arrow skips the note row
    assert picker.list.currentItem().data(KindRole) == "region"
    chosen: list[str] = []
    picker.chosen.connect(lambda kind, _data: chosen.append(kind))
    picker.select("pending")
    picker.accept()  # a note is not a choice: nothing happens
    assert chosen == [] and picker.result() == 0
    picker.set_windows(None)  # the window system cannot list them: drag a rectangle instead
    assert ("A window…", "window") in picker.choices()
    assert "not follow the window" in picker.window_note.text()


# Top-level overlay windows: the offscreen plugin cannot raise them or size them by hints.
@pytest.mark.qt_log_ignore("This plugin does not support")
def test_region_and_window_open_the_selector(qtbot):
    picker = SharePicker(MONITORS[1:2])
    qtbot.addWidget(picker)
    chosen: list[tuple[str, object]] = []
    picker.chosen.connect(lambda kind, region: chosen.append((kind, region)))
    picker.set_windows(None)
    assert [k for _l, k in picker.choices()] == ["monitor", "window", "region"]
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
