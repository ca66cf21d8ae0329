"""The detail pane of the agenda: every field of one appointment and the status actions."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

from PyQt6.QtCore import QSize, Qt, pyqtBoundSignal, pyqtSignal
from PyQt6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console import formatting
from console.domain.appointment import Appointment, Outcome, Status, allowed_transitions
from console.i18n import _, ngettext
from console.labels import OUTCOME_NAMES, language_name, level_name, outcome_name, status_action, status_name
from console.views.tone import gate_note_label, set_tone


def _plain_label(parent: QWidget) -> QLabel:
    # Citizen text can contain markup ("<b>…</b>" in a name): always shown as plain text.
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


MIN_WIDTH = 320  # the detail pane beside the agenda table


class AppointmentDetail(QFrame):
    """Signals:
    status_change_requested: args: appointment id, new status, outcome ("" unless completing)
    send_link_requested, send_pin_requested, admit_requested: arg: appointment id (video call)
    """

    status_change_requested = pyqtSignal(str, str, str)
    # The call-script checklist of the appointment (console/views/checklist.py). arg: appointment id
    checklist_requested = pyqtSignal(str)
    # The tràmit wizard (console/views/wizard.py). arg: appointment id
    tramit_requested = pyqtSignal(str)
    send_link_requested = pyqtSignal(str)
    send_pin_requested = pyqtSignal(str)
    admit_requested = pyqtSignal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("detailPane")
        self._appointment: Appointment | None = None
        # Asked (appointment, gate) → (allowed, reason); set by the composition root. None: no gating.
        self._gate_provider: GateProvider | None = None
        self._tramit_name = ""

        self.title = _plain_label(self)
        self.title.setObjectName("detailTitle")
        self.placeholder = QLabel(_("Select an appointment to see its details."), self)
        self.placeholder.setObjectName("emptyState")
        self.placeholder.setWordWrap(True)

        self.fields: dict[str, QLabel] = {}
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        for key, label in (
            ("time", _("Time")),
            ("tramit", _("Procedure")),
            ("level", _("Level")),
            ("language", _("Language")),
            ("phone", _("Phone")),
            ("email", _("E-mail")),
            ("status", _("Status")),
            ("outcome", _("Outcome")),
            ("notes", _("Notes")),
        ):
            value = _plain_label(self)
            value.setObjectName(f"detail_{key}")
            self.fields[key] = value
            form.addRow(label, value)

        self.sync_note = _plain_label(self)
        self.sync_note.setObjectName("syncNote")
        self.sync_note.hide()

        self.actions_title = QLabel(_("Change status"), self)
        self.actions_title.setObjectName("sectionTitle")
        # A grid, two buttons a row: translated labels are long and must never be cut.
        self.actions_box = QGridLayout()
        self.actions_box.setSpacing(6)
        self.action_buttons: dict[str, QPushButton] = {}

        self.outcome = QComboBox(self)
        for code in OUTCOME_NAMES:
            self.outcome.addItem(outcome_name(code), code)
        self.outcome_row = QWidget(self)
        outcome_layout = QHBoxLayout(self.outcome_row)
        outcome_layout.setContentsMargins(0, 0, 0, 0)
        outcome_label = QLabel(_("Outcome when completing"), self.outcome_row)
        outcome_label.setBuddy(self.outcome)  # its name for screen readers
        outcome_layout.addWidget(outcome_label)
        outcome_layout.addWidget(self.outcome, 1)

        self._build_call_actions()

        self.body = QWidget(self)
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        body.addWidget(self.title)
        body.addLayout(form)
        body.addWidget(self.sync_note)
        body.addSpacing(8)
        body.addWidget(self.actions_title)
        body.addWidget(self.outcome_row)
        body.addLayout(self.actions_box)
        self._build_checklist_row()
        body.addWidget(self.gate_note)
        body.addWidget(self.checklist_button)
        # The tràmit wizard (console/views/wizard.py): assisted or attended processing.
        self.tramit_button = QPushButton(_("Tràmit…"), self)
        self.tramit_button.setObjectName("tramitButton")
        self.tramit_button.setToolTip(_("Assisted or attended processing of the appointment's tràmit"))
        self.tramit_button.clicked.connect(self._on_tramit_clicked)
        body.addWidget(self.tramit_button)
        body.addSpacing(8)
        body.addWidget(self.call_box)
        body.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.addWidget(self.placeholder)
        layout.addWidget(self.body)
        self.show_appointment(None)

    @property
    def appointment(self) -> Appointment | None:
        return self._appointment

    def show_appointment(
        self, appointment: Appointment | None, tramit_name: str = "", sync_state: str | None = None
    ) -> None:
        self._appointment = appointment
        self.placeholder.setVisible(appointment is None)
        self.body.setVisible(appointment is not None)
        if appointment is None:
            return
        a = appointment
        end_text = formatting.time(a.start + timedelta(minutes=a.duration_min))
        self.title.setText(a.citizen_name)
        values = {
            "time": f"{formatting.time(a.start)}–{end_text} ({a.duration_min} min)",
            "tramit": tramit_name or a.tramit_code,
            "level": level_name(a.level),
            "language": language_name(a.language),
            "phone": a.citizen_phone or "—",
            "email": a.citizen_email or "—",
            "status": status_name(a.status),
            "outcome": outcome_name(a.outcome) if a.outcome else "—",
            "notes": a.notes or "—",
        }
        for key, text in values.items():
            self.fields[key].setText(text)
        if sync_state == "pending":
            self.sync_note.setText(
                _("Pending sync: this change is saved here and will be sent when the server is back.")
            )
        elif sync_state == "conflict":
            self.sync_note.setText(
                _("Conflict: someone else changed this appointment. See the banner above.")
            )
        self.sync_note.setVisible(sync_state in ("pending", "conflict"))
        self._rebuild_actions(a)
        self._update_call_actions()

    def minimumSizeHint(self) -> QSize:
        """At least 320 px, and never narrower than a row of two status buttons: translated labels
        ("Ciudadano en espera") were cut when the agenda's splitter squeezed the pane to a fixed 320."""
        hint = super().minimumSizeHint()
        return QSize(max(MIN_WIDTH, hint.width()), hint.height())

    def _rebuild_actions(self, a: Appointment) -> None:
        for button in self.action_buttons.values():
            self.actions_box.removeWidget(button)
            button.deleteLater()
        self.action_buttons = {}
        targets = allowed_transitions(a.status)
        for i, status in enumerate(targets):
            button = QPushButton(status_action(status), self.body)
            button.setObjectName(f"action_{status}")
            button.setProperty("status", str(status))
            button.clicked.connect(lambda _checked=False, s=status: self._on_action_clicked(s))
            self.actions_box.addWidget(button, i // 2, i % 2)
            self.action_buttons[str(status)] = button
        self.updateGeometry()  # the splitter re-reads minimumSizeHint for the new labels
        self.actions_title.setVisible(bool(targets))
        self.outcome_row.setVisible(Status.COMPLETED in targets)
        self.refresh_gates()

    def _on_action_clicked(self, status: Status) -> None:
        if self._appointment is None:
            return
        outcome = str(self.outcome.currentData()) if status == Status.COMPLETED else ""
        self.status_change_requested.emit(self._appointment.id, str(status), outcome)

    # -- video call: waiting room, link, PIN, admission ------------------------------------------
    def _build_call_actions(self) -> None:
        self._waiting: dict[str, float] = {}
        self._call_busy = False
        self.call_box = QWidget(self)
        self.call_box.setObjectName("callActions")
        title = QLabel(_("Video call"), self.call_box)
        title.setObjectName("sectionTitle")
        self.waiting_note = QLabel(self.call_box)
        self.waiting_note.setObjectName("waitingNote")
        set_tone(self.waiting_note, "warning")
        self.waiting_note.hide()
        self.send_link = QPushButton(_("Send link"), self.call_box)
        self.send_link.setObjectName("sendLink")
        self.send_link.setToolTip(_("Send the citizen a new personal link by SMS and e-mail"))
        self.send_pin = QPushButton(_("Send PIN"), self.call_box)
        self.send_pin.setObjectName("sendPin")
        self.send_pin.setToolTip(_("Send the citizen a new PIN by SMS (at most 3 every 10 minutes)"))
        self.admit = QPushButton(_("Admit"), self.call_box)
        self.admit.setObjectName("admitButton")
        self.admit.setToolTip(_("Let the waiting citizen into the call"))
        self.call_result = QLabel(self.call_box)
        self.call_result.setObjectName("callResult")
        self.call_result.setTextFormat(Qt.TextFormat.PlainText)
        self.call_result.setWordWrap(True)
        self.call_result.hide()
        buttons = QGridLayout()
        buttons.setSpacing(6)
        buttons.addWidget(self.send_link, 0, 0)
        buttons.addWidget(self.send_pin, 0, 1)
        buttons.addWidget(self.admit, 1, 0, 1, 2)
        layout = QVBoxLayout(self.call_box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addWidget(self.waiting_note)
        layout.addLayout(buttons)
        layout.addWidget(self.call_result)
        for button, signal in (
            (self.send_link, self.send_link_requested),
            (self.send_pin, self.send_pin_requested),
            (self.admit, self.admit_requested),
        ):
            button.clicked.connect(lambda _checked=False, sig=signal: self._on_call_action(sig))

    def _on_call_action(self, signal: pyqtBoundSignal) -> None:
        if self._appointment is not None:
            self.call_result.hide()
            signal.emit(self._appointment.id)

    def set_waiting(self, waiting: dict[str, float]) -> None:
        """Appointment id → epoch seconds since the citizen is in the waiting room."""
        self._waiting = dict(waiting)
        self._update_call_actions()

    def set_call_busy(self, busy: bool) -> None:
        """A call is running: nobody else can be admitted until it is finished."""
        self._call_busy = busy
        self._update_call_actions()

    def show_call_result(self, appointment_id: str, text: str, error: bool) -> None:
        if self._appointment is None or self._appointment.id != appointment_id:
            return
        self.call_result.setText(text)
        set_tone(self.call_result, "error" if error else "ok")
        self.call_result.show()

    def _update_call_actions(self) -> None:
        a = self._appointment
        if a is None:
            return
        waiting = a.status == Status.WAITING  # the events only add since when
        since = self._waiting.get(a.id)
        if waiting:
            minutes = max(0, int((time.time() - since) // 60)) if since is not None else 0
            self.waiting_note.setText(
                ngettext(
                    "In the waiting room for {n} minute", "In the waiting room for {n} minutes", minutes
                ).format(n=minutes)
            )
        self.waiting_note.setVisible(waiting)
        open_ = not a.status.terminal and a.status != Status.IN_CALL
        self.send_link.setEnabled(open_)
        self.send_pin.setEnabled(open_)
        self.admit.setEnabled(waiting and not self._call_busy)
        self.call_box.setVisible(not a.status.terminal)

    # -- checklist gates: closing as resolved waits for the required checklist items ---------------
    def _build_checklist_row(self) -> None:
        self.gate_note = gate_note_label(self, "gateNote")
        self.checklist_button = QPushButton(_("Checklist"), self)
        self.checklist_button.setObjectName("checklistButton")
        self.checklist_button.setToolTip(_("Open the call script and identification checklist"))
        self.checklist_button.clicked.connect(self._on_checklist_clicked)
        self.outcome.currentIndexChanged.connect(self.refresh_gates)

    def set_gate_provider(self, provider: GateProvider | None) -> None:
        self._gate_provider = provider
        self.refresh_gates()

    def refresh_gates(self, *_args: object) -> None:
        """Disable "completed" while the outcome is resolved and the close_resolved gate is closed."""
        a = self._appointment
        button = self.action_buttons.get(str(Status.COMPLETED))
        blocked = ""
        resolved = self.outcome.currentData() == Outcome.RESOLVED
        if a is not None and button is not None and self._gate_provider is not None and resolved:
            allowed, reason = self._gate_provider(a, "close_resolved")
            blocked = "" if allowed else reason
        if button is not None:
            button.setEnabled(not blocked)
            button.setToolTip(blocked)
        self.gate_note.setText(blocked)
        self.gate_note.setVisible(bool(blocked))
        self.checklist_button.setVisible(a is not None and not a.status.terminal)
        self.tramit_button.setVisible(a is not None)  # after the call too: the post-call summary

    def _on_tramit_clicked(self) -> None:
        if self._appointment is not None:
            self.tramit_requested.emit(self._appointment.id)

    def _on_checklist_clicked(self) -> None:
        if self._appointment is not None:
            self.checklist_requested.emit(self._appointment.id)


GateProvider = Callable[[Appointment, str], tuple[bool, str]]
