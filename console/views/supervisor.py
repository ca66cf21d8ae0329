"""The supervisor's board (informadors, waiting citizens, alerts, reassign) and KPIs (tables, bar
charts drawn with QPainter, CSV export). Views only: the SupervisorService does the work."""

from __future__ import annotations

from typing import Any

from PyQt6.QtCore import QRectF, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent, QPalette
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
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from console.i18n import N_, _
from console.models.board_models import (
    KPIS,
    InformadorsModel,
    KpiModel,
    PoolAppointmentsModel,
    RowRole,
    WaitingModel,
    kpi_text,
    state_name,
)
from console.resources import tone_colour
from console.views.tone import set_tone

KPI_NAMES = {key: label for key, label, _kind in KPIS}


def _table(model: Any, name: str) -> QTableView:
    """name: what a screen reader announces for the table (the label above it says the same)."""
    view = QTableView()
    view.setAccessibleName(name)
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


def _kpi_table(model: KpiModel, name: str) -> QTableView:
    """The names column takes the room, so the figures stay next to each other, not across the screen."""
    view = _table(model, name)
    header = view.horizontalHeader()
    assert header is not None
    header.setStretchLastSection(False)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    return view


class BarChart(QWidget):
    """Horizontal bars of one KPI over the rows of a KpiModel (offices or tràmits): a few rectangles
    and labels, no chart dependency. The KPI is chosen with set_key; figures and texts come from the
    model (kpi_text), so the chart, the table and the CSV agree."""

    ROW_H = 22

    def __init__(self, model: KpiModel, key: str, title: str, parent: QWidget | None = None) -> None:
        """title: a msgid with {kpi}, translated when painted (so a live language switch follows)."""
        super().__init__(parent)
        self.model, self.key, self.title_msgid = model, key, title
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        model.modelReset.connect(self._changed)
        model.dataChanged.connect(self._changed)
        self._changed()

    def set_key(self, key: str) -> None:
        self.key = key
        self._changed()

    def title(self) -> str:
        return _(self.title_msgid).format(kpi=_(KPI_NAMES[self.key]))

    def bars(self) -> list[tuple[str, float | None]]:
        """(label, value) per row, as drawn; None is "no figure" (drawn as —, no bar)."""
        return self.model.figures(self.key)

    def value_texts(self) -> list[str]:
        return [kpi_text(self.key, value) for _label, value in self.bars()]

    def _changed(self) -> None:
        bars = self.bars()
        self.setFixedHeight(32 + self.ROW_H * max(1, len(bars)))
        # Screen readers get the figures the bars show.
        self.setAccessibleName(self.title())
        self.setAccessibleDescription(
            "; ".join(f"{label}: {text}" for (label, _v), text in zip(bars, self.value_texts(), strict=True))
        )
        self.update()

    def paintEvent(self, event: QPaintEvent | None) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        ink = self.palette().color(QPalette.ColorRole.WindowText)
        bars, texts = self.bars(), self.value_texts()
        w = self.width()
        metrics = QFontMetrics(self.font())
        bold = QFont(self.font())
        bold.setBold(True)
        p.setFont(bold)
        p.setPen(ink)
        left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        p.drawText(QRectF(8, 4, w - 16, 22), left, self.title())
        p.setFont(self.font())
        if not bars:
            p.drawText(QRectF(8, 28, w - 16, self.ROW_H), Qt.AlignmentFlag.AlignVCenter, _("No figures yet"))
            p.end()
            return
        label_w = min(max(metrics.horizontalAdvance(label) for label, _v in bars) + 16, int(w * 0.4))
        value_w = max(metrics.horizontalAdvance(t) for t in texts) + 12
        room = max(1, w - label_w - value_w - 16)
        peak = max((v for _n, v in bars if v is not None), default=0.0) or 1.0
        for i, ((label, value), text) in enumerate(zip(bars, texts, strict=True)):
            y = 28 + i * self.ROW_H
            name = metrics.elidedText(label, Qt.TextElideMode.ElideRight, label_w - 10)
            p.drawText(QRectF(8, y, label_w - 8, self.ROW_H), Qt.AlignmentFlag.AlignVCenter, name)
            bar_w = room * (value or 0.0) / peak
            if value:
                bar = QRectF(8 + label_w, y + 3, max(2.0, bar_w), self.ROW_H - 6)
                p.fillRect(bar, QColor(tone_colour("info")))
            p.drawText(
                QRectF(8 + label_w + bar_w + 6, y, value_w, self.ROW_H), Qt.AlignmentFlag.AlignVCenter, text
            )
        p.end()


