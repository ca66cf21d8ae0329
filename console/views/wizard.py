"""The tràmit wizard: a QWizard with a declared PAGES tuple (STYLE convention 12).

Pages read the draft in initializePage, check locally in validatePage and write back in save_to(draft).
Unlike a settings wizard, every step is saved (the issue: a crash, a dropped call or a transfer must
lose nothing): the wizard hands the draft to WizardService on every page change (Next or Back, even
when the page does not validate yet), on close, and 2 s after the last edit. Citizen text is plain text.
"""

from __future__ import annotations

import html
from dataclasses import replace
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from PyQt6 import sip
from PyQt6.QtCore import Qt, QTimer, QUrl, pyqtSignal
from PyQt6.QtGui import QDesktopServices
from PyQt6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from backend.tramitacio.validation import FieldSpec, validate_form
from console.call.state import CallState
from console.i18n import _
from console.services.tasks import spawn
from console.services.wizard import GateProvider, WizardDraft, WizardService
from console.views.tone import set_tone

ATTENDED_GATE = "attended_mode"
SAVE_DEBOUNCE_MS = 2000  # a draft is saved this long after the last edit (one timer, no polling)


def _plain(text: str = "", parent: QWidget | None = None) -> QLabel:
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)  # citizen and catalogue text is never rich text
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setText(text)
    return label


