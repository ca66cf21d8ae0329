"""Demo mode: what the citizen received (link and PIN), and a button to open the link in a browser."""

from __future__ import annotations

from PyQt6.QtCore import Qt, QUrl, pyqtSignal
from PyQt6.QtGui import QDesktopServices
from PyQt6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.i18n import _


class CitizenMessagesDialog(QDialog):
    """Non-modal; filled by :meth:`show_messages` once the demo service has read the outbox.

    Signals:
        refresh_requested(str): appointment id
    """

    refresh_requested = pyqtSignal(str)

    def __init__(self, appointment_id: str, citizen: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.appointment_id = appointment_id
        self.link: str | None = None
        self.setWindowTitle(_("Demo: citizen link and PIN"))
        self.setObjectName("demoCitizenDialog")
        self.resize(560, 360)
        intro = QLabel(
            _(
                "In the demo no SMS or e-mail leaves this computer. These are the messages sent to {citizen}."
            ).format(citizen=citizen),
            self,
        )
        intro.setTextFormat(Qt.TextFormat.PlainText)
        intro.setWordWrap(True)
        self.summary = QLabel(self)
        self.summary.setObjectName("demoSummary")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.messages = QPlainTextEdit(self)
        self.messages.setReadOnly(True)
        self.messages.setAccessibleName(_("Messages sent to the citizen"))
        self.open_link = QPushButton(_("Open the citizen link in the browser"), self)
        self.open_link.setObjectName("openCitizenLink")
        self.open_link.setEnabled(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        refresh = buttons.addButton(_("Refresh"), QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.summary)
        layout.addWidget(self.messages, 1)
        layout.addWidget(self.open_link)
        layout.addWidget(buttons)
        buttons.rejected.connect(self.close)
        assert refresh is not None
        refresh.clicked.connect(lambda: self.refresh_requested.emit(self.appointment_id))
        self.open_link.clicked.connect(self._open)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def show_messages(self, messages: list[object], link: str | None, pin: str | None) -> None:
        self.link = link
        if not messages:
            self.summary.setText(_("Nothing sent yet: use Send link and Send PIN in the agenda first."))
        else:
            self.summary.setText(_("Link: {link}\nPIN: {pin}").format(link=link or "—", pin=pin or "—"))
        self.messages.setPlainText(
            "\n\n".join(
                f"[{getattr(m, 'created_at', '')}] {getattr(m, 'channel', '')} → {getattr(m, 'to', '')}\n"
                f"{getattr(m, 'body', '')}"
                for m in messages
            )
        )
        self.open_link.setEnabled(link is not None)

    def _open(self) -> None:
        if self.link:
            QDesktopServices.openUrl(QUrl(self.link))
