"""The wizard keeps what is typed at every step, never overwrites a colleague's newer draft, shows a
citizen's upload without being asked, makes the informador open each document before it counts, and
follows the identification gate as it changes. Real backend process, real services, real console."""

from __future__ import annotations

import hashlib
import json
import os
import select
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from PyQt6.QtCore import QObject, Qt, QUrl, pyqtSlot
from PyQt6.QtGui import QDesktopServices
from PyQt6.QtWidgets import QPlainTextEdit, QWizard

from console.services.wizard import DraftFiles, WizardDraft, WizardService
from console.sync.api import BackendApi
from console.sync.tramitacio import TramitacioApi
from tests.citizen.conftest import Citizen, CitizenBackend
from tests.helpers.identification import _values, checklist
from tests.tramitacio.conftest import (
    TRAMIT,
    VALID_FORM,
    attended_appointment,
    identified,
    pdf_bytes,
    put_draft,
    upload,
    url,
)
from tests.tramitacio.test_console import REPO, Gate

TODAY = date(2026, 11, 24)


def _svc(tb: CitizenBackend, arun: Any, files: DraftFiles, username: str = "marta") -> WizardService:
    api = BackendApi(tb.server.url)
    arun(api.login(username, "demo"))
    return WizardService(TramitacioApi(api), files)


def _tramit(tb: CitizenBackend) -> dict[str, Any]:
    body: dict[str, Any] = httpx.get(f"{tb.api}/tramits/{TRAMIT}", headers=tb.headers("marta")).json()
    return body


def _server(tb: CitizenBackend, c: Citizen) -> dict[str, Any]:
    r = httpx.get(url(tb, c), headers=c.staff, timeout=10)
    body: dict[str, Any] = r.json() if r.status_code == 200 else {}
    return body


def _form(tb: CitizenBackend, c: Citizen) -> dict[str, Any]:
    return dict(_server(tb, c).get("form_data") or {})


def _wizard(qtbot: Any, svc: WizardService, tb: CitizenBackend, draft: WizardDraft) -> Any:
    from console.views.wizard import TramitWizard

    wizard = TramitWizard(svc, _tramit(tb), draft, Gate(True), lang="ca", today=TODAY)  # gating not tested
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard


def _set(form: Any, key: str, value: str) -> None:
    """Programmatic: emits no edit signal, so only the trigger under test can save it."""
    editor = form.editors[key]
    if isinstance(editor, QPlainTextEdit):
        editor.setPlainText(value)
    else:
        editor.setText(value)


def test_half_typed_form_is_saved_on_next_back_request_and_escape(
    qtbot: Any, tb: CitizenBackend, arun: Any, *, until: Any, tmp_path: Path, loop_always_running: None
) -> None:
    from console.views.wizard import PAGE_IDS

    c, _ch = identified(tb)
    files = DraftFiles(tmp_path / "drafts")
    wizard = _wizard(qtbot, _svc(tb, arun, files), tb, WizardDraft(c.appointment_id, TRAMIT, "atesa"))
    wizard._debounce.setInterval(600_000)  # only the trigger under test may save
    form = wizard.pages["form"]
    assert wizard.pages["mode"].attended.isChecked()
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    assert wizard.currentId() == PAGE_IDS["form"]

    # Next on an incomplete form with a half-typed postal code: refused, yet saved as typed.
    _set(form, "nom_complet", "Anna Puig")
    _set(form, "codi_postal", "170")
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    until(lambda: _form(tb, c).get("nom_complet") == "Anna Puig", what="Next saved the half form")
    assert wizard.currentId() == PAGE_IDS["form"] and form.errors["codi_postal"].isVisible()
    assert "codi_postal" not in _form(tb, c)  # the backend cannot hold "170"…
    until(lambda: (files.read(c.appointment_id) or WizardDraft("", "")).refused == {"codi_postal": "170"})
    local = files.read(c.appointment_id)
    assert local is not None and not local.pending  # …this computer keeps it, and the rest went through
    assert local.entered_form() == {"nom_complet": "Anna Puig", "codi_postal": "170"}

    # Back: the page being left is saved.
    _set(form, "assumpte", "Una taxa")
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.BackButton), Qt.MouseButton.LeftButton)
    assert wizard.currentId() == PAGE_IDS["mode"]
    until(lambda: _form(tb, c).get("assumpte") == "Una taxa", what="Back saved")

    # Next twice (the form now complete) to the documents page; asking for documents saves its state.
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    assert form.editors["codi_postal"].text() == "170"  # the refused value is still on screen
    for key, value in VALID_FORM.items():
        _set(form, key, value)
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    assert wizard.currentId() == PAGE_IDS["documents"]
    until(lambda: _form(tb, c) == VALID_FORM, what="the complete form saved on Next")
    docs = wizard.pages["documents"]
    docs.required.item(0).setCheckState(Qt.CheckState.Checked)
    code = docs.required.item(0).data(Qt.ItemDataRole.UserRole)
    qtbot.mouseClick(docs.request, Qt.MouseButton.LeftButton)
    until(lambda: _server(tb, c).get("step") == "documents", what="the request saved the documents step")
    until(lambda: code in _server(tb, c).get("requested_documents", []), what="documents requested")

    # Escape closes the wizard and saves what is on screen.
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.BackButton), Qt.MouseButton.LeftButton)
    _set(form, "sollicitud", "Que em retornin 20 euros.")
    qtbot.keyClick(wizard, Qt.Key.Key_Escape)
    assert not wizard.isVisible()
    until(lambda: _form(tb, c).get("sollicitud") == "Que em retornin 20 euros.", what="Escape saved")


