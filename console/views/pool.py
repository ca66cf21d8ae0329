"""The informador's view of the shared pool: who is waiting that they may serve, one-click "Take next",
their presence state, and a clear message when someone else was faster."""

from __future__ import annotations

from typing import Any

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.i18n import _
from console.labels import language_name
from console.models.board_models import STATE_NAMES, format_wait
from console.views.tone import set_tone


class PoolView(QWidget):
    """Signals: take_next_requested, take_requested(kind, id), state_requested(state)."""

    take_next_requested = pyqtSignal()
    take_requested = pyqtSignal(str, str)
    state_requested = pyqtSignal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("poolView")
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        state_label = QLabel(_("My state"))
        top.addWidget(state_label)
        self.state = QComboBox()
        state_label.setBuddy(self.state)
        for code in ("available", "away", "wrap_up", "in_call"):
            self.state.addItem(_(STATE_NAMES[code]), code)
        # "In a call" is shown, never chosen: the call sets it.
        in_call = self.state.model().item(self.state.count() - 1)  # type: ignore[union-attr]
        in_call.setEnabled(False)
        self.state.activated.connect(lambda _i: self.state_requested.emit(str(self.state.currentData())))
        top.addWidget(self.state)
        top.addStretch(1)
        self.take_next = QPushButton(_("Take next"))
        self.take_next.setObjectName("takeNext")
        self.take_next.setMinimumHeight(40)
        self.take_next.clicked.connect(self.take_next_requested)
        top.addWidget(self.take_next)
        layout.addLayout(top)
        self.message = QLabel()
        self.message.setObjectName("poolMessage")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.message.hide()
        layout.addWidget(self.message)
        self.list = QListWidget()
        self.list.setAccessibleName(_("Waiting citizens"))
        self.list.itemDoubleClicked.connect(self._on_double_click)
        layout.addWidget(self.list, 1)

    def show_state(self, state: str) -> None:
        """The state the board shows for me, also when the call changed it (in a call, wrap-up, available)."""
        index = self.state.findData(state)
        if index >= 0:
            self.state.setCurrentIndex(index)

    def show_items(self, items: list[dict[str, Any]]) -> None:
        self.list.clear()
        for item in items:
            who = str(item.get("label") or item.get("citizen_name") or "")
            wait = (
                format_wait(float(item["waiting_s"]))
                if item.get("waiting_s") is not None
                else _("not here yet")
            )
            text = f"{who} · {item.get('office_code')} · {language_name(str(item.get('language')))} · " \
                   f"{item.get('tramit_code')} · {wait}"  # fmt: skip
            entry = QListWidgetItem(text)  # plain text: citizen names are never markup
            entry.setData(Qt.ItemDataRole.UserRole, (str(item["kind"]), str(item["id"])))
            self.list.addItem(entry)
        self.take_next.setEnabled(bool(items))
        if not items:
            self.list.addItem(_("Nobody is waiting for you in the pool right now"))

    def show_message(self, text: str, error: bool) -> None:
        self.message.setText(text)
        set_tone(self.message, "error" if error else "ok")
        self.message.show()

    def _on_double_click(self, entry: QListWidgetItem) -> None:
        data = entry.data(Qt.ItemDataRole.UserRole)
        if data:
            self.take_requested.emit(*data)
