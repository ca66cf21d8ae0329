"""The window shell: login or workspace (tabs the other views plug into), and the status bar."""

from __future__ import annotations

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QAction, QCloseEvent, QKeySequence
from PyQt6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QWidget,
)

from console.accessibility import name_from_hints
from console.domain.staff import Office, Staff
from console.i18n import _, ngettext
from console.views.login import LoginView
from console.views.tone import repolish


class MainWindow(QMainWindow):
    """Holds screens and the status bar; no logic.

    Signals:
        closing: the user closed the window (the app decides how to quit).
    """

    closing = pyqtSignal()
    retry_requested = pyqtSignal()
    settings_requested = pyqtSignal()

    def __init__(self, login: LoginView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Videoatenció"))
        self.setObjectName("mainWindow")
        self.resize(1440, 860)
        self.login = login
        self.workspace = QTabWidget(self)
        self.workspace.setObjectName("workspace")
        self.workspace.setDocumentMode(True)
        self.workspace.setAccessibleName(_("Workspace"))
        self.stack = QStackedWidget(self)
        self.stack.addWidget(login)
        self.stack.addWidget(self.workspace)
        self.setCentralWidget(self.stack)

        menu = self.menuBar().addMenu(_("&Console"))  # type: ignore[union-attr]
        assert menu is not None
        self.settings_action = QAction(_("&Settings…"), self)
        # Ctrl+, as in most desktop apps (also the platform's Preferences key where it has one).
        self.settings_action.setShortcuts([QKeySequence("Ctrl+,"), QKeySequence.StandardKey.Preferences])
        self.settings_action.triggered.connect(self.settings_requested)
        menu.addAction(self.settings_action)

        bar = self.statusBar()
        assert bar is not None
        bar.setSizeGripEnabled(False)
        self.connection = QLabel(self)
        self.connection.setObjectName("connection")
        self.retry = QPushButton(_("Retry now"), self)
        self.retry.setObjectName("retryButton")
        self.retry.setFlat(True)
        self.retry.hide()
        self.retry.clicked.connect(self.retry_requested)
        self.pending = QLabel(self)
        self.pending.setObjectName("pendingCount")
        self.pending.hide()
        self.user = QLabel(self)
        self.user.setObjectName("userLabel")
        self.user.setTextFormat(Qt.TextFormat.PlainText)
        bar.addWidget(self.connection)
        bar.addWidget(self.retry)
        bar.addWidget(self.pending)
        bar.addPermanentWidget(self.user)
        self.set_online(None)

    def add_view(self, widget: QWidget, title: str) -> int:
        """Other screens (call panel, checklist, wizard…) plug in here."""
        name_from_hints(widget)
        return self.workspace.addTab(widget, title)

    def show_login(self) -> None:
        self.stack.setCurrentWidget(self.login)

    def show_workspace(self) -> None:
        self.stack.setCurrentWidget(self.workspace)

    def set_online(self, online: bool | None) -> None:
        if online is None:
            text, state = _("Not connected"), "unknown"
        elif online:
            text, state = _("Online"), "online"
        else:
            text, state = _("Offline: working from the saved copy"), "offline"
        self.connection.setText(f"●  {text}")
        self.retry.setVisible(online is False)
        self.connection.setProperty("state", state)
        repolish(self.connection)

    def set_pending_count(self, pending: int, conflicts: int) -> None:
        parts = []
        if pending:
            parts.append(
                ngettext("{n} change waiting to sync", "{n} changes waiting to sync", pending).format(
                    n=pending
                )
            )
        if conflicts:
            parts.append(ngettext("{n} conflict", "{n} conflicts", conflicts).format(n=conflicts))
        self.pending.setText(" · ".join(parts))
        self.pending.setVisible(bool(parts))

    def set_user(self, staff: Staff | None, office: Office | None) -> None:
        if staff is None:
            self.user.clear()
            return
        where = f"{office.name} ({office.code})" if office is not None else ""
        self.user.setText(f"{staff.full_name} · {where}" if where else staff.full_name)

    def show_error(self, message: str) -> None:
        """Non-blocking error box (used by the global excepthook and for failures)."""
        box = QMessageBox(
            QMessageBox.Icon.Warning, _("Videoatenció"), message, QMessageBox.StandardButton.Ok, self
        )
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def closeEvent(self, event: QCloseEvent | None) -> None:
        self.closing.emit()
        if event is not None:
            event.accept()