def test_typing_is_saved_two_seconds_after_the_last_key(
    qtbot: Any, tb: CitizenBackend, arun: Any, *, until: Any, tmp_path: Path, loop_always_running: None
) -> None:
    c, _ch = identified(tb)
    wizard = _wizard(qtbot, _svc(tb, arun, DraftFiles(tmp_path / "d")), tb,
                     WizardDraft(c.appointment_id, TRAMIT, "atesa", "form"))  # fmt: skip
    assert wizard._debounce.isSingleShot() and wizard._debounce.interval() == 2000  # one timer, no polling
    editor = wizard.pages["form"].editors["nom_complet"]
    editor.setFocus()
    qtbot.keyClicks(editor, "Jordi")
    assert wizard._debounce.isActive()
    assert _server(tb, c) == {}  # nothing sent while typing
    until(lambda: _form(tb, c).get("nom_complet") == "Jordi", timeout=10, what="saved after the pause")
    assert _server(tb, c)["version"] == 1  # one save for five keys


def test_a_colleagues_newer_draft_is_loaded_and_mine_kept_aside(
    qtbot: Any, tb: CitizenBackend, arun: Any, *, until: Any, tmp_path: Path, loop_always_running: None
) -> None:
    c, _ch = identified(tb)
    files = DraftFiles(tmp_path / "mine")
    mine = _svc(tb, arun, files)
    saved = arun(mine.save(WizardDraft(c.appointment_id, TRAMIT, "atesa", "form", {"nom_complet": "Anna"})))
    assert saved.server_version == 1 and not saved.pending
    # The call is transferred: the colleague's console (another user) restores the draft and edits it.
    theirs = _svc(tb, arun, DraftFiles(tmp_path / "theirs"), username="admin")
    draft = arun(theirs.restore(c.appointment_id, TRAMIT))
    colleague_form = {"nom_complet": "Anna Puig i Gal·la", "telefon": "612 345 678"}
    assert arun(theirs.save(replace(draft, form_data=colleague_form))).server_version == 2

    # My wizard, still open on the old copy, saves: the colleague's edit is not overwritten.
    wizard = _wizard(qtbot, mine, tb, saved)
    form = wizard.pages["form"]
    _set(form, "assumpte", "El meu canvi")
    with qtbot.waitSignal(mine.conflict, timeout=10000) as conflict:
        wizard.save_now()
    server = _server(tb, c)
    assert server["form_data"] == colleague_form and server["version"] == 2
    assert form.editors["nom_complet"].text() == "Anna Puig i Gal·la"  # their version on screen
    assert form.editors["assumpte"].text() == ""
    appointment_id, path = conflict.args
    assert appointment_id == c.appointment_id
    assert wizard.notice.isVisible() and path in wizard.notice.text()
    kept = json.loads(Path(path).read_text(encoding="utf-8"))
    assert kept["form_data"] == {"nom_complet": "Anna", "assumpte": "El meu canvi"}  # mine, recoverable

    # From now on my saves build on their version.
    _set(form, "assumpte", "Després")
    wizard.save_now()
    until(lambda: _server(tb, c)["version"] == 3, what="my next save on top of theirs")
    assert _form(tb, c) == {**colleague_form, "assumpte": "Després"}


