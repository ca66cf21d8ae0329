"""The share request on a phone, where the browser cannot share its screen, and the console's
answer-keeping: Debian's Chromium with an iPhone user agent runs call.js + screenshare.js
(tests/screenshare/pages/share.html) against a real aiortc CallSession driven through the console's
ScreenShareService.

The request shows the prompt; its Share button shows the plain-words help instead of a browser picker;
a decline naming another request is ignored; "Not now" reaches the console as "declined".
"""

from __future__ import annotations

import pytest

from console.call.signaling import memory_pair
from console.call.state import CallState
from console.services.screenshare import ScreenShareService
from tests.call.conftest import closing  # noqa: F401 - fixture
from tests.call.helpers import make_session, wait_until
from tests.screenshare.conftest import open_share_page, ss_server  # noqa: F401 - fixture

pytestmark = pytest.mark.browser

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)
PROMPT_VISIBLE = "!document.querySelector('.ss-request').hidden"


def test_a_phone_gets_help_instead_of_a_picker_and_not_now_reaches_the_console(
    arun,
    chromium,
    ss_server,  # noqa: F811 - the imported fixture
    closing,  # noqa: F811 - the imported fixture
    qtbot,
):
    console_end, citizen_end = memory_pair()
    session = closing(make_session(console_end))
    service = ScreenShareService()
    states: list[str] = []
    service.share_request_changed.connect(states.append)
    chats: list[str] = []
    session.chat_received.connect(lambda text, _when: chats.append(text))

    async def scenario():
        context = await chromium.new_context(user_agent=IPHONE)
        try:
            page, bridge = await open_share_page(context, ss_server, citizen_end)
            closing(bridge)
            await session.prepare()
            service.attach(session)
            await session.start()
            await wait_until(lambda: session.state is CallState.CONNECTED, what="connected")
            await page.wait_for_function(
                "window.__call.channel && window.__call.channel.readyState === 'open'"
            )

            assert service.request_citizen_share()
            assert service.share_request == "asked" and states == ["asked"]
            await page.wait_for_function(PROMPT_VISIBLE)
            assert await page.inner_text(".ss-request h2") == "The informador asks you to share your screen"
            # No getDisplayMedia on a phone: Share opens the step-by-step help, the prompt stays.
            assert await page.inner_text(".ss-request-share") == "How to share your screen"
            assert await page.is_hidden(".ss-help")
            await page.click(".ss-request-share")
            assert await page.is_visible(".ss-help")
            help_text = await page.inner_text(".ss-help")
            assert "iPhone and iPad browsers cannot share the screen" in help_text, help_text
            assert await page.evaluate(PROMPT_VISIBLE)
            assert not await page.evaluate("window.__ui.share.sharing")

            # A decline naming another request (an old one) changes nothing; a chat line sent after it
            # on the same ordered channel shows it was handled.
            await page.evaluate(
                "window.__call.sendGuidance({ type: 'share-declined', id: 'an-old-request' })"
            )
            await page.evaluate("window.__call.sendChat('after the old decline')")
            await wait_until(
                lambda: chats == ["after the old decline"], what="the chat after the old decline"
            )
            assert service.share_request == "asked"

            await page.click(".ss-request-decline")
            await wait_until(lambda: service.share_request == "declined", what="'declined' at the console")
            assert states == ["asked", "declined"]
            assert not await page.evaluate(PROMPT_VISIBLE)
            assert await page.evaluate("window.__test.errors") == []
        finally:
            await context.close()

    arun(scenario(), timeout=90)
    service.detach()
    assert service.share_request == "" and states[-1] == ""
