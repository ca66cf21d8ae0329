"""Keyboard-only use and screen-reader names of the console.

- Every focusable control in the whole window (every tab, the docks, the settings dialog) and in every
  view class that can be built alone has a name a screen reader announces (Qt's accessibility
  interface: the control's text, its buddy label or an explicit accessibleName), and the style
  sheet gives every kind of focusable control a visible :focus rule. Views that land later are covered
  by walking the window and console.views.*.
- A keyboard-only walk against the real backend: log in, move through the agenda with the arrows,
  reach the detail pane's actions with Tab, open the checklist and the tràmit wizard with Space.
- The same walk with a call: a citizen (a bare aiortc peer) enters the waiting room through the real
  citizen API; the informador finds them with the arrows, admits with Tab + Space (the focus lands on
  the call's first control), Ctrl+Tab's to the agenda for the checklist and the wizard, back to the call,
  and hangs up with Tab + Space (the focus moves to the outcome; no call thread is left).
"""

from __future__ import annotations

import asyncio
import json
import queue
import re
import sqlite3
from datetime import UTC, datetime, timedelta

import httpx
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget

from console.call.config import MediaSelection
from console.call.signaling import Signaling, SignalingClosed
from console.call.state import CallState
from console.domain.appointment import Status
from console.resources import stylesheet
from console.services.demo import DemoService, read_outbox
from tests.backend.support import SseReader
from tests.call.citizen_peer import CitizenPeer
from tests.call.helpers import call_threads
from tests.console.conftest import client_for
from tests.console.test_i18n import buildable_without_arguments, view_classes


def focusable(root: QWidget) -> list[QWidget]:
    """Controls Tab can reach: not Qt's internals (qt_* parts of composite widgets, combo popups)."""
    return [
        w
        for w in [root, *root.findChildren(QWidget)]
        if w.focusPolicy() & Qt.FocusPolicy.TabFocus
        and w.isEnabled()
        and not w.isWindow()
        and not w.objectName().startswith("qt_")
        and w.window().windowType() != Qt.WindowType.Popup
        and not (w.window() is not root.window() and not w.window().isVisible() and w.window() is not root)
    ]


def announced_name(widget: QWidget, buddies: dict[int, str]) -> str:
    """What Qt's accessibility bridge announces as the name (PyQt6 has no QAccessible to ask): the
    explicit accessibleName, else a button's words (a lone symbol like "‹" says nothing), else the
    text of the label whose buddy the widget is."""
    if widget.accessibleName().strip():
        return widget.accessibleName().strip()
    if isinstance(widget, QAbstractButton) and re.search(r"\w", widget.text()):
        return widget.text().replace("&", "").strip()
    return buddies.get(id(widget), "")


def unnamed(roots: list[QWidget]) -> list[str]:
    missing = []
    for root in roots:
        buddies = {
            id(label.buddy()): label.text().replace("&", "")
            for label in root.findChildren(QLabel)
            if label.buddy() is not None
        }
        for widget in focusable(root):
            if type(widget).__name__ in ("QTabBar", "QScrollArea", "QSplitterHandle"):
                continue  # containers: their tabs/children carry the names
            if not announced_name(widget, buddies):
                parent = widget.parentWidget()
                where = f"{type(parent).__name__}#{parent.objectName()}" if parent else "-"
                missing.append(f"{type(widget).__name__}#{widget.objectName()} in {where}")
    return missing


def test_every_focusable_control_has_a_name_and_a_focus_style(consoles, qtbot):
    console = consoles.start("")
    dialog = console.preferences.open()
    roots: list[QWidget] = [console.window, dialog, console.call_panel]
    for cls in view_classes():
        widget = buildable_without_arguments(cls)
        if widget is not None:
            qtbot.addWidget(widget)
            roots.append(widget)
    missing = unnamed(roots)
    assert [m for m in missing if m not in KNOWN_GAPS] == []

    for theme in ("light", "high_contrast"):
        sheet = stylesheet(theme)
        kinds = {type(w) for root in roots for w in focusable(root)}
        for kind in kinds:
            # The widget's class or one of its Qt base classes must have a :focus rule.
            names = [k.__name__ for k in kind.__mro__ if k.__module__.startswith("PyQt6")]
            if names[0] in ("QScrollArea", "QSplitterHandle", "QWidget"):
                continue
            if names[0] in ("QTabWidget", "QTabBar"):  # the focus sits on a tab
                assert "QTabBar::tab:focus" in sheet, theme
                continue
            assert any(re.search(rf"\b{n}(#\w+)?:focus", sheet) for n in names), (theme, kind)
    dialog.reject()


