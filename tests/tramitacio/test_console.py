"""Console side of the wizard: drafts survive a killed console (local copy + backend), the wizard's
attended mode waits for the identification gate, and the form names the field in each refusal.
Every page is rendered to /tmp/wizard-<page>.png for a visual check."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from console.services.wizard import DraftFiles, StaticGate, WizardDraft, WizardService
from console.sync.api import BackendApi
from console.sync.tramitacio import TramitacioApi
from tests.citizen.conftest import CitizenBackend
from tests.tramitacio.conftest import TRAMIT, VALID_FORM, attended_appointment, identified, url

REPO = Path(__file__).resolve().parents[2]


class Gate:
    """A fixed gate for tests where gating is not the subject (form checks, page renders)."""

    def __init__(self, allowed: bool, reasons: tuple[str, ...] = ()) -> None:
        self.status = StaticGate(allowed, reasons)

    def gate_status(self, appointment_id: str, gate: str) -> StaticGate:
        assert gate == "attended_mode"
        return self.status


def _service(tb: CitizenBackend, arun: Any, drafts: Path, username: str = "marta") -> WizardService:
    api = BackendApi(tb.server.url)
    arun(api.login(username, "demo"))
    return WizardService(TramitacioApi(api), DraftFiles(drafts))


def test_draft_survives_a_killed_console_and_an_offline_step(
    tb: CitizenBackend, arun: Any, tmp_path: Path
) -> None:
    c = tb.prepare("marta")
    drafts = tmp_path / "drafts"
    # 1. A real console process saves a step, then is killed (no shutdown, no flush).
    script = textwrap.dedent(f"""
        import asyncio, os, signal
        from pathlib import Path
        from console.services.wizard import DraftFiles, WizardDraft, WizardService
        from console.sync.api import BackendApi
        from console.sync.tramitacio import TramitacioApi

        async def main():
            api = BackendApi({tb.server.url!r})
            await api.login("marta", "demo")
            svc = WizardService(TramitacioApi(api), DraftFiles(Path({str(drafts)!r})))
            draft = WizardDraft({c.appointment_id!r}, {TRAMIT!r}, level="atesa", step="form",
                                form_data={{"nom_complet": "Anna Puig", "codi_postal": "17001"}})
            saved = await svc.save(draft)
            print("SAVED", saved.server_version, saved.pending, flush=True)
            os.kill(os.getpid(), signal.SIGKILL)

        asyncio.run(main())
    """)
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert "SAVED 1 False" in proc.stdout, proc.stdout + proc.stderr
    assert httpx.get(url(tb, c), headers=c.staff).json()["form_data"]["nom_complet"] == "Anna Puig"

    # 2. A fresh console restores it, then saves the next step while the backend is down.
    svc = _service(tb, arun, drafts)
    draft = arun(svc.restore(c.appointment_id, TRAMIT))
    assert draft.form_data == {"nom_complet": "Anna Puig", "codi_postal": "17001"} and draft.step == "form"
    assert draft.server_version == 1 and not draft.pending
    tb.server.stop()
    try:
        offline = arun(svc.save(replace(draft, form_data=VALID_FORM, step="documents")))
        assert offline.pending
    finally:
        tb.server.start()
    # 3. Killed again (this instance is simply dropped); the next one finds the pending step on disk
    #    and sends it: nothing typed offline is lost.
    svc2 = _service(tb, arun, drafts)
    restored = arun(svc2.restore(c.appointment_id, TRAMIT))
    assert not restored.pending and restored.step == "documents"
    server = httpx.get(url(tb, c), headers=c.staff).json()
    assert server["form_data"] == VALID_FORM and server["step"] == "documents" and server["version"] == 2


def _tramit(tb: CitizenBackend, code: str = TRAMIT) -> dict[str, Any]:
    body: dict[str, Any] = httpx.get(f"{tb.api}/tramits/{code}", headers=tb.headers("marta")).json()
    return body


def _wizard(qtbot: Any, tb: CitizenBackend, gate: Gate, draft: WizardDraft, code: str = TRAMIT) -> Any:
    from console.views.wizard import TramitWizard

    svc = WizardService(TramitacioApi(BackendApi(tb.server.url)), DraftFiles(Path("/nonexistent")))
    wizard = TramitWizard(svc, _tramit(tb, code), draft, gate, lang="ca", today=date(2026, 11, 24))
    qtbot.addWidget(wizard)
    return wizard


def test_attended_mode_disabled_with_reason_while_gate_closed(
    tb: CitizenBackend, consoles: Any, until: Any, arun: Any
) -> None:
    """The gate is the console's real ChecklistService, loaded from the backend's checklist."""
    from console.models.agenda_table import AppointmentRole

    closed = attended_appointment(tb)  # nobody identified yet
    opened, _ch = identified(tb)
    console = consoles.start(tb.server.url)
    consoles.login(console)
    model = console.agenda_model
    wizards = {}
    for c in (closed, opened):
        arun(console.open_wizard(model.index(model.row_of(c.appointment_id), 0).data(AppointmentRole)))
        wizards[c.appointment_id] = console._wizards[c.appointment_id]
        until(lambda c=c: console.ctx.checklists.engine(c.appointment_id) is not None, what="checklist")

    page = wizards[closed.appointment_id].pages["mode"]
    expected = console.ctx.checklists.gate_status(closed.appointment_id, "attended_mode")
    assert not expected.allowed and expected.reasons
    until(lambda: not page.attended.isEnabled() and page.reason.isVisible(), what="closed")
    assert page.assisted.isChecked() and all(r in page.reason.text() for r in expected.reasons)
    assert page.reason.textFormat() == page.reason.textFormat().PlainText
    wizards[closed.appointment_id].grab().save("/tmp/wizard-mode-closed.png")

    open_page = wizards[opened.appointment_id].pages["mode"]
    until(open_page.attended.isEnabled, what="open once identified")
    assert not open_page.reason.isVisible()
    for wizard in wizards.values():
        wizard.close()


def test_form_page_names_the_field_in_each_refusal(qtbot: Any, qloop: Any, tb: CitizenBackend) -> None:
    from console.views.wizard import PAGE_IDS

    bad = {**VALID_FORM, "codi_postal": "53000", "sollicitant_document": "12345678A"}
    draft = WizardDraft("a3", TRAMIT, level="atesa", step="form", form_data=bad)
    wizard = _wizard(qtbot, tb, Gate(True), draft)
    wizard.show()
    assert wizard.currentId() == PAGE_IDS["form"]  # resumes on the saved step
    page = wizard.pages["form"]
    assert page.validatePage() is False
    cp, doc = page.errors["codi_postal"], page.errors["sollicitant_document"]
    assert cp.isVisible() and cp.text().startswith("Codi postal del domicili:")
    assert doc.isVisible() and doc.text().startswith("DNI o NIE de la persona sol·licitant:")
    assert not page.errors["nom_complet"].isVisible()
    wizard.grab().save("/tmp/wizard-form-errors.png")
    page.editors["codi_postal"].setText("17001")
    page.editors["sollicitant_document"].setText("12345678Z")
    assert page.validatePage() is True
    assert page.save_to(draft).form_data["codi_postal"] == "17001"


PAGE_NAMES = ["mode", "assisted_steps", "assisted_result", "form", "documents", "summary", "signature"]


@pytest.mark.parametrize("name", [*PAGE_NAMES, "receipt", "post_call"])
def test_render_every_page(qtbot: Any, qloop: Any, tb: CitizenBackend, name: str) -> None:
    from console.views.wizard import PAGE_IDS

    server = {
        "status": {"signature": "signed", "receipt": "submitted"}.get(name, "awaiting_signature"),
        "version": 3, "registry_number": "OAC-2026-000123", "receipt_sha256": "ab" * 32,
        "documents": [{"id": "d1", "name": "dni <b>anna</b>.pdf", "sha256": "cd" * 32}],
    }  # fmt: skip
    draft = WizardDraft("a4", "targeta-discapacitat", level="assistida" if "assisted" in name else "atesa",
                        form_data={"nom_complet": "Anna <i>Puig</i>", "grau_discapacitat": 45},
                        assisted={"steps_done": [0, 1]}, server=server)  # fmt: skip
    wizard = _wizard(qtbot, tb, Gate(True), draft, code="targeta-discapacitat")
    wizard.setStartId(PAGE_IDS[name])
    wizard.restart()
    wizard.show()
    qtbot.waitExposed(wizard)
    assert wizard.grab().save(f"/tmp/wizard-{name}.png")