def _buddy(text: str, widget: QWidget) -> QLabel:
    """A label that names `widget` for screen readers (its buddy) as well as on screen."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setBuddy(widget)
    return label


def _names(entry: dict[str, Any], lang: str, key: str = "names") -> str:
    texts = entry.get(key) or {}
    return str(texts.get(lang) or texts.get("ca") or entry.get("code") or "")


class WizardPage(QWizardPage):
    """Base: the wizard's draft is the page's source of truth."""

    def wiz(self) -> TramitWizard:
        w = self.wizard()
        assert isinstance(w, TramitWizard)
        return w

    def save_to(self, draft: WizardDraft) -> WizardDraft:
        return draft


class ModePage(WizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(_("How will this tràmit be done?"))
        self.assisted = QRadioButton(_("Assisted: the citizen does it on the official portal, guided by you"))
        self.attended = QRadioButton(_("Attended: you fill it in on the citizen's behalf and they sign it"))
        self.assisted.setObjectName("modeAssisted")
        self.attended.setObjectName("modeAttended")
        self.group = QButtonGroup(self)
        self.group.addButton(self.assisted)
        self.group.addButton(self.attended)
        self.reason = _plain()
        self.reason.setObjectName("attendedReason")
        layout = QVBoxLayout(self)
        for w in (self.assisted, self.attended, self.reason):
            layout.addWidget(w)
        layout.addStretch(1)
        self.group.buttonToggled.connect(lambda *_a: self.completeChanged.emit())

    def initializePage(self) -> None:
        wiz = self.wiz()
        levels = wiz.tramit.get("levels") or []
        reasons = self.refresh_gate()
        if wiz.draft.level == "atesa" and not reasons:
            self.attended.setChecked(True)
        elif wiz.draft.level == "assistida" or "assistida" in levels:
            self.assisted.setChecked(True)

    def refresh_gate(self) -> list[str]:
        """Asks the identification gate again (at start and whenever the checklist's gates change)."""
        wiz = self.wiz()
        levels = wiz.tramit.get("levels") or []
        self.assisted.setEnabled("assistida" in levels)
        reasons: list[str] = []
        if "atesa" not in levels:
            reasons.append(_("This tràmit cannot be filed on the citizen's behalf."))
        else:
            gate = wiz.gate.gate_status(wiz.draft.appointment_id, ATTENDED_GATE)
            if not gate.allowed:
                reasons.extend(gate.reasons or (_("Full identification is required first."),))
        self.attended.setEnabled(not reasons)
        self.reason.setVisible(bool(reasons))
        self.reason.setText(_("Attended mode is not available: {reasons}").format(reasons=" ".join(reasons)))
        if reasons and self.attended.isChecked() and "assistida" in levels:
            self.assisted.setChecked(True)  # the gate closed again (e.g. an override withdrawn)
        self.completeChanged.emit()
        return reasons

    def isComplete(self) -> bool:
        return (self.assisted.isChecked() and self.assisted.isEnabled()) or (
            self.attended.isChecked() and self.attended.isEnabled()
        )

    def save_to(self, draft: WizardDraft) -> WizardDraft:
        return replace(draft, level="atesa" if self.attended.isChecked() else "assistida")

    def nextId(self) -> int:
        return PAGE_IDS["form"] if self.attended.isChecked() else PAGE_IDS["assisted_steps"]


class AssistedStepsPage(WizardPage):
    """The portal's steps, ticked as the citizen does them, tied to the call's screen sharing: ask the
    citizen to share, see whether they do, point at a step on their screen, send them the portal link.

    Signals (the composition root connects them to the call services; the page does no I/O):
    share_requested(): ask the citizen's page to prompt "share your screen"
    point_requested(str): label the citizen's shared screen with this step text and point there
    link_send_requested(str): send the portal link to the citizen by chat
    """

    share_requested = pyqtSignal()
    point_requested = pyqtSignal(str)
    link_send_requested = pyqtSignal(str)

    def __init__(self) -> None:
        super().__init__()
        self.setTitle(_("Guide the citizen on the official portal"))
        self.call_live = False
        self.share_state = ""  # ScreenShareService.share_request: "", asked, sharing, declined
        self.citizen_lang: str | None = None  # the step labels drawn on the citizen's screen use it
        self._call_is_mine = False
        self.portal_url = ""
        self.portal = QLabel()
        self.portal.setObjectName("portalLink")
        self.portal.setWordWrap(True)
        self.portal.setOpenExternalLinks(True)
        self.send_link = QPushButton(_("Send the link to the citizen"))
        self.send_link.setObjectName("sendPortalLink")
        self.send_link.clicked.connect(lambda: self.link_send_requested.emit(self.portal_url))
        self.ask_share = QPushButton(_("Ask the citizen to share their screen"))
        self.ask_share.setObjectName("askShare")
        self.ask_share.clicked.connect(self.share_requested)
        self.share_hint = _plain()
        self.share_hint.setObjectName("shareHint")
        self.steps = QListWidget()
        self.steps.setObjectName("assistedSteps")
        self.steps.setWordWrap(True)
        self.point = QPushButton(_("Point at this step"))
        self.point.setObjectName("pointAtStep")
        self.point.setToolTip(_("Write the selected step on the citizen's shared screen and point there"))
        self.point.clicked.connect(self._on_point_clicked)
        self.steps.currentRowChanged.connect(lambda _row: self._update_call_controls())
        layout = QVBoxLayout(self)
        layout.addWidget(self.portal)
        layout.addWidget(self.send_link)
        layout.addWidget(self.ask_share)
        layout.addWidget(self.share_hint)
        layout.addWidget(_buddy(_("Tick each step when the citizen has done it:"), self.steps))
        layout.addWidget(self.steps, 1)
        layout.addWidget(self.point)
        self._update_call_controls()

    def initializePage(self) -> None:
        wiz = self.wiz()
        url = str(wiz.tramit.get("portal_url") or "")
        parts = urlsplit(url)
        self.portal_url = url if parts.scheme in ("https", "http") and parts.netloc else ""
        template = html.escape(_("Official portal: {url}"))
        if self.portal_url:  # catalogue text: escaped, and only a web address becomes a link
            link = html.escape(url, quote=True)
            self.portal.setTextFormat(Qt.TextFormat.RichText)
            self.portal.setText(template.format(url=f'<a href="{link}">{link}</a>'))
        else:
            self.portal.setTextFormat(Qt.TextFormat.PlainText)
            self.portal.setText(_("Official portal: {url}").format(url=url))
        done = set((wiz.draft.assisted or {}).get("steps_done", []))
        docs = {d["code"]: _names(d, wiz.lang) for d in wiz.tramit.get("required_documents", [])}
        self.steps.clear()
        for i, step in enumerate(wiz.tramit.get("assisted_steps", [])):
            text = f"{i + 1}. {_names(step, wiz.lang, 'texts')}"
            ready = [docs.get(code, code) for code in step.get("documents", [])]
            if ready:
                text += "\n" + _("Have ready: {documents}").format(documents=", ".join(ready))
            item = QListWidgetItem(text)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if i in done else Qt.CheckState.Unchecked)
            # What "Point at this step" writes on the citizen's screen: the step in their language.
            label = f"{i + 1}. {_names(step, self.citizen_lang or wiz.lang, 'texts')}"
            item.setData(Qt.ItemDataRole.UserRole, label)
            self.steps.addItem(item)
        if self.steps.count() and self.steps.currentRow() < 0:
            self.steps.setCurrentRow(next((i for i in range(self.steps.count()) if i not in done), 0))
        self._update_call_controls()

    # -- inputs from the call ---------------------------------------------------------------------
    def on_call_started(self, appointment: object) -> None:
        """CallService.call_started: only a call with this wizard's citizen counts."""
        self._call_is_mine = getattr(appointment, "id", None) == self.wiz().draft.appointment_id

    def on_call_state(self, state: object) -> None:
        """CallService.call_state_changed: live while connected (or briefly reconnecting)."""
        self.set_call_live(self._call_is_mine and state in (CallState.CONNECTED, CallState.RECONNECTING))

    def set_call_live(self, live: bool) -> None:
        """A call with this citizen is live (or not): the screen-sharing actions follow it."""
        self.call_live = live
        if not live:
            self.share_state = ""
        self._update_call_controls()

    def set_share_state(self, state: str) -> None:
        """The citizen's answer: "" (nothing asked, or the share ended), asked, sharing, declined."""
        self.share_state = state
        self._update_call_controls()

    def _update_call_controls(self) -> None:
        sharing = self.call_live and self.share_state == "sharing"
        self.ask_share.setEnabled(self.call_live and not sharing)
        self.send_link.setEnabled(self.call_live and bool(self.portal_url))
        row = self.steps.currentRow()
        self.point.setEnabled(sharing and row >= 0)
        self.point.setText(
            _("Point at step {number}").format(number=row + 1) if row >= 0 else _("Point at this step")
        )
        if not self.call_live:
            hint = _("Screen sharing is possible once the call with the citizen has started.")
        else:
            hint = {
                "asked": _("Asked: waiting for the citizen to press Share on their page."),
                "sharing": _("The citizen is sharing their screen: select a step and point at it."),
                "declined": _(
                    "The citizen declined to share their screen. You can ask again, or guide them by voice."
                ),
            }.get(self.share_state, _("The citizen is not sharing their screen."))
        self.share_hint.setText(hint)

    def _on_point_clicked(self) -> None:
        item = self.steps.currentItem()
        if item is not None:
            self.point_requested.emit(str(item.data(Qt.ItemDataRole.UserRole) or ""))

    def save_to(self, draft: WizardDraft) -> WizardDraft:
        items = [self.steps.item(i) for i in range(self.steps.count())]
        done = [
            i
            for i, item in enumerate(items)
            if item is not None and item.checkState() == Qt.CheckState.Checked
        ]
        return replace(draft, step="assisted_steps", assisted={**draft.assisted, "steps_done": done})

    def nextId(self) -> int:
        return PAGE_IDS["assisted_result"]