# Unnamed controls in views still being built by their owners: each must get a name; remove the line
# when fixed. Anything new fails at once.
KNOWN_GAPS: set[str] = set()


def focus_widget() -> QWidget | None:
    return QApplication.focusWidget()


def tab_to(qtbot, target: QWidget, limit: int = 80) -> None:
    """Press Tab until `target` has the focus (proves it is in the tab order)."""
    for _ in range(limit):
        if focus_widget() is target:
            return
        current = focus_widget()
        assert current is not None
        qtbot.keyClick(current, Qt.Key.Key_Tab)
    raise AssertionError(f"{target} is not reachable with Tab (stuck at {focus_widget()})")


def test_keyboard_only_walk_agenda_checklist_wizard(backend_server, consoles, qtbot, until):
    console = consoles.start(backend_server.url)
    window, login = console.window, console.login_view
    window.activateWindow()
    until(lambda: focus_widget() is not None, what="focus in the window")

    # Log in: the user field, Tab to the password, Enter.
    tab_to(qtbot, login.username)
    qtbot.keyClicks(login.username, "marta")
    qtbot.keyClick(login.username, Qt.Key.Key_Tab)
    assert focus_widget() is login.password
    qtbot.keyClicks(login.password, "demo")
    qtbot.keyClick(login.password, Qt.Key.Key_Return)
    until(lambda: window.stack.currentWidget() is window.workspace, what="workspace")
    until(lambda: console.agenda_model.rowCount() > 0, what="agenda rows")

    # Agenda: Ctrl+F goes to the search field; Tab reaches the table; arrows select appointments.
    agenda = console.agenda_view
    qtbot.keyClick(focus_widget() or window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    until(lambda: focus_widget() is agenda.search, what="Ctrl+F to the search")
    tab_to(qtbot, agenda.table)
    qtbot.keyClick(agenda.table, Qt.Key.Key_Home)
    qtbot.keyClick(agenda.table, Qt.Key.Key_Down)
    until(lambda: agenda.detail.appointment is not None, what="an appointment in the detail pane")
    first = agenda.detail.appointment
    qtbot.keyClick(agenda.table, Qt.Key.Key_Down)
    until(lambda: agenda.detail.appointment is not first, what="the next appointment")

    # Detail pane: Tab reaches the checklist action; Space opens the checklist, focused on its list.
    detail = agenda.detail
    tab_to(qtbot, detail.checklist_button)
    qtbot.keyClick(detail.checklist_button, Qt.Key.Key_Space)
    until(console.checklist_dock.isVisible, what="checklist dock")
    until(lambda: focus_widget() is console.checklist_panel.list, what="focus on the checklist")

    # Back in the detail pane (Shift+Tab/Tab cycle), the tràmit wizard opens with Space.
    detail.tramit_button.setFocus()  # the dock sits outside the splitter's tab chain
    assert isinstance(detail.tramit_button, QAbstractButton) and detail.tramit_button.isEnabled()
    qtbot.keyClick(detail.tramit_button, Qt.Key.Key_Space)
    until(lambda: bool(console._wizards), what="the tràmit wizard")
    wizard = next(iter(console._wizards.values()))
    assert wizard.isVisible()
    qtbot.keyClick(wizard, Qt.Key.Key_Escape)
    until(lambda: not console._wizards, what="Escape closes the wizard")


class CitizenApiSignaling(Signaling):
    """The citizen's end of the signalling through the real citizen API, as the page's call.js does:
    send = POST /citizen/signal, receive = the `signal` events of GET /citizen/events."""

    def __init__(self, api: str, headers: dict[str, str]) -> None:
        self._api, self._headers = api, headers
        self._events = SseReader(f"{api}/citizen/events", headers=headers)
        self._closed = False

    async def send(self, text: str) -> None:
        if self._closed:
            raise SignalingClosed("closed")
        body = {"message": json.loads(text)}
        async with httpx.AsyncClient(timeout=10) as client:
            r = await client.post(f"{self._api}/citizen/signal", json=body, headers=self._headers)
        assert r.status_code == 202, r.text

    async def receive(self) -> str:
        while not self._closed:
            try:
                event = self._events.events.get_nowait()
            except queue.Empty:
                await asyncio.sleep(0.02)
                continue
            if event.event == "signal" and isinstance(event.data, dict):
                return json.dumps(event.data["message"])
        raise SignalingClosed("closed")

    async def close(self) -> None:
        self._closed = True
        self._events.close()


def test_keyboard_only_admit_call_checklist_wizard_hang_up(  # noqa: PLR0917 - pytest injects fixtures
    fresh_backend, consoles, qtbot, until, arun, monkeypatch
):
    import aioice.ice

    # aioice skips loopback by default; both ends live on this machine (as tests/call's loopback_ice).
    monkeypatch.setattr(aioice.ice, "get_host_addresses", lambda use_ipv4, use_ipv6: ["127.0.0.1"])
    console = consoles.start(fresh_backend.url)
    calls, agenda, panel = console.ctx.calls, console.agenda_view, console.call_panel
    calls.selection = MediaSelection(
        width=320, height=180, fps=15, synthetic_video=True, synthetic_audio=True
    )
    window, login = console.window, console.login_view
    window.activateWindow()
    until(lambda: focus_widget() is not None, what="focus in the window")
    tab_to(qtbot, login.username)
    qtbot.keyClicks(login.username, "marta")
    qtbot.keyClick(login.username, Qt.Key.Key_Tab)
    qtbot.keyClicks(login.password, "demo")
    qtbot.keyClick(login.password, Qt.Key.Key_Return)
    until(lambda: console.agenda_model.rowCount() > 0, what="agenda rows")

    # A citizen of marta's enters the waiting room through the real citizen API: link and PIN issued by
    # the staff API, the PIN read back from the outbox, the start moved into the PIN window as the
    # citizen tests do (there is no API to reschedule).
    staff = fresh_backend.headers("marta")
    rows = httpx.get(f"{fresh_backend.api}/appointments", headers=staff, timeout=10).json()
    appt_id = next(a["id"] for a in rows if a["status"] in ("scheduled", "confirmed"))
    with sqlite3.connect(fresh_backend.data_dir / "videoatencio.db") as con:
        start = (datetime.now(UTC) + timedelta(minutes=5)).replace(tzinfo=None).isoformat(sep=" ")
        con.execute("UPDATE appointment SET start = ? WHERE id = ?", (start, appt_id))
    link = httpx.post(f"{fresh_backend.api}/appointments/{appt_id}/link", headers=staff, timeout=10)
    pin = httpx.post(f"{fresh_backend.api}/appointments/{appt_id}/pin", headers=staff, timeout=10)
    assert link.status_code == 200 and pin.status_code == 202, (link.text, pin.text)
    _, pin_text = DemoService.latest(read_outbox(fresh_backend.data_dir / "videoatencio.db", appt_id))
    token = link.json()["url"].rsplit("/", 1)[1]
    r = httpx.post(
        f"{fresh_backend.api}/citizen/session", json={"join_token": token, "pin": pin_text}, timeout=10
    )
    assert r.status_code == 200, r.text
    citizen_headers = {"Authorization": f"Bearer {r.json()['citizen_token']}"}
    citizen = CitizenPeer(CitizenApiSignaling(fresh_backend.api, citizen_headers), size=(320, 240))
    citizen.start()
    try:
        r = httpx.post(f"{fresh_backend.api}/citizen/waiting", headers=citizen_headers, timeout=10)
        assert r.status_code == 204, r.text
        until(lambda: appt_id in calls.waiting, what="the console sees the citizen waiting")
        model = console.agenda_model
        until(
            lambda: model.appointments()[model.row_of(appt_id)].status == Status.WAITING,
            what="waiting status pushed to the agenda",
        )

        # Agenda: Ctrl+F, Tab to the table, arrows down to the waiting citizen (⏳ in the status column).
        qtbot.keyClick(focus_widget() or window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        until(lambda: focus_widget() is agenda.search, what="Ctrl+F to the search")
        tab_to(qtbot, agenda.table)
        qtbot.keyClick(agenda.table, Qt.Key.Key_Home)
        for _ in range(console.agenda_model.rowCount()):
            if agenda.detail.appointment is not None and agenda.detail.appointment.id == appt_id:
                break
            qtbot.keyClick(agenda.table, Qt.Key.Key_Down)
        until(
            lambda: agenda.detail.appointment is not None and agenda.detail.appointment.id == appt_id,
            what="the waiting citizen selected with the arrows",
        )
        detail = agenda.detail
        until(detail.admit.isEnabled, what="Admit enabled")

        # Tab to Admit, Space: the call starts, the panel shows with the focus on its first control.
        tab_to(qtbot, detail.admit)
        qtbot.keyClick(detail.admit, Qt.Key.Key_Space)
        until(lambda: calls.active_session is not None, what="admitted")
        session = calls.active_session
        until(lambda: window.workspace.currentWidget() is panel, what="the call panel")
        until(lambda: client_for(fresh_backend).get(appt_id)["status"] == "in_call", what="in_call")
        until(lambda: session.state is CallState.CONNECTED, what="connected to the citizen")
        until(lambda: focus_widget() is panel.mute, what="focus on the call's first control")

        # Checklist and wizard beside the call: Ctrl+Tab back to the agenda tab, Tab to the actions.
        qtbot.keyClick(panel.mute, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
        until(lambda: window.workspace.currentWidget() is agenda, what="Ctrl+Tab to the agenda")
        tab_to(qtbot, detail.checklist_button)
        qtbot.keyClick(detail.checklist_button, Qt.Key.Key_Space)
        until(console.checklist_dock.isVisible, what="checklist dock")
        until(lambda: focus_widget() is console.checklist_panel.list, what="focus on the checklist")
        tab_to(qtbot, detail.tramit_button)
        qtbot.keyClick(detail.tramit_button, Qt.Key.Key_Space)
        until(lambda: bool(console._wizards), what="the tràmit wizard")
        wizard = next(iter(console._wizards.values()))
        assert wizard.isVisible()
        qtbot.keyClick(wizard, Qt.Key.Key_Escape)
        until(lambda: not console._wizards, what="Escape closes the wizard")
        # The window manager gives the activation back to the main window (offscreen has none to do it);
        # the focus returns to where it was, the tràmit action.
        window.activateWindow()
        until(lambda: focus_widget() is detail.tramit_button, what="focus back on the tràmit action")

        # Back to the call (Ctrl+Tab) and hang up with the keyboard.
        for _ in range(window.workspace.count()):
            if window.workspace.currentWidget() is panel:
                break
            qtbot.keyClick(focus_widget() or window, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
        assert window.workspace.currentWidget() is panel, "Ctrl+Tab back to the call"
        tab_to(qtbot, panel.hang_up)
        qtbot.keyClick(panel.hang_up, Qt.Key.Key_Space)
        until(lambda: session.state is CallState.ENDED, what="hung up")
        until(lambda: citizen.bye, what="the citizen got the bye")
        until(lambda: not call_threads(), what="call threads gone")
        assert session.peer_connection.connectionState == "closed"
        assert panel.end_box.isVisible() and not panel.hang_up.isEnabled()
        until(lambda: focus_widget() is panel.outcome, what="focus on the outcome after hanging up")
    finally:
        arun(citizen.close())
