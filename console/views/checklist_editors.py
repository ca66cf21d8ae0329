"""Evidence editors of the checklist panel, one per item kind. They only collect values; the engine
(through the service) validates them and its message is shown inline by the panel."""

from __future__ import annotations

from PyQt6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QSpinBox,
    QWidget,
)

from console.i18n import _
from console.scripts import DocumentType, ItemKind, ScriptItem


class Editor(QWidget):
    """Base: no values (say / check / automatic)."""

    def __init__(self, item: ScriptItem, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.item = item
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)

    def values(self) -> dict[str, object]:
        return {}


class IdDocumentEditor(Editor):
    def __init__(self, item: ScriptItem, parent: QWidget | None = None) -> None:
        super().__init__(item, parent)
        self.doc_type = QComboBox(self)
        self.doc_type.setObjectName("docType")
        names = {DocumentType.DNI: _("DNI"), DocumentType.NIE: _("NIE"), DocumentType.PASSPORT: _("Passport")}
        for doc_type in item.doc_types or tuple(DocumentType):
            self.doc_type.addItem(names[doc_type], doc_type.value)
        self.number = QLineEdit(self)
        self.number.setObjectName("docNumber")
        self.number.setMaxLength(40)
        self.expiry = QLineEdit(self)
        self.expiry.setObjectName("docExpiry")
        self.expiry.setMaxLength(20)
        self.expiry.setPlaceholderText(_("DD/MM/YYYY, or “permanent” (DNI)"))
        self.form.addRow(_("Document"), self.doc_type)
        self.form.addRow(_("Number"), self.number)
        self.form.addRow(_("Valid until"), self.expiry)

    def values(self) -> dict[str, object]:
        return {
            "doc_type": str(self.doc_type.currentData()),
            "number": self.number.text(),
            "expiry": self.expiry.text(),
        }


class DataMatchEditor(Editor):
    def __init__(self, item: ScriptItem, expected_name: str, parent: QWidget | None = None) -> None:
        super().__init__(item, parent)
        self.fields: dict[str, QLineEdit] = {}
        names = {"name": _("Name as stated"), "birth_date": _("Date of birth")}
        if expected_name:
            expected = QLabel(expected_name, self)
            expected.setObjectName("expectedName")
            expected.setTextFormat(expected.textFormat().PlainText)
            self.form.addRow(_("Appointment"), expected)
        for match_field in item.fields:
            edit = QLineEdit(self)
            edit.setObjectName(f"match_{match_field.value}")
            edit.setMaxLength(200)
            if match_field.value == "birth_date":
                edit.setPlaceholderText(_("DD/MM/YYYY"))
            self.fields[match_field.value] = edit
            self.form.addRow(names.get(match_field.value, match_field.value), edit)

    def values(self) -> dict[str, object]:
        return {key: edit.text() for key, edit in self.fields.items()}


class ConsentEditor(Editor):
    def __init__(self, item: ScriptItem, parent: QWidget | None = None) -> None:
        super().__init__(item, parent)
        self.yes = QRadioButton(_("Yes, the citizen agrees"), self)
        self.yes.setObjectName("consentYes")
        self.no = QRadioButton(_("No"), self)
        self.no.setObjectName("consentNo")
        group = QButtonGroup(self)
        group.addButton(self.yes)
        group.addButton(self.no)
        self.form.addRow(self.yes)
        self.form.addRow(self.no)

    def values(self) -> dict[str, object]:
        if not (self.yes.isChecked() or self.no.isChecked()):
            return {}  # the engine says an answer is needed
        return {"granted": self.yes.isChecked()}


class ChoiceEditor(Editor):
    def __init__(self, item: ScriptItem, language: str, parent: QWidget | None = None) -> None:
        super().__init__(item, parent)
        self.choice = QComboBox(self)
        self.choice.setObjectName("choice")
        for option in item.options:
            self.choice.addItem(option.label.get(language), option.id)
        self.form.addRow(_("Answer"), self.choice)

    def values(self) -> dict[str, object]:
        return {"choice": str(self.choice.currentData())}


class RatingEditor(Editor):
    def __init__(self, item: ScriptItem, parent: QWidget | None = None) -> None:
        super().__init__(item, parent)
        self.rating = QSpinBox(self)
        self.rating.setObjectName("rating")
        self.rating.setRange(1, item.scale or 5)
        self.form.addRow(_("Rating"), self.rating)

    def values(self) -> dict[str, object]:
        return {"rating": self.rating.value()}


def editor_for(item: ScriptItem, citizen_name: str, language: str, parent: QWidget | None = None) -> Editor:
    if item.kind is ItemKind.ID_DOCUMENT:
        return IdDocumentEditor(item, parent)
    if item.kind is ItemKind.DATA_MATCH:
        return DataMatchEditor(item, citizen_name, parent)
    if item.kind is ItemKind.CONSENT:
        return ConsentEditor(item, parent)
    if item.kind is ItemKind.CHOICE:
        return ChoiceEditor(item, language, parent)
    if item.kind is ItemKind.RATING:
        return RatingEditor(item, parent)
    return Editor(item, parent)
