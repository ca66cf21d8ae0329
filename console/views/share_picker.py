"""What to share with the citizen: a whole screen, a region, or a window's rectangle.

A view: it is handed the monitors (the composition root lists them) and says what was chosen with
``chosen(str, object)``: ("monitor", Region) or ("region" | "window", None); for the last two the
caller lets the informador drag the rectangle (RegionSelector). Non-modal (``open()``): a nested event
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


class SharePicker(QDialog):
    """Signals:
    chosen(str, object): "monitor" with its Region, or "region" / "window" with None
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
        self._add(_("A region of the screen…"), "region", None)
        self._add(_("A window…"), "window", None)
        self.window_note = QLabel(
            _(
                "For a window, drag a rectangle over it. The shared area stays where you drew it: "
                "it will not follow the window if you move it."
            ),
            self,
        )
        self.window_note.setObjectName("shareWindowNote")
        self.window_note.setWordWrap(True)
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
        self.resize(420, 320)

    def _add(self, label: str, kind: str, region: Region | None) -> None:
        item = QListWidgetItem(label, self.list)
        item.setData(KindRole, kind)
        item.setData(RegionRole, region)

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
        super().accept()
        if item is not None:
            self.chosen.emit(str(item.data(KindRole)), item.data(RegionRole))
