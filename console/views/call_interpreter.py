"""The call panel's interpreter box: invite an interpreter or translator, hand over the link, see them.

The work is in console/services/interpreter.py; this view only asks for it and shows the results.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QGuiApplication, QImage
from PyQt6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from console.call.video_widget import VideoWidget
from console.i18n import _
from console.services.tasks import spawn

if TYPE_CHECKING:
    from console.services.interpreter import InterpreterService


class InterpreterBox(QGroupBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(_("Interpreter"), parent)
        self.setObjectName("interpreterBox")
        self.invite = QPushButton(_("Invite interpreter…"), self)
        self.invite.setObjectName("inviteInterpreterButton")
        self.remove = QPushButton(_("Remove interpreter"), self)
        self.remove.setObjectName("removeInterpreterButton")
        self.link = QLineEdit(self)
        self.link.setObjectName("interpreterLink")
        self.link.setReadOnly(True)
        self.link.setAccessibleName(_("Interpreter's link"))
        self.copy = QPushButton(_("Copy link"), self)
        self.copy.setObjectName("copyInterpreterLink")
        self.status = QLabel(self)
        self.status.setObjectName("interpreterStatus")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.video = VideoWidget(self, _("Waiting for the interpreter's video…"))
        self.video.setObjectName("interpreterVideo")
        self.video.setAccessibleName(_("Interpreter's video"))
        self.video.setMinimumHeight(90)
        buttons = QHBoxLayout()
        buttons.addWidget(self.invite)
        buttons.addWidget(self.remove)
        link_row = QHBoxLayout()
        link_row.addWidget(self.link, 1)
        link_row.addWidget(self.copy)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addLayout(link_row)
        layout.addWidget(self.status)
        layout.addWidget(self.video)
        self.copy.clicked.connect(self._copy)
        self.reset()
        self.set_live(False)

    def bind(self, service: InterpreterService) -> None:
        """Wire to the service (the composition root calls it once)."""
        self.invite.clicked.connect(lambda: spawn(service.invite()))
        self.remove.clicked.connect(lambda: spawn(service.drop()))
        service.link_ready.connect(self.show_link)
        service.joined.connect(lambda: self._joined(True))
        service.left.connect(lambda: self._joined(False))
        service.video_frame.connect(self.set_image)

    def show_link(self, url: str) -> None:
        self.link.setText(url)
        for widget in (self.link, self.copy):
            widget.show()
        self.status.setText(
            _("Send this link to the interpreter or translator. It works once, and only during this call.")
        )
        self.status.show()

    def set_image(self, image: QImage) -> None:
        self.video.set_image(image)

    def set_live(self, live: bool) -> None:
        self.invite.setEnabled(live)
        if not live:
            self.remove.hide()

    def reset(self) -> None:
        for widget in (self.link, self.copy, self.status, self.video, self.remove):
            widget.hide()
        self.link.clear()

    def _joined(self, joined: bool) -> None:
        self.video.setVisible(joined)
        self.remove.setVisible(joined)
        self.link.hide()
        self.copy.hide()
        if not joined:
            self.video.clear(_("Waiting for the interpreter's video…"))
        self.status.setText(
            _("The interpreter is in the call.") if joined else _("The interpreter has left the call.")
        )
        self.status.show()

    def _copy(self) -> None:
        clipboard = QGuiApplication.clipboard()
        if clipboard is not None:
            clipboard.setText(self.link.text())
        self.status.setText(_("The link was copied."))
