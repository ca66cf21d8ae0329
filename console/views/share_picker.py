"""What to share with the citizen: a whole screen, an application window, or a region.

A view: it is handed the monitors, and the open windows once the service has listed them
(``set_windows``: a list, or None where windows cannot be listed here). It says what was chosen with
``chosen(str, object)``: ("monitor", Region), ("window", AppWindow), or ("region" | "window", None)
for a rectangle the informador then drags (RegionSelector). Non-modal (``open()``): a nested event
loop would re-enter the asyncio loop (STYLE anti-pattern 6).
"""

from __future__ import annotations

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.i18n import _
from console.screenshare.capture import Region
from console.screenshare.window_list import AppWindow

KindRole = Qt.ItemDataRole.UserRole + 1
RegionRole = Qt.ItemDataRole.UserRole + 2


def monitor_choices(monitors: list[Region]) -> list[tuple[str, Region]]:
    """(label, region) per monitor; mss's [0] (the whole desktop) only when there are several."""
    screens = monitors[1:] if len(monitors) > 1 else monitors
    out = [
        (_("Screen {n} ({width} × {height})").format(n=i, width=m.width, height=m.height), m)
        for i, m in enumerate(screens, 1)
    ]
    if len(screens) > 1:
        whole = monitors[0]
        out.append(
            (_("All screens ({width} × {height})").format(width=whole.width, height=whole.height), whole)
        )
    return out


def window_label(window: AppWindow) -> str:
    """ "Title — Application", without repeating an application name the title already carries."""
    if window.app and window.app.casefold() not in window.title.casefold():
        return f"{window.title} — {window.app}"
    return window.title


class SharePicker(QDialog):
    """Signals:
    chosen(str, object): "monitor" with its Region, "window" with its AppWindow, or "region" /
        "window" with None (drag a rectangle)
    """

    chosen = pyqtSignal(str, object)

    def __init__(self, monitors: list[Region] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sharePicker")
        self.setWindowTitle(_("Share your screen"))
        intro = QLabel(_("Choose what the citizen will see. Nothing is recorded."), self)
        intro.setWordWrap(True)
        self.list = QListWidget(self)
        self.list.setObjectName("shareSources")
        self.list.setAccessibleName(_("What to share"))
        for label, region in monitor_choices(monitors or []):
            self._add(label, "monitor", region)
        self._window_rows: list[QListWidgetItem] = [
            self._add(_("Looking for open windows…"), "pending", None)
        ]
        self._window_rows[0].setFlags(Qt.ItemFlag.NoItemFlags)
        self._add(_("A region of the screen…"), "region", None)
        self.window_note = QLabel(self)
        self.window_note.setObjectName("shareWindowNote")
        self.window_note.setWordWrap(True)
        self.window_note.hide()
        self.buttons = QDialogButtonBox(self)
        self.share_button = QPushButton(_("Share"), self)
        self.share_button.setObjectName("shareConfirm")
        self.share_button.setDefault(True)
        self.buttons.addButton(self.share_button, QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = QPushButton(_("Cancel"), self)
        cancel.setObjectName("shareCancel")
        self.buttons.addButton(cancel, QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.list.itemActivated.connect(lambda _item: self.accept())
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.window_note)
        layout.addWidget(self.buttons)
        self.list.setCurrentRow(0)
        self.list.setFocus()
        self.resize(480, 380)

    def _add(self, label: str, kind: str, data: object, row: int | None = None) -> QListWidgetItem:
        item = QListWidgetItem(label)
        item.setData(KindRole, kind)
        item.setData(RegionRole, data)
        if row is None:
            self.list.addItem(item)
        else:
            self.list.insertItem(row, item)
        return item

    def set_windows(self, windows: list[AppWindow] | None) -> None:
        """The open windows (top-most first), or None where they cannot be listed: then "A window…"
        lets the informador drag a rectangle over one, which does not follow it."""
        row = self.list.row(self._window_rows[0])
        current = self.list.currentRow()
        for item in self._window_rows:
            self.list.takeItem(self.list.row(item))
        if windows is None:
            self._window_rows = [self._add(_("A window…"), "window", None, row)]
            self.window_note.setText(
                _(
                    "For a window, drag a rectangle over it. The shared area stays where you drew it: "
                    "it will not follow the window if you move it."
                )
            )
        elif not windows:
            empty = self._add(_("No other windows are open"), "pending", None, row)
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self._window_rows = [empty]
            self.window_note.setText("")
        else:
            self._window_rows = []
            for i, window in enumerate(windows):
                item = self._add(
                    _("Window: {title}").format(title=window_label(window)), "window", window, row + i
                )
                item.setToolTip(f"{window.region.width} × {window.region.height}")
                self._window_rows.append(item)
            self.window_note.setText(
                _(
                    "A shared window is followed when you move it. Whatever covers it is greyed out "
                    "for the citizen, so bring it to the front to show it all."
                )
            )
        self.window_note.setVisible(bool(self.window_note.text()))
        self.list.setCurrentRow(current if current >= 0 else 0)

    def choices(self) -> list[tuple[str, str]]:
        """(label, kind) of every row, for tests and the accessibility walk."""
        rows = (self.list.item(i) for i in range(self.list.count()))
        return [(item.text(), str(item.data(KindRole))) for item in rows if item is not None]

    def select(self, kind: str, index: int = 0) -> None:
        """Select the index-th row of a kind (keyboard users do this with the arrows)."""
        rows = [
            i for i in range(self.list.count()) if (it := self.list.item(i)) and it.data(KindRole) == kind
        ]
        self.list.setCurrentRow(rows[index])

    def accept(self) -> None:
        item = self.list.currentItem()
        if item is not None and item.data(KindRole) == "pending":
            return  # "Looking for windows…" is not a choice
        super().accept()
        if item is not None:
            self.chosen.emit(str(item.data(KindRole)), item.data(RegionRole))
