"""The wizard's assisted-steps page and the call: its screen-sharing actions follow the call state and
the citizen's answer; the portal link is an escaped link; the share-request messages are validated.
(The whole loop with a real call and Chromium: tests/e2e/test_assisted_share.py.)"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

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

TRAMIT: dict[str, Any] = {
    "code": "t",
    "names": {"ca": "Tràmit", "en": "Procedure"},
    "levels": ["assistida"],
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
def page(qtbot: Any, tmp_path: Path) -> Any:
    from console.views.wizard import PAGE_IDS, TramitWizard

    api = BackendApi("http://127.0.0.1:9")
    svc = WizardService(TramitacioApi(api), DraftFiles(tmp_path))
    draft = WizardDraft("a1", "t", level="assistida", step="assisted_steps")
    wizard = TramitWizard(svc, dict(TRAMIT), draft, Gate(), lang="ca", today=date(2026, 11, 24))
    qtbot.addWidget(wizard)
    wizard.pages["assisted_steps"].citizen_lang = "en"
    wizard.show()
    assert wizard.currentId() == PAGE_IDS["assisted_steps"]
    yield wizard.pages["assisted_steps"]
    api.shutdown()


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

    page.on_call_started(SimpleNamespace(id="a1"))
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
def test_a_portal_address_that_is_not_a_web_link_stays_plain_text(
    qtbot: Any, tmp_path: Path, url: str
) -> None:
    from console.views.wizard import TramitWizard

    api = BackendApi("http://127.0.0.1:9")
    try:
        svc = WizardService(TramitacioApi(api), DraftFiles(tmp_path))
        draft = WizardDraft("a1", "t", level="assistida", step="assisted_steps")
        wizard = TramitWizard(svc, {**TRAMIT, "portal_url": url}, draft, Gate(), lang="ca")
        qtbot.addWidget(wizard)
        wizard.show()
        page = wizard.pages["assisted_steps"]
        assert page.portal.textFormat() == Qt.TextFormat.PlainText
        assert page.portal.text().endswith(url) and "<a" not in page.portal.text()
        page.on_call_started(SimpleNamespace(id="a1"))
        page.on_call_state(CallState.CONNECTED)
        assert not page.send_link.isEnabled()  # nothing worth sending
    finally:
        api.shutdown()


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