class ReassignDialog(QDialog):
    """Choose an informador (state shown) or the pool."""

    def __init__(self, informadors: list[dict[str, Any]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Reassign"))
        layout = QVBoxLayout(self)
        prompt = QLabel(_("Give this citizen to:"))
        layout.addWidget(prompt)
        self.choice = QComboBox()
        prompt.setBuddy(self.choice)  # the screen reader names the list by its label
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
        pool_appointments: PoolAppointmentsModel,
        *,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("supervisorView")
        self.informadors_model, self.waiting_model = informadors, waiting
        self.pool_appointments_model = pool_appointments
        tabs = QTabWidget(self)
        tabs.setAccessibleName(_("Supervisor"))
        layout = QVBoxLayout(self)
        layout.addWidget(tabs)

        board = QWidget()
        board_layout = QVBoxLayout(board)
        self.alert_label = QLabel()
        self.alert_label.setObjectName("alertBanner")
        self.alert_label.setTextFormat(Qt.TextFormat.PlainText)
        set_tone(self.alert_label, "alert")
        self.alert_label.hide()
        self.offices_label = QLabel()
        self.offices_label.setTextFormat(Qt.TextFormat.PlainText)
        board_layout.addWidget(self.alert_label)
        board_layout.addWidget(self.offices_label)
        split = QSplitter(Qt.Orientation.Horizontal)
        left, right = QWidget(), QWidget()
        ll, rl = QVBoxLayout(left), QVBoxLayout(right)
        ll.addWidget(QLabel(_("Informadors")))
        self.informadors_view = _table(informadors, _("Informadors"))
        ll.addWidget(self.informadors_view)
        rl.addWidget(QLabel(_("Waiting citizens")))
        self.waiting_view = _table(waiting, _("Waiting citizens"))
        rl.addWidget(self.waiting_view)
        self.reassign_button = QPushButton(_("Reassign…"))
        self.reassign_button.clicked.connect(self._on_reassign)
        rl.addWidget(self.reassign_button)
        split.addWidget(left)
        split.addWidget(right)
        board_layout.addWidget(split, 1)
        tabs.addTab(board, _("Board"))

        # Booked pool appointments whose citizen is not here yet: given to someone ahead of time.
        booked = QWidget()
        bl = QVBoxLayout(booked)
        hint = QLabel(_("Appointments booked for the shared pool that nobody has taken yet."))
        hint.setWordWrap(True)
        bl.addWidget(hint)
        self.pool_appointments_view = _table(pool_appointments, _("Pool appointments today"))
        self.pool_appointments_view.setAccessibleName(_("Pool appointments today"))
        bl.addWidget(self.pool_appointments_view, 1)
        self.reassign_booked_button = QPushButton(_("Reassign…"))
        self.reassign_booked_button.setObjectName("reassignBooked")
        self.reassign_booked_button.clicked.connect(self._on_reassign_booked)
        bl.addWidget(self.reassign_booked_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.pool_tab = booked
        tabs.addTab(booked, _("Pool appointments today"))

        kpis = QWidget()
        kl = QVBoxLayout(kpis)
        buttons = QHBoxLayout()
        kpi_label = QLabel(_("Indicator"))
        self.kpi_choice = QComboBox()
        self.kpi_choice.setObjectName("kpiChoice")
        kpi_label.setBuddy(self.kpi_choice)
        for key, label, _kind in KPIS:
            self.kpi_choice.addItem(_(label), key)
        self.kpi_choice.currentIndexChanged.connect(self._on_kpi_chosen)
        buttons.addWidget(kpi_label)
        buttons.addWidget(self.kpi_choice)
        buttons.addStretch(1)
        self.refresh_kpis = QPushButton(_("Refresh"))
        self.refresh_kpis.clicked.connect(self.kpis_requested)
        self.export_button = QPushButton(_("Export CSV…"))
        self.export_button.clicked.connect(self._on_export)
        buttons.addWidget(self.refresh_kpis)
        buttons.addWidget(self.export_button)
        kl.addLayout(buttons)
        first = KPIS[0][0]
        self.office_chart = BarChart(office_kpis, first, N_("{kpi} per office"))
        self.tramit_chart = BarChart(tramit_kpis, first, N_("{kpi} per procedure"))
        charts = QWidget()
        cl = QHBoxLayout(charts)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.addWidget(self.office_chart, 1, Qt.AlignmentFlag.AlignTop)
        cl.addWidget(self.tramit_chart, 2, Qt.AlignmentFlag.AlignTop)  # tràmit names are longer
        scroll = QScrollArea()  # many tràmits make a tall chart: it scrolls, the tables stay
        scroll.setWidgetResizable(True)
        scroll.setWidget(charts)
        scroll.setMinimumHeight(180)
        tables = QWidget()
        tl = QVBoxLayout(tables)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(QLabel(_("Per office")))
        self.office_kpi_view = _kpi_table(office_kpis, _("Per office"))
        tl.addWidget(self.office_kpi_view)
        tl.addWidget(QLabel(_("Per procedure")))
        self.tramit_kpi_view = _kpi_table(tramit_kpis, _("Per procedure"))
        tl.addWidget(self.tramit_kpi_view, 1)
        vsplit = QSplitter(Qt.Orientation.Vertical)
        vsplit.addWidget(scroll)
        vsplit.addWidget(tables)
        vsplit.setSizes([340, 300])  # the charts first: the tables are the detail
        kl.addWidget(vsplit, 1)
        tabs.addTab(kpis, _("Today's KPIs"))
        self.kpis_tab = kpis
        self.tabs = tabs

        # Waiting times count up between pushes.
        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self._tick)
        self._ticker.start()

    def _on_kpi_chosen(self, _index: int) -> None:
        key = str(self.kpi_choice.currentData())
        self.office_chart.set_key(key)
        self.tramit_chart.set_key(key)

    def retranslate(self) -> None:
        """After a live language change (console/retranslate.py): chart titles and labels."""
        self.office_chart.set_key(self.office_chart.key)
        self.tramit_chart.set_key(self.tramit_chart.key)

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
        self._reassign(self._selected_waiting())

    def _on_reassign_booked(self) -> None:
        selection = self.pool_appointments_view.selectionModel()
        rows = selection.selectedRows() if selection is not None else []
        self._reassign(self.pool_appointments_model.data(rows[0], RowRole) if rows else None)

    def _reassign(self, row: dict[str, Any] | None) -> None:
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
