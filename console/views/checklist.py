"""The checklist panel: the call script and identification protocol of one appointment, beside the call.

Keyboard: Up/Down or J/K move between items, Space ticks a simple item (or goes to its editor),
N writes a note, Ctrl+Enter confirms the editor (or saves the note). Every text is plain text: item
values and names come from people.
"""

from __future__ import annotations

from PyQt6.QtCore import QEvent, QModelIndex, QObject, QRect, QSize, Qt
from PyQt6.QtGui import QColor, QFont, QKeyEvent, QKeySequence, QPainter, QShortcut
from PyQt6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from console import formatting, i18n
from console.i18n import N_, _
from console.labels import language_name
from console.models.checklist_model import SIMPLE_KINDS, STATE_GLYPHS, ChecklistModel, Role
from console.resources import tone_colour
from console.scripts import Gate, ItemKind, ItemState, ScriptItem
from console.services.checklist import GATE_NAMES, ChecklistService
from console.views.checklist_editors import Editor, editor_for
from console.views.tone import Tone, set_tone

STATE_NAMES = {
    ItemState.PENDING: N_("Pending"),
    ItemState.DONE: N_("Done"),
    ItemState.FAILED: N_("Failed"),
    ItemState.SKIPPED: N_("Skipped"),
    ItemState.OVERRIDDEN: N_("Overridden by a supervisor"),
}
STATE_TONES: dict[ItemState, Tone] = {
    ItemState.PENDING: "muted",
    ItemState.DONE: "ok",
    ItemState.FAILED: "error",
    ItemState.SKIPPED: "note",
    ItemState.OVERRIDDEN: "info",
}