def test_restore_of_an_offline_draft_does_not_overwrite_a_newer_one(
    tb: CitizenBackend, arun: Any, tmp_path: Path, loop_always_running: None
) -> None:
    c, _ch = identified(tb)
    assert put_draft(tb, c, 0, {"nom_complet": "Anna"}).status_code == 200
    assert put_draft(tb, c, 1, {"nom_complet": "Anna Puig", "telefon": "612 345 678"}).status_code == 200
    # This console saved on top of version 1 while offline, then was closed.
    files = DraftFiles(tmp_path / "drafts")
    offline = WizardDraft(c.appointment_id, TRAMIT, "atesa", "form", {"nom_complet": "Ana"},
                          server_version=1, pending=True)  # fmt: skip
    files.write(offline)
    svc = _svc(tb, arun, files)
    conflicts: list[tuple[str, str]] = []
    svc.conflict.connect(lambda a, p: conflicts.append((a, p)))
    restored = arun(svc.restore(c.appointment_id, TRAMIT))
    assert restored.form_data == {"nom_complet": "Anna Puig", "telefon": "612 345 678"}
    assert not restored.pending and restored.server_version == 2
    assert _server(tb, c)["version"] == 2 and _form(tb, c)["nom_complet"] == "Anna Puig"
    assert len(conflicts) == 1 and svc.conflicts[c.appointment_id] == conflicts[0][1]
    assert json.loads(Path(conflicts[0][1]).read_text(encoding="utf-8"))["form_data"] == {
        "nom_complet": "Ana"
    }
    # The draft on disk is the backend's; the conflicted copy is never sent by a flush.
    assert arun(svc.flush()) == 0 and _server(tb, c)["version"] == 2


# -- through a real console (event stream, connectivity, checklist service) -------------------------


def _appointment(console: Any, appointment_id: str) -> Any:
    from console.models.agenda_table import AppointmentRole

    model = console.agenda_model
    return model.index(model.row_of(appointment_id), 0).data(AppointmentRole)


def _open(console: Any, until: Any, arun: Any, appointment_id: str) -> Any:
    arun(console.open_wizard(_appointment(console, appointment_id)))
    until(lambda: appointment_id in console._wizards, what="wizard open")
    return console._wizards[appointment_id]


def test_a_draft_saved_offline_reaches_the_backend_when_it_is_back(
    tb: CitizenBackend, consoles: Any, until: Any, arun: Any
) -> None:
    c, _ch = identified(tb)
    assert put_draft(tb, c, 0, {"nom_complet": "Anna"}, step="form").status_code == 200
    console = consoles.start(tb.server.url)
    consoles.login(console)
    wizard = _open(console, until, arun, c.appointment_id)
    tb.server.stop()
    try:
        until(lambda: console.window.connection.property("state") == "offline", what="offline noticed")
        _set(wizard.pages["form"], "telefon", "612 345 678")
        saved: list[tuple[str, bool]] = []
        console.ctx.wizard.draft_saved.connect(lambda a, pending: saved.append((a, pending)))
        wizard.save_now()
        until(lambda: (c.appointment_id, True) in saved, what="the save ended offline, kept locally")
    finally:
        tb.server.start()
    until(lambda: _form(tb, c).get("telefon") == "612 345 678", timeout=30, what="flushed when back online")
    assert _form(tb, c)["nom_complet"] == "Anna"
    until(lambda: not console.ctx.wizard.drafts[c.appointment_id].pending, what="no longer pending")
    wizard.close()


