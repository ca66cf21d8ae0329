"""The checklist as a flat list model: a header row per script section, then its items.

Item rows are checkable (CheckStateRole: done or overridden = checked). Ticking through the model is
only offered for items without evidence to type (say, check); the others need their editor. The model
never writes the run itself: setData asks through `check_requested` and the service's change signal
comes back as dataChanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from PyQt6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    pyqtSignal,
)

from console.scripts import ChecklistEngine, ItemKind, ItemState, ScriptItem, ScriptSection

_Index = QModelIndex | QPersistentModelIndex


class Role(IntEnum):
    ITEM_ID = Qt.ItemDataRole.UserRole + 1
    IS_SECTION = Qt.ItemDataRole.UserRole + 2
    KIND = Qt.ItemDataRole.UserRole + 3
    REQUIRED = Qt.ItemDataRole.UserRole + 4
    STATE = Qt.ItemDataRole.UserRole + 5
    CITIZEN_LABEL = Qt.ItemDataRole.UserRole + 6
    STAFF_LABEL = Qt.ItemDataRole.UserRole + 7
    CITIZEN_TEXT = Qt.ItemDataRole.UserRole + 8
    STAFF_TEXT = Qt.ItemDataRole.UserRole + 9
    RECORD = Qt.ItemDataRole.UserRole + 10
    ITEM = Qt.ItemDataRole.UserRole + 11
    GATES = Qt.ItemDataRole.UserRole + 12


# Kinds the informador can tick with one key: nothing to type.
SIMPLE_KINDS = frozenset({ItemKind.SAY, ItemKind.CHECK})
STATE_GLYPHS = {
    ItemState.PENDING: "○",
    ItemState.DONE: "✓",
    ItemState.FAILED: "✗",
    ItemState.SKIPPED: "–",
    ItemState.OVERRIDDEN: "⚑",
}


@dataclass(frozen=True)
class _Row:
    section: ScriptSection
    item: ScriptItem | None = None


class ChecklistModel(QAbstractListModel):
    """Signals:
    check_requested: the user (un)ticked a simple item in the view. args: item id, checked
    """

    check_requested = pyqtSignal(str, bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._engine: ChecklistEngine | None = None
        self._rows: list[_Row] = []
        self.citizen_language = "ca"
        self.staff_language = "ca"
        self.placeholders: dict[str, str] = {}  # for the citizen's texts
        self.staff_placeholders: dict[str, str] = {}  # the same in the informador's language

    # -- feeding ------------------------------------------------------------------------------------
    def set_run(
        self,
        engine: ChecklistEngine | None,
        citizen_language: str,
        staff_language: str,
        placeholders: dict[str, str] | None = None,
        staff_placeholders: dict[str, str] | None = None,
    ) -> None:
        """`placeholders` fill the citizen's texts; `staff_placeholders` (default: the same) the
        informador's, since a tràmit's name differs by language."""
        self.beginResetModel()
        self._engine = engine
        self.citizen_language, self.staff_language = citizen_language, staff_language
        self.placeholders = dict(placeholders or {})
        self.staff_placeholders = dict(
            self.placeholders if staff_placeholders is None else staff_placeholders
        )
        self._rows = []
        if engine is not None:
            applicable = {item.id for item in engine.run.items}
            for section in engine.run.script.sections:
                items = [item for item in section.items if item.id in applicable]
                if items:
                    self._rows.append(_Row(section))
                    self._rows.extend(_Row(section, item) for item in items)
        self.endResetModel()

    def refresh(self, engine: ChecklistEngine | None = None) -> None:
        """Item states changed (same items): repaint every row."""
        if engine is not None:
            self._engine = engine
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, 0))

    def row_of(self, item_id: str) -> int | None:
        return next((i for i, r in enumerate(self._rows) if r.item and r.item.id == item_id), None)

    def item_rows(self) -> list[int]:
        return [i for i, r in enumerate(self._rows) if r.item is not None]

    # -- Qt interface -------------------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's default argument
        """Override QAbstractListModel::rowCount: flat list, so children of valid parents are none."""
        return 0 if parent.isValid() else len(self._rows)

    def flags(self, index: _Index) -> Qt.ItemFlag:
        """Override QAbstractItemModel::flags: headers are not selectable; simple items are checkable."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        row = self._rows[index.row()]
        if row.item is None:
            return Qt.ItemFlag.ItemIsEnabled
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if row.item.kind in SIMPLE_KINDS:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Override QAbstractItemModel::data."""
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == Role.IS_SECTION:
            return row.item is None
        if row.item is None:
            if role in (Qt.ItemDataRole.DisplayRole, Role.CITIZEN_LABEL):
                return row.section.title.get(self.citizen_language)
            if role == Role.STAFF_LABEL:
                return row.section.title.get(self.staff_language)
            return None
        return self._item_data(row.item, role)

    def _item_data(self, item: ScriptItem, role: int) -> Any:
        record = self._engine.run.record(item.id) if self._engine else None
        state = record.state if record else ItemState.PENDING
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{STATE_GLYPHS[state]} {item.label.get(self.citizen_language)}"
        if role == Qt.ItemDataRole.CheckStateRole:
            done = record is not None and record.satisfied
            return Qt.CheckState.Checked if done else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ToolTipRole:
            return item.text.render(self.staff_language, **self.staff_placeholders).text
        values: dict[int, Any] = {
            Role.ITEM_ID: item.id,
            Role.KIND: item.kind.value,
            Role.REQUIRED: item.required,
            Role.STATE: state.value,
            Role.CITIZEN_LABEL: item.label.get(self.citizen_language),
            Role.STAFF_LABEL: item.label.get(self.staff_language),
            Role.CITIZEN_TEXT: item.text.render(self.citizen_language, **self.placeholders).text,
            Role.STAFF_TEXT: item.text.render(self.staff_language, **self.staff_placeholders).text,
            Role.RECORD: record,
            Role.ITEM: item,
            Role.GATES: [gate.value for gate in item.gates],
        }
        return values.get(role)

    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """Override QAbstractItemModel::setData: a checkbox click becomes a request to the service."""
        if role != Qt.ItemDataRole.CheckStateRole or not index.isValid():
            return False
        row = self._rows[index.row()]
        if row.item is None or row.item.kind not in SIMPLE_KINDS:
            return False
        checked = Qt.CheckState(value) == Qt.CheckState.Checked
        self.check_requested.emit(row.item.id, checked)
        return True

    def roleNames(self) -> dict[int, QByteArray]:
        names = dict(super().roleNames())
        names.update({int(role): QByteArray(role.name.lower().encode()) for role in Role})
        return names
