"""The supervisor's board (informadors, waiting citizens, alerts, reassign) and KPIs (tables, bar
charts drawn with QPainter, CSV export). Views only: the SupervisorService does the work."""

from __future__ import annotations

from typing import Any

from PyQt6.QtCore import QRectF, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QColor, QPainter, QPaintEvent
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from console import formatting
from console.i18n import _
from console.models.board_models import InformadorsModel, KpiModel, RowRole, WaitingModel, state_name


def _table(model: Any) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().setVisible(False)  # type: ignore[union-attr]
    header = view.horizontalHeader()
    assert header is not None
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    view.setAlternatingRowColors(True)
    return view


class BarChart(QWidget):
    """Horizontal bars for one KPI of a KpiModel (no chart dependency: a few rectangles and labels)."""

    def __init__(self, model: KpiModel, key: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model, self.key, self.title = model, key, title
        self.setMinimumHeight(160)
        model.modelReset.connect(self.update)

    def bars(self) -> list[tuple[str, float]]:
        out = []
        for r in range(self.model.rowCount()):
            row = self.model.row(r)
            out.append((str(row.get("code") or row.get("name") or ""), float(row.get(self.key) or 0)))
        return out[:12]

    def paintEvent(self, event: QPaintEvent | None) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        bars = self.bars()
        w, h = self.width(), self.height()
        p.setPen(QColor("#1f2328"))
        p.drawText(QRectF(8, 4, w - 16, 20), Qt.AlignmentFlag.AlignLeft, self.title)
        if not bars:
            p.end()
            return
        top, label_w = 28, 90
        row_h = max(12.0, (h - top - 4) / len(bars))
        peak = max(v for _n, v in bars) or 1.0
        for i, (name, value) in enumerate(bars):
            y = top + i * row_h
            p.setPen(QColor("#1f2328"))
            p.drawText(QRectF(8, y, label_w - 12, row_h), Qt.AlignmentFlag.AlignVCenter, name)
            bar_w = (w - label_w - 60) * value / peak
            p.fillRect(QRectF(label_w, y + 2, max(1.0, bar_w), row_h - 4), QColor("#1d4f91"))
            text = formatting.number(value)
            p.drawText(QRectF(label_w + bar_w + 6, y, 54, row_h), Qt.AlignmentFlag.AlignVCenter, text)
        p.end()


class ReassignDialog(QDialog):
    """Choose an informador (state shown) or the pool."""

    def __init__(self, informadors: list[dict[str, Any]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Reassign"))
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("Give this citizen to:")))
        self.choice = QComboBox()
        self.choice.addItem(_("The shared pool"), None)
        for row in informadors:
            label = f"{row.get('full_name')} ({row.get('office_code')}) · {state_name(str(row.get('state')))}"
            self.choice.addItem(label, int(row["staff_id"]))
        layout.addWidget(self.choice)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def staff_id(self) -> int | None:
        value = self.choice.currentData()
        return int(value) if value is not None else None


class SupervisorView(QWidget):
    """Signals:
    reassign_requested: kind, item id, staff id or None for the pool
    kpis_requested: refresh the KPIs
    export_requested: the chosen CSV path
    """

    reassign_requested = pyqtSignal(str, str, object)
    kpis_requested = pyqtSignal()
    export_requested = pyqtSignal(str)

    def __init__(
        self,
        informadors: InformadorsModel,
        waiting: WaitingModel,
        office_kpis: KpiModel,
        tramit_kpis: KpiModel,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("supervisorView")
        self.informadors_model, self.waiting_model = informadors, waiting
        tabs = QTabWidget(self)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs)

        board = QWidget()
        board_layout = QVBoxLayout(board)
        self.alert_label = QLabel()
        self.alert_label.setObjectName("alertBanner")
        self.alert_label.setTextFormat(Qt.TextFormat.PlainText)
        self.alert_label.setStyleSheet("background:#fde2e1;color:#8c1d18;padding:6px;font-weight:600;")
        self.alert_label.hide()
        self.offices_label = QLabel()
        self.offices_label.setTextFormat(Qt.TextFormat.PlainText)
        board_layout.addWidget(self.alert_label)
        board_layout.addWidget(self.offices_label)
        split = QSplitter(Qt.Orientation.Horizontal)
        left, right = QWidget(), QWidget()
        ll, rl = QVBoxLayout(left), QVBoxLayout(right)
        ll.addWidget(QLabel(_("Informadors")))
        self.informadors_view = _table(informadors)
        ll.addWidget(self.informadors_view)
        rl.addWidget(QLabel(_("Waiting citizens")))
        self.waiting_view = _table(waiting)
        rl.addWidget(self.waiting_view)
        self.reassign_button = QPushButton(_("Reassign…"))
        self.reassign_button.clicked.connect(self._on_reassign)
        rl.addWidget(self.reassign_button)
        split.addWidget(left)
        split.addWidget(right)
        board_layout.addWidget(split, 1)
        tabs.addTab(board, _("Board"))

        kpis = QWidget()
        kl = QVBoxLayout(kpis)
        buttons = QHBoxLayout()
        self.refresh_kpis = QPushButton(_("Refresh"))
        self.refresh_kpis.clicked.connect(self.kpis_requested)
        self.export_button = QPushButton(_("Export CSV…"))
        self.export_button.clicked.connect(self._on_export)
        buttons.addWidget(self.refresh_kpis)
        buttons.addWidget(self.export_button)
        buttons.addStretch(1)
        kl.addLayout(buttons)
        charts = QHBoxLayout()
        charts.addWidget(BarChart(office_kpis, "served", _("Served per office")))
        charts.addWidget(BarChart(office_kpis, "avg_wait_s", _("Average wait per office (s)")))
        kl.addLayout(charts)
        kl.addWidget(QLabel(_("Per office")))
        self.office_kpi_view = _table(office_kpis)
        kl.addWidget(self.office_kpi_view)
        kl.addWidget(QLabel(_("Per procedure")))
        self.tramit_kpi_view = _table(tramit_kpis)
        kl.addWidget(self.tramit_kpi_view, 1)
        tabs.addTab(kpis, _("Today's KPIs"))
        self.tabs = tabs

        # Waiting times count up between pushes.
        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self._tick)
        self._ticker.start()

    def show_board(self, board: dict[str, Any]) -> None:
        parts = [
            f"{o['code']}: {o['calls_in_progress']}/{o['max_concurrent_calls']}"
            for o in board.get("offices", [])
        ]
        self.offices_label.setText(_("Calls in progress per office") + " — " + " · ".join(parts))
        self._tick()

    def _tick(self) -> None:
        self.informadors_model.tick()
        self.waiting_model.tick()
        n = self.waiting_model.alert_count()
        self.alert_label.setVisible(n > 0)
        if n:
            minutes = int(self.waiting_model.alert_after_s // 60)
            self.alert_label.setText(
                _("{n} citizen(s) waiting longer than {minutes} minutes").format(n=n, minutes=minutes)
            )

    def _selected_waiting(self) -> dict[str, Any] | None:
        selection = self.waiting_view.selectionModel()
        rows = selection.selectedRows() if selection is not None else []
        return self.waiting_model.data(rows[0], RowRole) if rows else None

    def _on_reassign(self) -> None:
        row = self._selected_waiting()
        if row is None:
            return
        staff_id = self.ask_reassign(self, self.informadors_model.rows())
        if staff_id is not False:
            self.reassign_requested.emit(str(row["kind"]), str(row["id"]), staff_id)

    @classmethod
    def ask_reassign(cls, parent: QWidget, informadors: list[dict[str, Any]]) -> int | bool | None:
        """A modal choice; False when cancelled. A classmethod so tests can replace it."""
        dialog = ReassignDialog(informadors, parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        return dialog.staff_id()

    @classmethod
    def ask_csv_path(cls, parent: QWidget) -> str:
        """The file dialog; a classmethod so tests can replace it."""
        path, _filter = QFileDialog.getSaveFileName(parent, _("Export KPIs"), "kpis.csv", "CSV (*.csv)")
        return path

    def _on_export(self) -> None:
        path = self.ask_csv_path(self)
        if path:
            self.export_requested.emit(path)
