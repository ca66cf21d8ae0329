"""The wizard's assisted-steps page and the call: its screen-sharing actions follow the call state and
the citizen's answer; the portal link is an escaped link; the share-request messages are validated.
(The whole loop with a real call and Chromium: tests/e2e/test_assisted_share.py.)"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from PyQt6.QtCore import Qt

from console.call.messages import (
    ShareRequestMessage,
    SignalingError,
    encode_channel_message,
    parse_channel_message,
)
from console.call.state import CallState
from console.services.wizard import DraftFiles, StaticGate, WizardDraft, WizardService
from console.sync.api import BackendApi
from console.sync.tramitacio import TramitacioApi
from tests.citizen.conftest import CitizenBackend
from tests.tramitacio.conftest import TRAMIT as TRAMIT_CODE

CODE = TRAMIT_CODE
# What the tests change in the catalogue's tràmit: a portal address to escape and two known steps.
TRAMIT: dict[str, Any] = {
    "portal_url": 'https://seu.example.cat/tramit?a=1&b="2"<x>',
    "required_documents": [{"code": "dni", "names": {"ca": "DNI", "en": "ID card"}}],
    "assisted_steps": [
        {"texts": {"ca": "Obriu el portal", "en": "Open the portal"}, "documents": []},
        {"texts": {"ca": "Identifiqueu-vos", "en": "Sign in"}, "documents": ["dni"]},
    ],
}


class Gate:
    def gate_status(self, appointment_id: str, gate: str) -> StaticGate:
        return StaticGate(False, ("no",))


@pytest.fixture
def open_page(  # noqa: PLR0917 - pytest injects fixtures positionally by name
    qtbot: Any, tmp_path: Path, tb: CitizenBackend, arun: Any, until: Any, loop_always_running: None
) -> Iterator[Callable[..., Any]]:
    """Opens the wizard of a real appointment (real backend) on its assisted-steps page, with the
    catalogue's tràmit changed as each test needs. The fixture closes the wizards itself (not
    pytest-qt, which would close them before this teardown) and waits for the save that closing does."""
    from console.views.wizard import PAGE_IDS, TramitWizard

    c = tb.prepare("marta")
    api = BackendApi(tb.server.url)
    arun(api.login("marta", "demo"))
    svc = WizardService(TramitacioApi(api), DraftFiles(tmp_path))
    wizards: list[Any] = []

    def open_(changes: dict[str, Any]) -> Any:
        tramit = httpx.get(f"{tb.api}/tramits/{CODE}", headers=tb.headers("marta"), timeout=10).json()
        draft = WizardDraft(c.appointment_id, CODE, level="assistida", step="assisted_steps")
        wizard = TramitWizard(svc, {**tramit, **changes}, draft, Gate(), lang="ca", today=date(2026, 11, 24))
        wizard.pages["assisted_steps"].citizen_lang = "en"
        wizard.show()
        assert wizard.currentId() == PAGE_IDS["assisted_steps"]
        wizards.append(wizard)
        return wizard.pages["assisted_steps"]

    yield open_
    for wizard in wizards:
        saved: list[object] = []
        wizard.draft_changed.connect(saved.append)
        wizard.close()
        until(lambda s=saved: s, 15, "the draft saved on close")
        wizard.deleteLater()
    api.shutdown()


@pytest.fixture
def page(open_page: Callable[..., Any]) -> Any:
    return open_page(TRAMIT)


def test_share_actions_follow_the_call_and_the_citizens_answer(page: Any, qtbot: Any) -> None:
    asked: list[bool] = []
    pointed: list[str] = []
    links: list[str] = []
    page.share_requested.connect(lambda: asked.append(True))
    page.point_requested.connect(pointed.append)
    page.link_send_requested.connect(links.append)
    # No call yet: nothing to ask, point at or send.
    assert not page.ask_share.isEnabled() and not page.send_link.isEnabled() and not page.point.isEnabled()
    assert page.share_hint.text() == "Screen sharing is possible once the call with the citizen has started."

    # Another citizen's call does not count.
    page.on_call_started(SimpleNamespace(id="other"))
    page.on_call_state(CallState.CONNECTED)
    assert not page.ask_share.isEnabled()

    page.on_call_started(SimpleNamespace(id=page.wiz().draft.appointment_id))
    page.on_call_state(CallState.CONNECTING)
    assert not page.ask_share.isEnabled()
    page.on_call_state(CallState.CONNECTED)
    assert page.ask_share.isEnabled() and page.send_link.isEnabled() and not page.point.isEnabled()
    qtbot.mouseClick(page.ask_share, Qt.MouseButton.LeftButton)
    assert asked == [True]
    qtbot.mouseClick(page.send_link, Qt.MouseButton.LeftButton)
    assert links == [TRAMIT["portal_url"]]

    page.set_share_state("asked")
    assert page.share_hint.text() == "Asked: waiting for the citizen to press Share on their page."
    page.set_share_state("declined")
    assert page.share_hint.text().startswith("The citizen declined to share their screen.")
    assert page.ask_share.isEnabled() and not page.point.isEnabled()  # ask again

    page.set_share_state("sharing")
    assert not page.ask_share.isEnabled() and page.point.isEnabled()
    page.steps.setCurrentRow(1)
    assert page.point.text() == "Point at step 2"
    qtbot.mouseClick(page.point, Qt.MouseButton.LeftButton)
    assert pointed == ["2. Sign in"]  # the step as the citizen reads it (their language)

    page.on_call_state(CallState.RECONNECTING)  # a short blackout keeps the share going
    assert page.point.isEnabled()
    page.on_call_state(CallState.ENDED)
    assert not page.ask_share.isEnabled() and not page.send_link.isEnabled() and not page.point.isEnabled()
    assert page.share_state == ""


def test_the_portal_link_is_an_escaped_clickable_link(page: Any) -> None:
    label = page.portal
    assert label.textFormat() == Qt.TextFormat.RichText and label.openExternalLinks()
    assert 'href="https://seu.example.cat/tramit?a=1&amp;b=&quot;2&quot;&lt;x&gt;"' in label.text()
    assert "<x>" not in label.text()


@pytest.mark.parametrize("url", ["javascript:alert(1)", "seu.example.cat", ""])
def test_a_portal_address_that_is_not_a_web_link_stays_plain_text(open_page: Any, url: str) -> None:
    page = open_page({**TRAMIT, "portal_url": url})
    assert page.portal.textFormat() == Qt.TextFormat.PlainText
    assert page.portal.text().endswith(url) and "<a" not in page.portal.text()
    page.on_call_started(SimpleNamespace(id=page.wiz().draft.appointment_id))
    page.on_call_state(CallState.CONNECTED)
    assert not page.send_link.isEnabled()  # nothing worth sending


def test_share_request_messages_round_trip_and_bad_ones_are_refused() -> None:
    for msg in (ShareRequestMessage("r1"), ShareRequestMessage("r1", declined=True)):
        assert parse_channel_message(encode_channel_message(msg)) == msg
    for raw, why in (
        ('{"type": "share-request"}', "id must be"),
        ('{"type": "share-declined", "id": "has space"}', "id must be"),
        ('{"type": "share-request", "id": "' + "x" * 65 + '"}', "id must be"),
        ('{"type": "share-request", "id": 7}', "id must be"),
        ('{"type": "share-request", "id": "r1", "url": "https://evil"}', "unexpected field"),
    ):
        with pytest.raises(SignalingError, match=why):
            parse_channel_message(raw)