def _plain(text: str = "", parent: QWidget | None = None, name: str = "") -> QLabel:
    label = QLabel(text, parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    if name:
        label.setObjectName(name)
    return label


def _scrolling(widget: QWidget, parent: QWidget) -> QScrollArea:
    """widget in a frameless scroll area that is no Tab stop of its own (a narrow dock scrolls the
    buttons row sideways rather than cutting it)."""
    area = QScrollArea(parent)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    area.setWidget(widget)
    return area


class ItemDelegate(QStyledItemDelegate):
    """Two lines per item: the citizen's language, then the informador's (smaller, grey)."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        if index.data(Role.IS_SECTION):
            return QSize(200, 30)
        return QSize(200, 44)

    def paint(self, painter: QPainter | None, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        if painter is None:
            return
        painter.save()
        rect: QRect = option.rect
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        palette = option.palette
        if index.data(Role.IS_SECTION):
            font = QFont(option.font)
            font.setBold(True)
            painter.setFont(font)
            painter.setPen(palette.windowText().color())
            painter.drawText(
                rect.adjusted(8, 8, -8, 0), Qt.AlignmentFlag.AlignLeft, str(index.data(Role.CITIZEN_LABEL))
            )
            painter.restore()
            return
        if selected:
            painter.fillRect(rect, palette.highlight())
        state = ItemState(index.data(Role.STATE))
        text_colour = palette.highlightedText().color() if selected else palette.text().color()
        painter.setPen(QColor(tone_colour(STATE_TONES[state])) if not selected else text_colour)
        glyph_font = QFont(option.font)
        glyph_font.setPointSizeF(glyph_font.pointSizeF() * 1.3)
        painter.setFont(glyph_font)
        painter.drawText(
            QRect(rect.left() + 8, rect.top(), 22, rect.height()),
            Qt.AlignmentFlag.AlignVCenter,
            STATE_GLYPHS[state],
        )
        main = QFont(option.font)
        painter.setFont(main)
        painter.setPen(text_colour)
        marker = " *" if index.data(Role.REQUIRED) else ""
        painter.drawText(
            QRect(rect.left() + 34, rect.top() + 4, rect.width() - 40, 20),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            f"{index.data(Role.CITIZEN_LABEL)}{marker}",
        )
        small = QFont(option.font)
        small.setPointSizeF(small.pointSizeF() * 0.85)
        painter.setFont(small)
        if not selected:
            painter.setPen(palette.placeholderText().color())
        painter.drawText(
            QRect(rect.left() + 34, rect.top() + 23, rect.width() - 40, 18),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            str(index.data(Role.STAFF_LABEL)),
        )
        painter.restore()


class OverrideDialog(QDialog):
    """A supervisor picks what to let through and writes why (audited with their name)."""

    def __init__(self, targets: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Supervisor override"))
        self.target = QComboBox(self)
        self.target.setObjectName("overrideTarget")
        self.target.setAccessibleName(_("What to let through"))
        for key, label in targets:
            self.target.addItem(label, key)
        self.reason = QPlainTextEdit(self)
        self.reason.setObjectName("overrideReason")
        self.reason.setAccessibleName(_("Reason for the override"))
        self.reason.setPlaceholderText(
            _("Why is this let through without the evidence? (at least 10 characters)")
        )
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(_plain(_("This is recorded in the audit log with your name."), self))
        layout.addWidget(self.target)
        layout.addWidget(self.reason)
        layout.addWidget(buttons)

    @classmethod
    def ask(cls, targets: list[tuple[str, str]], parent: QWidget | None = None) -> tuple[str, str] | None:
        """(target, reason) or None; tests replace this method instead of driving a modal dialog."""
        dialog = cls(targets, parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return str(dialog.target.currentData()), dialog.reason.toPlainText()


class ChecklistPanel(QFrame):
    """The checklist of one appointment at a time (the one in the call, or opened from the agenda)."""

    def __init__(self, service: ChecklistService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("checklistPanel")
        self.service = service
        self.appointment_id = ""
        self.model = ChecklistModel(self)
        self._editor: Editor | None = None
        self._item: ScriptItem | None = None

        self.title = _plain("", self, "checklistTitle")
        self.languages = _plain("", self, "checklistLanguages")
        self.sync_note = _plain("", self, "checklistSync")
        self.sync_note.hide()

        self.list = QListView(self)
        self.list.setObjectName("checklistItems")
        self.list.setAccessibleName(_("Checklist items"))
        self.list.setModel(self.model)
        self.list.setItemDelegate(ItemDelegate(self.list))
        self.list.setUniformItemSizes(False)
        self.list.installEventFilter(self)

        # The selected item: what to say, how it stands, and its evidence editor.
        self.citizen_text = _plain("", self, "citizenText")
        self.citizen_text.setStyleSheet("font-size: 15px;")
        # The script has no text in the citizen's language: say which one is shown instead.
        self.fallback_note = _plain("", self, "citizenFallback")
        self.fallback_note.setStyleSheet("font-size: 12px; font-style: italic;")
        set_tone(self.fallback_note, "note")
        self.fallback_note.hide()
        self.staff_text = _plain("", self, "staffText")
        self.staff_text.setStyleSheet("font-size: 12px;")
        set_tone(self.staff_text, "muted")
        self.state = _plain("", self, "itemState")
        self.editor_box = QVBoxLayout()
        self.error = _plain("", self, "itemError")
        set_tone(self.error, "error")
        self.error.hide()
        self.note = QLineEdit(self)
        self.note.setObjectName("itemNote")
        self.note.setMaxLength(2000)
        self.note.installEventFilter(self)
        self.note.setPlaceholderText(_("Note (N to write, Ctrl+Enter to save)"))
        self.note.setAccessibleName(_("Note on this item"))
        self.tick_button = QPushButton(_("Tick"), self)
        self.tick_button.setObjectName("tickButton")
        self.tick_button.setToolTip(_("Space, or Ctrl+Enter in an editor"))
        self.fail_button = QPushButton(_("Failed"), self)
        self.fail_button.setObjectName("failButton")
        self.skip_button = QPushButton(_("Skip"), self)
        self.skip_button.setObjectName("skipButton")
        self.reset_button = QPushButton(_("Undo"), self)
        self.reset_button.setObjectName("resetButton")
        self.note_button = QPushButton(_("Save note"), self)
        self.note_button.setObjectName("noteButton")
        # Two by two: the dock stays narrow beside the agenda and the call in every language.
        buttons = QGridLayout()
        for n, button in enumerate((self.tick_button, self.fail_button, self.skip_button, self.reset_button)):
            buttons.addWidget(button, n // 2, n % 2)
        note_row = QHBoxLayout()
        note_row.addWidget(self.note, 1)
        note_row.addWidget(self.note_button)

        detail = QWidget(self)
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(8, 0, 0, 0)
        detail_layout.addWidget(self.citizen_text)
        detail_layout.addWidget(self.fallback_note)
        detail_layout.addWidget(self.staff_text)
        detail_layout.addWidget(self.state)
        detail_layout.addLayout(self.editor_box)
        detail_layout.addWidget(self.error)
        detail_layout.addLayout(buttons)
        detail_layout.addLayout(note_row)
        detail_layout.addStretch(1)

        self.gates = _plain("", self, "gatesSummary")
        set_tone(self.gates, "panel")
        # The item's texts and the gates' reasons grow with the script: each pane scrolls in its share
        # of the dock instead of squeezing the others (labels used to overlap on a laptop screen).
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.list)
        splitter.addWidget(_scrolling(detail, self))
        splitter.addWidget(_scrolling(self.gates, self))
        for pane, stretch in enumerate((3, 3, 1)):
            splitter.setStretchFactor(pane, stretch)
        splitter.setChildrenCollapsible(False)

        self.override_button = QPushButton(_("Supervisor override…"), self)
        self.override_button.setObjectName("overrideButton")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.title)
        layout.addWidget(self.languages)
        layout.addWidget(self.sync_note)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.override_button)

        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.confirm)
        self._connect_signals()
        self.show_run("")

    def _connect_signals(self) -> None:
        selection = self.list.selectionModel()
        assert selection is not None
        selection.currentChanged.connect(lambda current, _previous: self._show_item(current))
        self.model.check_requested.connect(self._on_check_requested)
        self.tick_button.clicked.connect(self.confirm_editor)
        self.fail_button.clicked.connect(self._on_fail)
        self.skip_button.clicked.connect(self._on_skip)
        self.reset_button.clicked.connect(self._on_reset)
        self.note_button.clicked.connect(self.save_note)
        self.override_button.clicked.connect(self._on_override)
        self.service.run_opened.connect(self._on_run_opened)
        self.service.run_changed.connect(self._on_run_changed)
        self.service.gates_changed.connect(self._on_gates_changed)
        self.service.sync_changed.connect(self._on_sync_changed)

    # -- inputs -------------------------------------------------------------------------------------
    def show_run(self, appointment_id: str) -> None:
        """Show that appointment's run (call service.open first; this follows its run_opened)."""
        self.appointment_id = appointment_id
        engine = self.service.engine(appointment_id) if appointment_id else None
        appointment = self.service.appointment(appointment_id) if appointment_id else None
        staff_lang = i18n.language()
        citizen_lang = engine.run.appointment.citizen_language.value if engine else staff_lang
        self.model.set_run(
            engine,
            citizen_lang,
            staff_lang,
            self.service.placeholders(appointment_id, citizen_lang),
            self.service.placeholders(appointment_id, staff_lang),
        )
        self.override_button.setVisible(engine is not None and self.service.is_supervisor)
        if engine is None or appointment is None:
            self.title.setText(_("Open an appointment's checklist from the agenda or the call."))
            self.languages.clear()
            self.gates.hide()
            self._show_item(QModelIndex())
            return
        self.title.setText(
            _("Checklist: {citizen} · {script}").format(
                citizen=appointment.citizen_name, script=engine.run.script.title.get(staff_lang)
            )
        )
        self.languages.setText(
            _("Citizen's language: {citizen} · yours (smaller): {staff}").format(
                citizen=language_name(citizen_lang), staff=language_name(staff_lang)
            )
        )
        self._on_sync_changed(appointment_id, self.service.unsent(appointment_id))
        self._update_gates()
        first = next(
            (r for r in self.model.item_rows() if self.model.index(r, 0).data(Role.STATE) == "pending"),
            self.model.item_rows()[0] if self.model.item_rows() else None,
        )
        if first is not None:
            self.list.setCurrentIndex(self.model.index(first, 0))

    def _on_run_opened(self, appointment_id: str) -> None:
        if appointment_id == self.appointment_id:
            current = self._item.id if self._item else None
            self.show_run(appointment_id)
            if current and (row := self.model.row_of(current)) is not None:
                self.list.setCurrentIndex(self.model.index(row, 0))

    def _on_run_changed(self, appointment_id: str) -> None:
        if appointment_id == self.appointment_id:
            self.model.refresh(self.service.engine(appointment_id))
            self._show_state()

    def _on_gates_changed(self, appointment_id: str) -> None:
        if appointment_id == self.appointment_id:
            self._update_gates()

    def _on_sync_changed(self, appointment_id: str, unsent: int) -> None:
        if appointment_id != self.appointment_id:
            return
        self.sync_note.setText(
            i18n.ngettext(
                "{n} checklist change waiting to sync", "{n} checklist changes waiting to sync", unsent
            ).format(n=unsent)
        )
        self.sync_note.setVisible(unsent > 0)

    # -- the selected item ----------------------------------------------------------------------------
    def current_item(self) -> ScriptItem | None:
        return self._item

    def _show_item(self, index: QModelIndex) -> None:
        item = index.data(Role.ITEM) if index.isValid() else None
        self._item = item if isinstance(item, ScriptItem) else None
        self.error.hide()
        self.note.clear()
        if self._editor is not None:
            self.editor_box.removeWidget(self._editor)
            self._editor.deleteLater()
            self._editor = None
        has_item = self._item is not None
        for widget in (
            self.tick_button,
            self.fail_button,
            self.skip_button,
            self.reset_button,
            self.note,
            self.note_button,
        ):
            widget.setEnabled(has_item)
        if self._item is None:
            self.citizen_text.clear()
            self.fallback_note.hide()
            self.staff_text.clear()
            self.state.clear()
            return
        self.citizen_text.setText(str(index.data(Role.CITIZEN_TEXT)))
        self._show_fallback(self._item)
        self.staff_text.setText(str(index.data(Role.STAFF_TEXT)))
        appointment = self.service.appointment(self.appointment_id)
        self._editor = editor_for(
            self._item, appointment.citizen_name if appointment else "", self.model.citizen_language, self
        )
        self.editor_box.addWidget(self._editor)
        for child in self._editor.findChildren(QWidget):
            child.installEventFilter(self)  # Ctrl+Enter confirms from any field
        automatic = self._item.kind is ItemKind.AUTOMATIC
        self.tick_button.setText(_("Read aloud") if self._item.kind is ItemKind.SAY else _("Tick"))
        for button in (self.tick_button, self.fail_button, self.reset_button):
            button.setEnabled(not automatic)
        self.skip_button.setEnabled(not self._item.required)
        self._show_state()

    def _show_fallback(self, item: ScriptItem) -> None:
        resolved = item.text.resolve(self.model.citizen_language)
        self.fallback_note.setText(
            _("(text in {shown}: the script has no {requested} version)").format(
                shown=language_name(resolved.language.value),
                requested=language_name(resolved.requested.value),
            )
            if resolved.is_fallback
            else ""
        )
        self.fallback_note.setVisible(resolved.is_fallback)

    def _show_state(self) -> None:
        engine = self.service.engine(self.appointment_id)
        if self._item is None or engine is None:
            return
        record = engine.run.record(self._item.id)
        text = _(STATE_NAMES[record.state])
        if record.by and record.at:
            text = _("{state} · {who}, {time}").format(
                state=text, who=record.by, time=formatting.time(record.at)
            )
        if self._item.kind is ItemKind.AUTOMATIC and record.state is ItemState.PENDING:
            text += " · " + _("ticks itself when the citizen's PIN is verified")
        if record.note:
            text += "\n" + _("Note: {note}").format(note=record.note)
        self.state.setText(text)
        set_tone(self.state, STATE_TONES[record.state])

    def _show_error(self, message: str) -> bool:
        self.error.setText(message)
        self.error.setVisible(bool(message))
        return not message

    # -- actions --------------------------------------------------------------------------------------
    def confirm(self) -> None:
        """Ctrl+Enter: save the note when writing one, else confirm the editor."""
        if self.focusWidget() is self.note and self.note.text().strip():
            self.save_note()
        else:
            self.confirm_editor()

    def confirm_editor(self) -> None:
        if self._item is None or self._editor is None:
            return
        if self._show_error(
            self.service.tick(self.appointment_id, self._item.id, self._editor.values(), self.note.text())
        ):
            self.note.clear()
            self.next_item()

    def save_note(self) -> None:
        if self._item is not None and self._show_error(
            self.service.add_note(self.appointment_id, self._item.id, self.note.text())
        ):
            self.note.clear()
            self.list.setFocus()

    def _on_fail(self) -> None:
        if self._item is not None and self._show_error(
            self.service.fail(self.appointment_id, self._item.id, self.note.text())
        ):
            self.note.clear()

    def _on_skip(self) -> None:
        if self._item is not None and self._show_error(
            self.service.skip(self.appointment_id, self._item.id, self.note.text())
        ):
            self.next_item()

    def _on_reset(self) -> None:
        if self._item is not None:
            self._show_error(self.service.reset(self.appointment_id, self._item.id, self.note.text()))

    def _on_check_requested(self, item_id: str, checked: bool) -> None:
        if checked:
            self._show_error(self.service.tick(self.appointment_id, item_id))

    def _on_override(self) -> None:
        targets = [(gate.value, _(GATE_NAMES[gate])) for gate in Gate]
        if self._item is not None:
            targets.append(
                (self._item.id, _("This item: {label}").format(label=self._item.label.get(i18n.language())))
            )
        answer = OverrideDialog.ask(targets, self)
        if answer is not None:
            self._show_error(self.service.override(self.appointment_id, *answer))

    # -- keyboard -------------------------------------------------------------------------------------
    def next_item(self, step: int = 1) -> None:
        rows = self.model.item_rows()
        if not rows:
            return
        current = self.list.currentIndex().row()
        later = [r for r in rows if (r > current if step > 0 else r < current)]
        target = (later[0] if step > 0 else later[-1]) if later else current
        if target >= 0:
            self.list.setCurrentIndex(self.model.index(target, 0))

    def eventFilter(self, watched: QObject | None, event: QEvent | None) -> bool:
        if (
            watched is not self.list
            and event is not None
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            # The same as the Ctrl+Enter shortcut, for when the window is not the active one.
            self.confirm()
            return True
        if watched is self.list and event is not None and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
                return False
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_J):
                self.next_item(1)
                return True
            if key in (Qt.Key.Key_Up, Qt.Key.Key_K):
                self.next_item(-1)
                return True
            if key == Qt.Key.Key_Space and self._item is not None:
                if self._item.kind in SIMPLE_KINDS:
                    self.confirm_editor()
                elif self._editor is not None:
                    self._editor.focusNextChild()  # into the editor's first field
                return True
            if key == Qt.Key.Key_N and self._item is not None:
                self.note.setFocus()
                return True
        return super().eventFilter(watched, event)

    # -- gates ----------------------------------------------------------------------------------------
    def _update_gates(self) -> None:
        if not self.appointment_id or self.service.engine(self.appointment_id) is None:
            self.gates.hide()
            return
        lines = []
        for gate in Gate:
            status = self.service.gate_status(self.appointment_id, gate)
            name = _(GATE_NAMES[gate])
            if status.allowed and status.override is not None:
                lines.append(
                    _("{action}: allowed by {who} (override: “{reason}”)").format(
                        action=name, who=status.override.by, reason=status.override.reason
                    )
                )
            elif status.allowed:
                lines.append(_("{action}: allowed").format(action=name))
            else:
                lines.append(self.service.blocked_reason(self.appointment_id, gate))
        self.gates.setText("\n".join(lines))
        self.gates.show()
