"""The login screen: server address, user and password."""

from __future__ import annotations

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.i18n import _


class LoginView(QWidget):
    """Signals:
    login_requested: args: server URL, user name, password
    """

    login_requested = pyqtSignal(str, str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("loginView")
        card = QFrame(self)
        card.setObjectName("loginCard")
        card.setFixedWidth(460)

        title = QLabel(_("Videoatenció"), card)
        title.setObjectName("loginTitle")
        subtitle = QLabel(_("Citizen video service console"), card)
        subtitle.setObjectName("loginSubtitle")

        self.server = QLineEdit(card)
        self.server.setPlaceholderText("https://videoatencio.example.cat")
        self.username = QLineEdit(card)
        self.password = QLineEdit(card)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.submit = QPushButton(_("Log in"), card)
        self.submit.setObjectName("primaryButton")
        self.submit.setDefault(True)

        self.message = QLabel(card)
        self.message.setObjectName("loginError")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.hide()

        self.store_notice = QLabel(card)
        self.store_notice.setObjectName("storeNotice")
        self.store_notice.setWordWrap(True)
        self.store_notice.setTextFormat(Qt.TextFormat.PlainText)
        self.store_notice.hide()

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        form.setVerticalSpacing(10)
        for text, field in (
            (_("Server"), self.server),
            (_("User"), self.username),
            (_("Password"), self.password),
        ):
            label = QLabel(text, card)
            label.setBuddy(field)
            # QFormLayout top-aligns labels; as tall as the field, they sit centred beside it.
            label.setMinimumHeight(field.sizeHint().height())
            label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            form.addRow(label, field)

        inner = QVBoxLayout(card)
        inner.setContentsMargins(32, 28, 32, 28)
        inner.setSpacing(12)
        inner.addWidget(title)
        inner.addWidget(subtitle)
        inner.addSpacing(8)
        inner.addLayout(form)
        inner.addWidget(self.message)
        inner.addWidget(self.submit)
        inner.addWidget(self.store_notice)

        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(card, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)

        self.submit.clicked.connect(self._on_submit_clicked)
        self.password.returnPressed.connect(self._on_submit_clicked)

    def _on_submit_clicked(self) -> None:
        self.message.hide()
        self.login_requested.emit(
            self.server.text().strip(), self.username.text().strip(), self.password.text()
        )

    def prefill(self, server_url: str, username: str) -> None:
        self.server.setText(server_url)
        self.username.setText(username)
        (self.password if server_url and username else self.server).setFocus()

    def set_busy(self, busy: bool) -> None:
        self.submit.setEnabled(not busy)
        self.submit.setText(_("Logging in…") if busy else _("Log in"))

    def show_error(self, message: str) -> None:
        self.set_busy(False)
        self.password.clear()
        self.message.setText(message)
        self.message.show()

    def set_secure_store(self, secure: bool) -> None:
        if secure:
            self.store_notice.hide()
            return
        self.store_notice.setText(
            _(
                "No secure password store (keyring) is available on this computer. "
                "Your session will be kept in memory only: you will need to log in again "
                "next time. Nothing is saved to disk."
            )
        )
        self.store_notice.show()

    def set_store_failed(self) -> str:
        """The keyring refused to save this session: say what it means. Returns the text shown."""
        text = _("Could not save your session in the keyring: you will be asked for the password next time.")
        self.store_notice.setText(text)
        self.store_notice.show()
        return text
