"""The call panel: the citizen's video large, the self view small, the controls, chat, documents,
devices and network quality. It appears as a workspace tab when a call starts.

A view: it paints the frames it is handed (already converted off the GUI thread) and emits what the
informador asked for; the call service does the work.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PyQt6.QtCore import QElapsedTimer, QEvent, QObject, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QImage, QKeySequence, QShortcut
from PyQt6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from console.call.state import CallState
from console.call.video_widget import VideoWidget
from console.domain.appointment import Appointment, Outcome
from console.domain.document import Document
from console.i18n import N_, _
from console.labels import OUTCOME_NAMES, outcome_name
from console.views.appointment_detail import GateProvider
from console.views.call_interpreter import InterpreterBox
from console.views.call_screenshare import CallScreenShare
from console.views.call_widgets import ChatBox, DevicesBox, DocumentsBox, QualityBox
from console.views.tone import gate_note_label, set_tone

STATE_TEXT = {
    CallState.IDLE: N_("Preparing"),
    CallState.PREPARING: N_("Preparing"),
    CallState.READY: N_("Ready"),
    CallState.CONNECTING: N_("Connecting…"),
    CallState.CONNECTED: N_("Connected"),
    CallState.RECONNECTING: N_("Reconnecting…"),
    CallState.ENDED: N_("Call ended"),
    CallState.FAILED: N_("Call failed"),
}


class CallPanel(QWidget):
    """Signals:
    mute_toggled(bool), camera_toggled(bool): True = muted / camera on
    hang_up_requested()
    chat_send_requested(str)
    upload_requested(str): a local path
    download_requested(str, str): document id, local path to save to
    devices_changed(object, object, object): microphone, speaker, camera
    complete_requested(str, str): appointment id, outcome
    """

    mute_toggled = pyqtSignal(bool)
    camera_toggled = pyqtSignal(bool)
    hang_up_requested = pyqtSignal()
    chat_send_requested = pyqtSignal(str)
    upload_requested = pyqtSignal(str)
    download_requested = pyqtSignal(str, str)
    devices_changed = pyqtSignal(object, object, object)
    complete_requested = pyqtSignal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("callPanel")
        self.appointment: Appointment | None = None
        self.state = CallState.IDLE
        self._clock = QElapsedTimer()
        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self._show_elapsed)

        # Header: who, how long, state
        self.title = QLabel(self)
        self.title.setObjectName("callTitle")
        self.title.setTextFormat(Qt.TextFormat.PlainText)  # the citizen's name
        self.timer = QLabel("00:00", self)
        self.timer.setObjectName("callTimer")
        self.timer.setAccessibleName(_("Call duration"))
        self.state_label = QLabel(self)
        self.state_label.setObjectName("callState")
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(self.state_label)
        header.addSpacing(12)
        header.addWidget(self.timer)

        self.banner = QLabel(
            _("Reconnecting… The connection was interrupted; the call continues when it is back."), self
        )
        self.banner.setObjectName("reconnectingBanner")
        self.banner.setWordWrap(True)
        set_tone(self.banner, "warning")
        self.banner.hide()
        self.notice = QLabel(self)
        self.notice.setObjectName("callNotice")
        self.notice.setTextFormat(Qt.TextFormat.PlainText)
        self.notice.setWordWrap(True)
        self.notice.hide()

        # Video: remote large, self view as a picture-in-picture in its corner (as on the citizen's
        # page), so the side column keeps its height for chat, documents and call quality.
        self.remote_video = VideoWidget(self, _("Waiting for the citizen's video…"))
        self.remote_video.setObjectName("remoteVideo")
        self.remote_video.setAccessibleName(_("Citizen's video"))
        self.remote_media = QLabel(self)
        self.remote_media.setObjectName("remoteMedia")
        self.remote_media.hide()
        self.self_view = VideoWidget(self.remote_video, _("Your camera"))
        self.self_view.setObjectName("selfView")
        self.self_view.setAccessibleName(_("Your own video"))
        self.self_view.setStyleSheet("#selfView { border: 2px solid white; border-radius: 4px; }")
        self.remote_video.installEventFilter(self)

        # Controls
        self.mute = QPushButton(_("Mute"), self)
        self.mute.setObjectName("muteButton")
        self.mute.setCheckable(True)
        self.mute.setToolTip(_("Mute or unmute your microphone (Ctrl+D)"))
        self.camera = QPushButton(_("Camera off"), self)
        self.camera.setObjectName("cameraButton")
        self.camera.setCheckable(True)
        self.camera.setToolTip(_("Turn your camera off or on (Ctrl+E)"))
        self.hang_up = QPushButton(_("Hang up"), self)
        self.hang_up.setObjectName("hangUpButton")
        set_tone(self.hang_up, "danger")
        self.hang_up.setAccessibleName(_("Hang up the call"))
        controls = QHBoxLayout()
        controls.addWidget(self.mute)
        controls.addWidget(self.camera)
        # Screen sharing both ways with guidance (console/views/call_screenshare.py).
        self.screen_share = CallScreenShare(self, self.remote_video)
        controls.addWidget(self.screen_share.share_button)
        controls.addStretch(1)
        controls.addWidget(self.hang_up)

        # After the call: the outcome goes through the agenda's status flow.
        self.end_box = QFrame(self)
        self.end_box.setObjectName("callEndBox")
        self.end_text = QLabel(
            _("The call has ended. Choose the outcome to complete the appointment."), self.end_box
        )
        self.end_text.setWordWrap(True)
        self.outcome = QComboBox(self.end_box)
        self.outcome.setObjectName("callOutcome")
        self.outcome.setAccessibleName(_("Outcome"))
        for code in OUTCOME_NAMES:
            self.outcome.addItem(outcome_name(code), code)
        self.complete = QPushButton(_("Complete appointment"), self.end_box)
        self.complete.setObjectName("completeButton")
        # Why "resolved" cannot be chosen yet (the checklist's close_resolved gate), as in the agenda.
        self.gate_note = gate_note_label(self.end_box, "gateNote")
        end_row = QHBoxLayout()
        end_row.addWidget(self.end_text, 1)
        end_row.addWidget(self.outcome)
        end_row.addWidget(self.complete)
        end_layout = QVBoxLayout(self.end_box)
        end_layout.setContentsMargins(0, 0, 0, 0)
        end_layout.addLayout(end_row)
        end_layout.addWidget(self.gate_note)
        self.end_box.hide()
        # Asked (appointment, gate) → (allowed, reason), as AppointmentDetail; None: no gating.
        self._gate_provider: GateProvider | None = None

        self.chat = ChatBox(self)
        self.documents = DocumentsBox(self)
        self.quality = QualityBox(self)
        self.devices = DevicesBox(self)

        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.remote_video, 1)
        left_layout.addWidget(self.screen_share.guidance, 1)
        left_layout.addWidget(self.screen_share.preview_box, 0, Qt.AlignmentFlag.AlignRight)
        left_layout.addWidget(self.remote_media)
        left_layout.addLayout(controls)
        left_layout.addWidget(self.end_box)
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.chat, 2)
        right_layout.addWidget(self.documents, 1)
        right_layout.addWidget(self.quality)
        right_layout.addWidget(self.devices)
        # A sign-language interpreter or translator as a third party (console/views/call_interpreter.py).
        self.interpreter = InterpreterBox(right)
        right_layout.addWidget(self.interpreter)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.addLayout(header)
        layout.addWidget(self.banner)
        layout.addWidget(self.notice)
        layout.addWidget(splitter, 1)

        QShortcut(QKeySequence("Ctrl+D"), self, self.mute.click)
        QShortcut(QKeySequence("Ctrl+E"), self, self.camera.click)
        self._connect_signals()
        self.set_state(CallState.IDLE)

    def eventFilter(self, watched: QObject | None, event: QEvent | None) -> bool:
        """Keeps the self view in the remote video's bottom-right corner, a fifth of its width."""
        if watched is self.remote_video and event is not None and event.type() == QEvent.Type.Resize:
            area = self.remote_video.size()
            width = max(160, area.width() // 5)
            height = width * 9 // 16
            margin = 10
            self.self_view.setGeometry(
                area.width() - width - margin, area.height() - height - margin, width, height
            )
            self.self_view.raise_()
        return super().eventFilter(watched, event)

    def _connect_signals(self) -> None:
        self.mute.toggled.connect(self._on_mute_toggled)
        self.camera.toggled.connect(self._on_camera_toggled)
        self.hang_up.clicked.connect(self.hang_up_requested)
        self.chat.send_requested.connect(self.chat_send_requested)
        self.documents.download_clicked.connect(self._ask_save_path)
        self.documents.upload_clicked.connect(self._ask_upload_path)
        self.devices.changed.connect(self.devices_changed)
        self.complete.clicked.connect(self._on_complete)
        self.outcome.currentIndexChanged.connect(self.refresh_gates)

    # -- inputs -----------------------------------------------------------------------------------
    def start_call(self, appointment: Appointment) -> None:
        """A new call: reset everything from the previous one."""
        self.appointment = appointment
        self.title.setText(appointment.citizen_name)
        self.chat.log.clear()
        self.interpreter.reset()
        self.documents.set_documents([])
        self.quality.clear()
        self.remote_video.clear(_("Waiting for the citizen's video…"))
        self.self_view.clear(_("Your camera"))
        self.notice.hide()
        self.remote_media.hide()
        self.end_box.hide()
        self.screen_share.reset()
        for button, checked in ((self.mute, False), (self.camera, False)):
            button.blockSignals(True)
            button.setChecked(checked)
            button.blockSignals(False)
        self._update_toggle_texts()
        self._clock.start()
        self._ticker.start()
        self._show_elapsed()
        self.refresh_gates()

    # -- checklist gates: sending documents and closing as resolved wait for the required items ----
    def set_gate_provider(self, provider: GateProvider | None) -> None:
        self._gate_provider = provider
        self.refresh_gates()

    def refresh_gates(self, *_args: object) -> None:
        """Sending documents needs send_personal_documents; "Complete" with the outcome resolved needs
        close_resolved. Called again whenever the checklist's gates change."""
        a, provider = self.appointment, self._gate_provider
        send_blocked = close_blocked = ""
        if a is not None and provider is not None:
            allowed, reason = provider(a, "send_personal_documents")
            send_blocked = "" if allowed else reason
            if self.outcome.currentData() == Outcome.RESOLVED:
                allowed, reason = provider(a, "close_resolved")
                close_blocked = "" if allowed else reason
        self.documents.set_blocked(send_blocked)
        self.complete.setEnabled(not close_blocked)
        self.complete.setToolTip(close_blocked)
        self.gate_note.setText(close_blocked)
        self.gate_note.setVisible(bool(close_blocked))

    def set_state(self, state: CallState) -> None:
        was_live = not self.state.is_final and self.state is not CallState.IDLE
        self.state = state
        live = not state.is_final and state is not CallState.IDLE
        self.state_label.setText(_(STATE_TEXT[state]))
        self.banner.setVisible(state is CallState.RECONNECTING)
        for widget in (self.mute, self.camera, self.hang_up):
            widget.setEnabled(live)
        self.chat.set_enabled(live)
        self.interpreter.set_live(live)
        self.documents.set_live(live)
        self.screen_share.set_live(live)
        if state.is_final:
            self._ticker.stop()
            self.quality.clear()
            self.remote_video.clear(_("The call has ended."))
            self.self_view.clear("")
            self.end_box.setVisible(self.appointment is not None)
        # Keyboard users: the focus follows the call. Admitting hides the agenda's Admit button and hanging
        # up disables Hang up, and Qt would drop the focus on whatever widget comes next in the chain.
        if live and not was_live:
            QTimer.singleShot(0, lambda: self._focus_if_shown(self.mute))
        elif state.is_final and was_live:
            QTimer.singleShot(0, lambda: self._focus_if_shown(self.outcome))

    def _focus_if_shown(self, widget: QWidget) -> None:
        if self.isVisible() and widget.isVisible() and widget.isEnabled():
            widget.setFocus(Qt.FocusReason.OtherFocusReason)

    def add_chat(self, incoming: bool, text: str, when: datetime | None = None) -> None:
        self.chat.add_line(_("Citizen") if incoming else _("You"), text, when)

    def show_notice(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.show()

    def show_remote_media(self, mic: bool, camera: bool) -> None:
        parts = []
        if not mic:
            parts.append(_("The citizen has muted their microphone."))
        if not camera:
            parts.append(_("The citizen has turned their camera off."))
        self.remote_media.setText(" ".join(parts))
        self.remote_media.setVisible(bool(parts))

    def set_documents(self, documents: list[Document]) -> None:
        self.documents.set_documents(documents)

    def show_stats(self, stats: object) -> None:
        self.quality.show_stats(stats)

    def set_remote_image(self, image: QImage) -> None:
        self.remote_video.set_image(image)

    def set_local_image(self, image: QImage) -> None:
        self.self_view.set_image(image)

    # -- slots ------------------------------------------------------------------------------------
    def _show_elapsed(self) -> None:
        seconds = self._clock.elapsed() // 1000 if self._clock.isValid() else 0
        minutes, seconds = divmod(seconds, 60)
        hours, minutes = divmod(minutes, 60)
        self.timer.setText(
            f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes:02d}:{seconds:02d}"
        )

    def _update_toggle_texts(self) -> None:
        self.mute.setText(_("Unmute") if self.mute.isChecked() else _("Mute"))
        self.mute.setAccessibleName(self.mute.text())
        self.camera.setText(_("Camera on") if self.camera.isChecked() else _("Camera off"))
        self.camera.setAccessibleName(self.camera.text())

    def _on_mute_toggled(self, muted: bool) -> None:
        self._update_toggle_texts()
        self.mute_toggled.emit(muted)

    def _on_camera_toggled(self, off: bool) -> None:
        self._update_toggle_texts()
        if off:
            self.self_view.clear(_("Camera off"))
        self.camera_toggled.emit(not off)

    def _on_complete(self) -> None:
        if self.appointment is not None and self.complete.isEnabled():
            self.complete_requested.emit(self.appointment.id, str(self.outcome.currentData()))

    def _ask_save_path(self, doc: Document) -> None:
        # Non-modal: a nested event loop (exec) would re-enter the asyncio loop (STYLE anti-pattern 6).
        dialog = QFileDialog(self, _("Save document"), str(Path.home() / Path(doc.name).name))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(lambda path: self.download_requested.emit(doc.id, path))
        dialog.open()

    def _ask_upload_path(self) -> None:
        dialog = QFileDialog(self, _("Send a document"), str(Path.home()))
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilter(_("Documents (*.pdf *.jpg *.jpeg *.png)"))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(self.upload_requested)
        dialog.open()