class Opened(QObject):
    """Where QDesktopServices sends file:// URLs in this test (instead of launching a desktop viewer)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @pyqtSlot(QUrl)
    def open(self, target: QUrl) -> None:
        self.urls.append(target)


def test_citizen_upload_appears_unticked_and_is_opened_before_it_counts(
    tb: CitizenBackend, consoles: Any, until: Any, arun: Any, qtbot: Any
) -> None:
    c, ch = identified(tb)
    assert put_draft(tb, c, 0, VALID_FORM, step="documents").status_code == 200
    console = consoles.start(tb.server.url)
    consoles.login(console)
    wizard = _open(console, until, arun, c.appointment_id)
    page = wizard.pages["documents"]
    assert wizard.currentPage() is page and page.received.count() == 0

    data = pdf_bytes("DNI Anna")
    doc = upload(tb, ch, "dni anna.pdf", data)  # the citizen, on their page
    until(lambda: page.received.count() == 1, what="the upload listed without any action")
    item = page.received.item(0)
    assert item.data(Qt.ItemDataRole.UserRole) == doc["id"]
    assert item.checkState() == Qt.CheckState.Unchecked  # not counted until someone looked at it

    opened = Opened()
    QDesktopServices.setUrlHandler("file", opened, "open")
    try:
        page.received.setCurrentItem(item)
        qtbot.mouseClick(page.open, Qt.MouseButton.LeftButton)
        until(lambda: len(opened.urls) == 1, what="the document opened")
    finally:
        QDesktopServices.unsetUrlHandler("file")
    local = Path(opened.urls[0].toLocalFile())
    assert hashlib.sha256(local.read_bytes()).hexdigest() == doc["sha256"] == hashlib.sha256(data).hexdigest()

    item.setCheckState(Qt.CheckState.Checked)
    wizard.save_now()
    until(lambda: _server(tb, c).get("checked_documents") == [doc["id"]], what="ticked saved")
    assert _server(tb, c)["excluded_documents"] == []
    wizard.close()


def test_attended_mode_opens_when_the_gate_opens(
    tb: CitizenBackend, consoles: Any, until: Any, arun: Any
) -> None:
    """The real ChecklistService is the gate: the informador identifies the citizen in the checklist
    while the wizard is open, and attended mode opens without reopening the wizard."""
    c = attended_appointment(tb)
    tb.citizen_headers(c)  # the citizen enters the PIN (the checklist's automatic item)
    console = consoles.start(tb.server.url)
    consoles.login(console)
    wizard = _open(console, until, arun, c.appointment_id)
    mode = wizard.pages["mode"]
    checklists = console.ctx.checklists
    until(lambda: checklists.engine(c.appointment_id) is not None, what="checklist loaded")
    until(lambda: mode.reason.isVisible() and not mode.attended.isEnabled(), what="closed with a reason")

    engine = checklists.engine(c.appointment_id)
    assert engine is not None
    facts = checklist(tb.api, tb.headers("marta"), c.appointment_id)["appointment"]
    missing = [
        i for i in engine.gate_status("attended_mode").missing if engine.run.item(i).kind.value != "automatic"
    ]
    assert len(missing) >= 2
    for item_id in missing:
        assert mode.reason.isVisible() and not mode.attended.isEnabled()  # still closed before the last tick
        assert (
            checklists.tick(c.appointment_id, item_id, _values(engine.run.item(item_id).kind.value, facts))
            == ""
        )
    until(mode.attended.isEnabled, what="attended mode enabled by the gate change")
    assert not mode.reason.isVisible()
    wizard.close()


# -- a real console process killed while the backend is down -----------------------------------------

# Runs the console's composition root as `python -m console` does (options, paths, i18n, QApplication,
# qasync loop, Console.start), logs in through the login view, opens the wizard and types into it like a
# person. Between steps it waits for the test on stdin; the test SIGKILLs it at the end.
CONSOLE_DRIVER = """
import asyncio, sys
import qasync
from PyQt6.QtCore import Qt
from PyQt6.QtTest import QTest
from console import i18n, paths
from console.app import Console, build_qapplication, install_excepthook, install_loop_exception_handler
from console.models.agenda_table import AppointmentRole
from console.options import parse

URL, HOME, APPOINTMENT = sys.argv[1:4]
options = parse(["--server", URL, "--data-dir", HOME, "--lang", "ca"])
paths.set_base_dir(options.data_dir)
i18n.install("ca")
app = build_qapplication([])
ref = []
install_excepthook(ref)

async def until(predicate):
    for _ in range(3000):
        if predicate():
            return
        await asyncio.sleep(0.02)
    raise SystemExit("timed out")

async def line():
    return await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)