class AssistedResultPage(WizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(_("Result on the portal"))
        self.number = QLineEdit()
        self.number.setObjectName("assistedRegistry")
        self.number.setMaxLength(80)
        self.notes = QPlainTextEdit()
        self.notes.setObjectName("assistedNotes")
        form = QFormLayout(self)
        form.addRow(_("Registry number shown to the citizen"), self.number)
        form.addRow(_("Notes"), self.notes)

    def initializePage(self) -> None:
        assisted = self.wiz().draft.assisted or {}
        self.number.setText(str(assisted.get("result_registry_number", "")))
        self.notes.setPlainText(str(assisted.get("notes", "")))

    def save_to(self, draft: WizardDraft) -> WizardDraft:
        assisted = {**draft.assisted, "result_registry_number": self.number.text().strip(),
                    "notes": self.notes.toPlainText().strip()}  # fmt: skip
        return replace(draft, step="assisted_result", assisted=assisted)

    def validatePage(self) -> bool:
        wiz = self.wiz()
        spawn(wiz.service.record_assisted_result(wiz.draft.appointment_id, self.number.text().strip(),
                                                 self.notes.toPlainText().strip()))  # fmt: skip
        return True

    def nextId(self) -> int:
        return PAGE_IDS["post_call"]


class FormPage(WizardPage):
    """Generated from the tràmit's form schema; each refusal is shown under its field, naming it."""

    def __init__(self) -> None:
        super().__init__()
        self.setTitle(_("Application form"))
        self.setSubTitle(_("Fill it in with what the citizen tells you."))
        self.form = QFormLayout(self)
        self.editors: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        self.specs: tuple[FieldSpec, ...] = ()

    def initializePage(self) -> None:
        wiz = self.wiz()
        while self.form.rowCount():
            self.form.removeRow(0)
        self.editors, self.errors = {}, {}
        self.specs = tuple(FieldSpec.from_json(f) for f in wiz.tramit.get("form", {}).get("fields", []))
        for spec in self.specs:
            editor = self._editor(spec, wiz.draft.entered_form().get(spec.key), wiz.lang)
            editor.setObjectName(f"field_{spec.key}")
            error = _plain()
            error.setObjectName(f"error_{spec.key}")
            set_tone(error, "error")
            error.hide()
            box = QWidget()
            col = QVBoxLayout(box)
            col.setContentsMargins(0, 0, 0, 0)
            col.addWidget(editor)
            col.addWidget(error)
            label = spec.label(wiz.lang) + (" *" if spec.required else "")
            self.form.addRow(label, box)
            self.editors[spec.key], self.errors[spec.key] = editor, error

    @staticmethod
    def _editor(spec: FieldSpec, value: Any, lang: str) -> QWidget:
        if spec.type == "choice":
            combo = QComboBox()
            combo.addItem("—", "")
            for option in spec.options:
                combo.addItem(option.label(lang), option.value)
            combo.setCurrentIndex(max(0, combo.findData(value or "")))
            return combo
        if spec.type == "bool":
            box = QCheckBox()
            box.setChecked(bool(value))
            return box
        if spec.type == "number":
            spin = QSpinBox()
            spin.setRange(
                int(spec.min if spec.min is not None else 0), int(spec.max if spec.max is not None else 10**6)
            )
            spin.setSpecialValueText("—")
            spin.setMinimum(spin.minimum() - 1)  # one below the range means "empty"
            spin.setValue(int(value) if isinstance(value, int | float) else spin.minimum())
            return spin
        if spec.type == "text" and spec.max_length > 200:
            edit = QPlainTextEdit()
            edit.setPlainText(str(value or ""))
            edit.setFixedHeight(70)
            return edit
        line = QLineEdit(str(value or ""))
        line.setMaxLength(spec.max_length if spec.type == "text" else 80)
        if spec.type == "date":
            line.setPlaceholderText(_("YYYY-MM-DD"))
        return line

    def values(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for spec in self.specs:
            w = self.editors[spec.key]
            if isinstance(w, QComboBox):
                value: Any = w.currentData() or ""
            elif isinstance(w, QCheckBox):
                value = w.isChecked()
            elif isinstance(w, QSpinBox):
                value = None if w.value() == w.minimum() else w.value()
            elif isinstance(w, QPlainTextEdit):
                value = w.toPlainText().strip()
            elif isinstance(w, QDateEdit):
                value = w.date().toString("yyyy-MM-dd")
            else:
                assert isinstance(w, QLineEdit)
                value = w.text().strip()
            if value not in ("", None) or (spec.type == "bool" and value is not False):
                data[spec.key] = value
        return data

    def validatePage(self) -> bool:
        wiz = self.wiz()
        _clean, errors = validate_form(self.specs, self.values(), today=wiz.today, complete=True)
        by_field = {e.field: e.message(wiz.lang) for e in errors}
        for key, label in self.errors.items():
            label.setText(by_field.get(key, ""))
            label.setVisible(key in by_field)
        if errors:
            self.editors[errors[0].field].setFocus()
        return not errors

    def save_to(self, draft: WizardDraft) -> WizardDraft:
        # Everything typed, valid or not: the service keeps what the backend refuses locally.
        return replace(draft, step="form", form_data=self.values(), refused={})

    def nextId(self) -> int:
        return PAGE_IDS["documents"]


class DocumentsPage(WizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(_("Documents"))
        self.required = QListWidget()
        self.required.setObjectName("requiredDocuments")
        self.request = QPushButton(_("Ask the citizen for the ticked documents"))
        self.request.setObjectName("requestDocuments")
        self.received = QListWidget()
        self.received.setObjectName("receivedDocuments")
        self.open = QPushButton(_("Open the selected document"))
        self.open.setObjectName("openDocument")
        layout = QVBoxLayout(self)
        layout.addWidget(_buddy(_("Documents this tràmit needs:"), self.required))
        layout.addWidget(self.required)
        layout.addWidget(self.request)
        layout.addWidget(
            _buddy(
                _("Received from the citizen: open each one and tick it once checked (only ticked ones go"
                  " into the summary):"),
                self.received,
            )
        )  # fmt: skip
        layout.addWidget(self.received)
        layout.addWidget(self.open)
        self.request.clicked.connect(self.on_request_clicked)
        self.open.clicked.connect(self.on_open_clicked)
        self.received.itemActivated.connect(lambda _item: self.on_open_clicked())

    def initializePage(self) -> None:
        wiz = self.wiz()
        self.required.clear()
        for doc in wiz.tramit.get("required_documents", []):
            item = QListWidgetItem(_names(doc, wiz.lang))
            item.setData(Qt.ItemDataRole.UserRole, doc["code"])
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            asked = doc["code"] in wiz.draft.requested_documents
            item.setCheckState(Qt.CheckState.Checked if asked else Qt.CheckState.Unchecked)
            self.required.addItem(item)
        self.show_received()

    def show_received(self) -> None:
        wiz = self.wiz()
        if self.received.count():
            wiz.draft = self.save_to(wiz.draft)  # keep ticks made since the last save across a refresh
        selected = self.selected_document()
        self.received.clear()
        # Unticked until the informador has opened and checked it: nothing goes into the summary unseen.
        checked = set(wiz.draft.checked_documents)
        for doc in wiz.draft.server.get("documents", []):
            item = QListWidgetItem(f"{doc['name']}  ·  sha256 {doc['sha256'][:16]}…")
            item.setData(Qt.ItemDataRole.UserRole, doc["id"])
            item.setData(Qt.ItemDataRole.UserRole + 1, doc["name"])
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if doc["id"] in checked else Qt.CheckState.Unchecked)
            self.received.addItem(item)
            if doc["id"] == selected:
                self.received.setCurrentItem(item)
        self.open.setEnabled(self.received.count() > 0)

    def selected_document(self) -> str:
        item = self.received.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else ""

    def on_open_clicked(self) -> None:
        item = self.received.currentItem() or self.received.item(0)
        if item is None:
            return
        doc_id, name = str(item.data(Qt.ItemDataRole.UserRole)), str(item.data(Qt.ItemDataRole.UserRole + 1))
        spawn(self.wiz().service.open_document(doc_id, name))

    def _ticked(self, widget: QListWidget, state: Qt.CheckState) -> list[str]:
        items = [widget.item(i) for i in range(widget.count())]
        return [
            str(i.data(Qt.ItemDataRole.UserRole)) for i in items if i is not None and i.checkState() == state
        ]

    def on_request_clicked(self) -> None:
        wiz = self.wiz()
        codes = self._ticked(self.required, Qt.CheckState.Checked)
        wiz.save_now()
        if codes:
            spawn(wiz.service.request_documents(wiz.draft.appointment_id, codes))

    def save_to(self, draft: WizardDraft) -> WizardDraft:
        return replace(
            draft, step="documents",
            excluded_documents=tuple(self._ticked(self.received, Qt.CheckState.Unchecked)),
            checked_documents=tuple(self._ticked(self.received, Qt.CheckState.Checked)),
        )  # fmt: skip

    def nextId(self) -> int:
        return PAGE_IDS["summary"]


class SummaryPage(WizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(_("Summary for the citizen"))
        self.text = QPlainTextEdit()
        self.text.setObjectName("summaryText")
        self.text.setAccessibleName(_("Summary for the citizen"))
        self.text.setReadOnly(True)
        self.send = QPushButton(_("Send to the citizen for signature"))
        self.send.setObjectName("sendForSignature")
        self.state = _plain()
        self.state.setObjectName("summaryState")
        layout = QVBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.send)
        layout.addWidget(self.state)
        self.send.clicked.connect(self.on_send_clicked)

    def initializePage(self) -> None:
        wiz = self.wiz()
        specs = [FieldSpec.from_json(f) for f in wiz.tramit.get("form", {}).get("fields", [])]
        lines = [_names(wiz.tramit, wiz.lang), ""]
        for spec in specs:
            if spec.key in wiz.draft.form_data:
                lines.append(f"{spec.label(wiz.lang)}: {wiz.draft.form_data[spec.key]}")
        lines += ["", _("Documents:")]
        excluded = set(wiz.draft.excluded_documents)
        docs = [d for d in wiz.draft.server.get("documents", []) if d["id"] not in excluded]
        lines += [f"  {d['name']}  sha256 {d['sha256']}" for d in docs] or ["  —"]
        self.text.setPlainText("\n".join(lines))
        self.update_state()

    def update_state(self) -> None:
        status = self.wiz().draft.server.get("status", "draft")
        sent = status in ("awaiting_signature", "signed", "submitted")
        self.state.setText(
            _("Sent: the citizen sees the summary and has received a code by SMS.") if sent else ""
        )
        self.completeChanged.emit()

    def on_send_clicked(self) -> None:
        wiz = self.wiz()
        spawn(wiz.service.send_for_signature(wiz.draft.appointment_id))

    def isComplete(self) -> bool:
        return self.wiz().draft.server.get("status") in ("awaiting_signature", "signed", "submitted")

    def nextId(self) -> int:
        return PAGE_IDS["signature"]


class SignaturePage(WizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(_("Citizen's signature"))
        self.state = _plain()
        self.state.setObjectName("signatureState")
        self.resend = QPushButton(_("Send a new code"))
        self.submit = QPushButton(_("Submit the tràmit"))
        self.submit.setObjectName("submitTramit")
        layout = QVBoxLayout(self)
        layout.addWidget(self.state)
        layout.addWidget(self.resend)
        layout.addWidget(self.submit)
        layout.addStretch(1)
        self.resend.clicked.connect(
            lambda: spawn(self.wiz().service.send_for_signature(self.wiz().draft.appointment_id))
        )
        self.submit.clicked.connect(lambda: spawn(self.wiz().service.submit(self.wiz().draft.appointment_id)))

    def initializePage(self) -> None:
        self.update_state()

    def update_state(self) -> None:
        server = self.wiz().draft.server
        status = server.get("status", "draft")
        texts = {
            "awaiting_signature": _("Waiting for the citizen to type the code on their page…"),
            "signed": _("Signed by the citizen. You can submit the tràmit."),
            "submitted": _("Submitted."),
            "draft": _("The signature is no longer valid (something changed): send the summary again."),
        }
        self.state.setText(texts.get(status, status))
        self.submit.setEnabled(status == "signed")
        self.resend.setEnabled(status in ("awaiting_signature", "draft"))
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.wiz().draft.server.get("status") == "submitted"

    def nextId(self) -> int:
        return PAGE_IDS["receipt"]


class ReceiptPage(WizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(_("Receipt"))
        self.text = _plain()
        self.text.setObjectName("receiptText")
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addStretch(1)

    def initializePage(self) -> None:
        server = self.wiz().draft.server
        self.text.setText(
            _(
                "Registry number: {number}\n"
                "The citizen can download the receipt on their page (and gets it by e-mail).\n"
                "Receipt SHA-256: {sha}"
            ).format(number=server.get("registry_number") or "—", sha=server.get("receipt_sha256") or "—")
        )

    def nextId(self) -> int:
        return PAGE_IDS["post_call"]


class PostCallPage(WizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(_("Summary for the citizen after the call"))
        self.setSubTitle(
            _("Sent in the citizen's language: what was done, registry number, next steps, missing papers.")
        )
        self.missing = QListWidget()
        self.missing.setObjectName("missingDocuments")
        self.next_steps = QPlainTextEdit()
        self.next_steps.setObjectName("nextSteps")
        self.next_steps.setAccessibleName(_("Other next steps"))
        self.next_steps.setPlaceholderText(_("Other next steps, in the citizen's language (optional)"))
        self.send = QPushButton(_("Send the summary to the citizen"))
        self.send.setObjectName("sendPostSummary")
        layout = QVBoxLayout(self)
        layout.addWidget(_buddy(_("Missing documents:"), self.missing))
        layout.addWidget(self.missing)
        layout.addWidget(self.next_steps)
        layout.addWidget(self.send)
        self.send.clicked.connect(self.on_send_clicked)

    def initializePage(self) -> None:
        wiz = self.wiz()
        self.missing.clear()
        for doc in wiz.tramit.get("required_documents", []):
            item = QListWidgetItem(_names(doc, wiz.lang))
            item.setData(Qt.ItemDataRole.UserRole, doc["code"])
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            missing = doc["code"] in wiz.draft.missing_documents
            item.setCheckState(Qt.CheckState.Checked if missing else Qt.CheckState.Unchecked)
            self.missing.addItem(item)
        self.next_steps.setPlainText(wiz.draft.next_steps)

    def _missing(self) -> list[str]:
        items = [self.missing.item(i) for i in range(self.missing.count())]
        return [
            str(i.data(Qt.ItemDataRole.UserRole))
            for i in items
            if i and i.checkState() == Qt.CheckState.Checked
        ]

    def save_to(self, draft: WizardDraft) -> WizardDraft:
        return replace(draft, step="post_call", missing_documents=tuple(self._missing()),
                       next_steps=self.next_steps.toPlainText().strip())  # fmt: skip

    def on_send_clicked(self) -> None:
        wiz = self.wiz()
        wiz.draft = self.save_to(wiz.draft)
        spawn(wiz.service.send_post_summary(wiz.draft.appointment_id, self._missing(), wiz.draft.next_steps))

    def nextId(self) -> int:
        return -1


PAGES: tuple[tuple[str, type[WizardPage]], ...] = (
    ("mode", ModePage),
    ("assisted_steps", AssistedStepsPage),
    ("assisted_result", AssistedResultPage),
    ("form", FormPage),
    ("documents", DocumentsPage),
    ("summary", SummaryPage),
    ("signature", SignaturePage),
    ("receipt", ReceiptPage),
    ("post_call", PostCallPage),
)
PAGE_IDS = {name: i for i, (name, _cls) in enumerate(PAGES)}


class TramitWizard(QWizard):
    """Signals:
    draft_changed: the draft after a save (already handed to the service)
    """

    draft_changed = pyqtSignal(object)

    def __init__(
        self,
        service: WizardService,
        tramit: dict[str, Any],
        draft: WizardDraft,
        gate: GateProvider,
        *,
        lang: str = "ca",
        today: date | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service, self.tramit, self.draft, self.gate, self.lang = service, tramit, draft, gate, lang
        self.today = today or date.today()
        self.setObjectName("tramitWizard")
        self.setWindowTitle(_("Tràmit: {name}").format(name=_names(tramit, lang)))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.pages: dict[str, WizardPage] = {}
        for i, (name, cls) in enumerate(PAGES):
            page = cls()
            page.setObjectName(f"page_{name}")
            self.setPage(i, page)
            self.pages[name] = page
        # Resume where the informador was (a restart, a dropped call, a transfer).
        if draft.step in PAGE_IDS and draft.level:
            self.setStartId(PAGE_IDS[draft.step])
        self.notice = _plain()
        self.notice.setObjectName("wizardNotice")
        self.notice.setMaximumWidth(220)
        set_tone(self.notice, "note")
        self.notice.hide()
        self.setSideWidget(self.notice)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SAVE_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.save_now)
        self._loading = False  # set while pages are refilled from a loaded draft: not an edit
        self._closing = False
        self._shown: WizardPage | None = None
        self.currentIdChanged.connect(self._on_page_changed)
        service.server_changed.connect(self.on_server_changed)
        service.conflict.connect(self.on_conflict)
        service.document_ready.connect(self.on_document_ready)
        gates_changed = getattr(gate, "gates_changed", None)  # ChecklistService; a fixed provider has none
        if gates_changed is not None:
            gates_changed.connect(self.on_gates_changed)
        if draft.appointment_id in service.conflicts:
            self._show_conflict(service.conflicts[draft.appointment_id])
        self.resize(760, 620)

    # -- saving ---------------------------------------------------------------------------------
    def save_now(self) -> None:
        """Hand what the current page holds (valid or not) to the service, which saves off this thread."""
        self._debounce.stop()
        page = self._shown or self.currentPage()
        if isinstance(page, WizardPage):
            self.draft = page.save_to(self.draft)
            spawn(self._save(self.draft))

    def schedule_save(self, *_args: object) -> None:
        if not self._loading:
            self._debounce.start()  # restarted by each edit: saves 2 s after the last one

    def validateCurrentPage(self) -> bool:
        valid = super().validateCurrentPage()
        page = self.currentPage()
        if isinstance(page, WizardPage):
            self.draft = page.save_to(self.draft)  # the next page initialises from it
        if not valid:
            self.save_now()  # not valid yet: still saved as typed, never lost
        return valid  # when valid, the page change that follows saves it (_on_page_changed)

    def _on_page_changed(self, _page_id: int) -> None:
        # Next or Back: the page being left is saved as it stands (its widgets keep their values).
        if self._shown is not None:
            self.save_now()
        page = self.currentPage()
        self._shown = page if isinstance(page, WizardPage) else None
        if page is not None:
            self._watch(page)

    def _watch(self, page: QWidget) -> None:
        """Any edit on the page (re)starts the save timer; editors made in initializePage included."""
        for w in page.findChildren(QWidget):
            if w.property("wizardWatched"):
                continue
            w.setProperty("wizardWatched", True)
            signals: list[Any] = []
            if isinstance(w, QLineEdit):
                signals = [w.textEdited]
            elif isinstance(w, QPlainTextEdit) and not w.isReadOnly():
                signals = [w.textChanged]
            elif isinstance(w, QComboBox):
                signals = [w.activated]
            elif isinstance(w, QCheckBox | QRadioButton):
                signals = [w.clicked]
            elif isinstance(w, QSpinBox):
                signals = [w.valueChanged]
            elif isinstance(w, QListWidget):
                signals = [w.itemChanged]
            for signal in signals:
                signal.connect(self.schedule_save)

    def done(self, result: int) -> None:
        # Finish, Cancel, Escape and the window's close button all end here: save what is on screen.
        if not self._closing:
            self.save_now()
        self._shown = None
        super().done(result)

    async def save_and_close(self) -> None:
        """The console quits: save what is on screen and wait for it (shutdown cancels background tasks)."""
        self._debounce.stop()
        self._closing = True
        page = self._shown or self.currentPage()
        if isinstance(page, WizardPage):
            self.draft = page.save_to(self.draft)
        await self.service.save(self.draft)
        if not sip.isdeleted(self):
            self.done(0)

    async def _save(self, draft: WizardDraft) -> None:
        saved = await self.service.save(draft)
        if sip.isdeleted(self):
            return  # closed meanwhile: the draft is saved all the same
        if saved.appointment_id == self.draft.appointment_id:
            self.draft = replace(self.draft, server_version=saved.server_version, pending=saved.pending,
                                 server=saved.server)  # fmt: skip
        self.draft_changed.emit(self.draft)

    # -- what others changed ------------------------------------------------------------------------
    def on_conflict(self, appointment_id: str, path: str) -> None:
        """A colleague's newer draft is on the backend: show it (mine is kept in `path`)."""
        if appointment_id != self.draft.appointment_id:
            return
        self._debounce.stop()
        theirs = self.service.drafts.get(appointment_id)
        if theirs is not None:
            self.draft = theirs
        page = self.currentPage()
        if page is not None:
            self._loading = True
            try:
                page.initializePage()
            finally:
                self._loading = False
            self._watch(page)
        self._show_conflict(path)

    def _show_conflict(self, path: str) -> None:
        text = _("A colleague changed this tràmit after you: their version is shown. Yours is kept in {path}")
        self.notice.setText(text.format(path=path))
        self.notice.show()

    def on_gates_changed(self, appointment_id: str) -> None:
        if appointment_id == self.draft.appointment_id:
            mode = self.pages["mode"]
            assert isinstance(mode, ModePage)
            mode.refresh_gate()

    def on_document_ready(self, _document_id: str, path: str) -> None:
        if self.isVisible():
            QDesktopServices.openUrl(QUrl.fromLocalFile(path))

    def on_server_changed(self, appointment_id: str, server: dict[str, Any]) -> None:
        if appointment_id != self.draft.appointment_id:
            return
        self.draft = replace(self.draft, server=server, server_version=int(server.get("version") or 0))
        page = self.currentPage()
        for refresh in ("update_state", "show_received"):
            if hasattr(page, refresh):
                getattr(page, refresh)()