async def main():
    install_loop_exception_handler(asyncio.get_running_loop())
    console = Console(options)
    ref.append(console)
    console.window.show()
    await console.start(URL)
    view = console.login_view
    view.username.setText("marta")
    view.password.setText("demo")
    QTest.mouseClick(view.submit, Qt.MouseButton.LeftButton)
    model = console.agenda_model
    await until(lambda: model.row_of(APPOINTMENT) is not None)
    await console.open_wizard(model.index(model.row_of(APPOINTMENT), 0).data(AppointmentRole))
    wizard = console._wizards[APPOINTMENT]
    print("OPEN", flush=True)
    await line()  # the backend is stopped now
    saved = []
    console.ctx.wizard.draft_saved.connect(lambda appointment, pending: saved.append((appointment, pending)))
    editor = wizard.pages["form"].editors["telefon"]
    editor.setFocus()
    QTest.keyClicks(editor, "612 345 678")  # saved 2 s after the last key
    await until(lambda: (APPOINTMENT, True) in saved)  # on disk (fsynced), the backend unreachable
    print("TYPED", flush=True)
    await asyncio.Event().wait()  # until killed

with asyncio.Runner(loop_factory=qasync.QEventLoop) as runner:
    runner.run(main())
"""


def _expect(proc: subprocess.Popen[str], word: str, timeout: float = 90) -> None:
    """Read the driver's stdout until `word` (bounded: select with a deadline, never a sleep)."""
    deadline = time.monotonic() + timeout
    seen = ""
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        ready, _w, _x = select.select([proc.stdout], [], [], deadline - time.monotonic())
        if not ready:
            break
        text = proc.stdout.readline()
        if not text:
            break
        seen += text
        if text.strip() == word:
            return
    raise AssertionError(f"console process never said {word}: {seen}")


def test_console_killed_offline_keeps_the_draft_and_sends_it_after_restart(
    tb: CitizenBackend, consoles: Any, until: Any, arun: Any, console_home: Path
) -> None:
    c, _ch = identified(tb)
    assert put_draft(tb, c, 0, {"nom_complet": "Anna Puig"}, step="form").status_code == 200
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}  # no real keyring
    args = [sys.executable, "-c", CONSOLE_DRIVER, tb.server.url, str(console_home), c.appointment_id]
    pipes: dict[str, Any] = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE}
    pipes["stderr"] = subprocess.DEVNULL
    with subprocess.Popen(args, cwd=REPO, env=env, text=True, **pipes) as proc:
        try:
            _expect(proc, "OPEN")
            tb.server.stop()
            try:
                assert proc.stdin is not None
                proc.stdin.write("go\n")
                proc.stdin.flush()
                _expect(proc, "TYPED")
                proc.send_signal(signal.SIGKILL)  # no shutdown, no flush
                assert proc.wait(timeout=30) == -signal.SIGKILL
            finally:
                tb.server.start()
        finally:
            if proc.poll() is None:
                proc.kill()
    # The draft exists only on this computer, pending.
    local = DraftFiles(console_home / "data" / "wizard-drafts").read(c.appointment_id)
    assert local is not None and local.pending
    assert local.form_data == {"nom_complet": "Anna Puig", "telefon": "612 345 678"}
    assert "telefon" not in _form(tb, c) and _server(tb, c)["version"] == 1

    # The console starts again: at login the pending draft goes to the backend, unasked…
    console = consoles.start(tb.server.url)
    consoles.login(console)
    until(lambda: _form(tb, c).get("telefon") == "612 345 678", timeout=30, what="sent at login")
    assert _form(tb, c)["nom_complet"] == "Anna Puig" and _server(tb, c)["version"] == 2
    # …and the wizard reopens where it was, with what was typed.
    wizard = _open(console, until, arun, c.appointment_id)
    assert wizard.pages["form"].editors["telefon"].text() == "612 345 678"
    assert not console.ctx.wizard.drafts[c.appointment_id].pending
    wizard.close()


def test_quitting_the_console_saves_the_open_wizard(
    tb: CitizenBackend, consoles: Any, until: Any, arun: Any
) -> None:
    c, _ch = identified(tb)
    assert put_draft(tb, c, 0, {"nom_complet": "Anna"}, step="form").status_code == 200
    console = consoles.start(tb.server.url)
    consoles.login(console)
    wizard = _open(console, until, arun, c.appointment_id)
    _set(wizard.pages["form"], "telefon", "612 345 678")  # no edit signal: no timer runs
    consoles.stop(console)  # quit before any save: shutdown closes the wizard, which saves
    assert _form(tb, c) == {"nom_complet": "Anna", "telefon": "612 345 678"}
