"""Login, the refresh token in the keyring, and what happens when there is no secure store."""

from __future__ import annotations

import subprocess
import sys

import keyring
import keyring.backends.fail
import keyring.backends.null
import keyring.errors
import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QMessageBox

from console import paths
from console.sync.credentials import SERVICE
from tests.console.conftest import client_for
from tests.helpers.asyncloop import MemoryKeyring


def account(server) -> tuple[str, str]:
    return (SERVICE, f"marta@{server.url}")


def test_login_stores_refresh_token_and_next_start_needs_no_password(
    backend_server, consoles, memory_keyring
):
    first = consoles.start(backend_server.url)
    assert first.window.stack.currentWidget() is first.login_view
    assert first.login_view.store_notice.isHidden()  # the in-memory test keyring counts as secure
    consoles.login(first)
    token = memory_keyring.store[account(backend_server)]
    assert token
    assert "Marta" in first.window.user.text() and "GIR" in first.window.user.text()
    consoles.stop(first)

    second = consoles.start(backend_server.url)  # no password typed
    assert second.window.stack.currentWidget() is second.window.workspace
    assert second.ctx.session.authenticated
    # Refresh tokens rotate: the new one replaced the old in the keyring.
    assert memory_keyring.store[account(backend_server)] not in ("", token)


def test_wrong_password_is_reported_in_the_login_view(backend_server, consoles, qtbot, until, memory_keyring):
    console = consoles.start(backend_server.url)
    view = console.login_view
    view.username.setText("marta")
    view.password.setText("wrong")
    qtbot.mouseClick(view.submit, Qt.MouseButton.LeftButton)
    until(lambda: not view.message.isHidden(), what="error message")
    assert "password" in view.message.text().lower()
    assert view.submit.isEnabled()
    assert memory_keyring.store == {}


@pytest.mark.parametrize("backend", [keyring.backends.fail.Keyring, keyring.backends.null.Keyring])
def test_no_secure_store_says_so_and_keeps_the_token_in_memory(backend, backend_server, consoles, tmp_path):
    keyring.set_keyring(backend())  # the autouse memory_keyring fixture restores the previous one
    console = consoles.start(backend_server.url)
    assert not console.login_view.store_notice.isHidden()
    assert "keyring" in console.login_view.store_notice.text()
    consoles.login(console)  # still works, for this session
    assert console.ctx.credentials.secure is False
    refresh = console.ctx.api.tokens.get()[1]
    assert len(refresh) >= 32
    assert console.ctx.credentials.load_sync(backend_server.url, "marta") == refresh  # kept in memory
    consoles.stop(console)
    assert_token_in_no_file(refresh, tmp_path)

    again = consoles.start(backend_server.url)
    assert again.window.stack.currentWidget() is again.login_view  # the password is needed again


def assert_token_in_no_file(token: str, root) -> None:
    """Not the token, nor a long piece of it, in any file the console wrote: settings, cache, outbox…"""
    files = [p for p in root.rglob("*") if p.is_file()]
    # The search covers the QSettings file and the cache database (they exist: the login wrote both).
    assert paths.settings_file() in files and paths.local_db() in files, files
    needles = [token.encode(), token[:24].encode(), token[-24:].encode()]
    holding = [str(p) for p in files if any(n in p.read_bytes() for n in needles)]
    assert holding == []


class RefusingKeyring(MemoryKeyring):
    """A secure-looking backend whose writes fail, as a locked or broken Secret Service does."""

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.PasswordSetError("the collection is locked")


def test_a_keyring_write_failure_is_shown_and_the_session_stays_in_memory(
    backend_server, consoles, tmp_path, until
):
    backend = RefusingKeyring()
    backend.store[account(backend_server)] = "an-old-token-of-a-previous-session"
    keyring.set_keyring(backend)  # the autouse memory_keyring fixture restores the previous one
    console = consoles.start(backend_server.url)
    notice = console.login_view.store_notice
    assert notice.isHidden() and console.ctx.credentials.secure is True  # nothing known to be wrong yet
    consoles.login(console)  # the login itself works
    expected = "Could not save your session in the keyring: you will be asked for the password next time."
    until(lambda: notice.text() == expected, what="keyring notice")
    assert not notice.isHidden()
    assert console.ctx.credentials.secure is False
    # Already in the workspace: the window says it too.
    boxes = [b for b in console.window.findChildren(QMessageBox) if b.isVisible()]
    assert [b.text() for b in boxes] == [expected]
    boxes[0].close()
    refresh = console.ctx.api.tokens.get()[1]
    assert console.ctx.credentials.load_sync(backend_server.url, "marta") == refresh
    # The stale token is gone from the keyring (it would only be refused), and the new one not there.
    assert backend.store == {}
    consoles.stop(console)
    assert_token_in_no_file(refresh, tmp_path)

    again = consoles.start(backend_server.url)
    assert again.window.stack.currentWidget() is again.login_view  # as the notice said


def test_a_revoked_session_asks_for_the_password_again(backend_server, consoles, memory_keyring, until):
    import httpx

    console = consoles.start(backend_server.url)
    consoles.login(console)
    api = console.ctx.api
    stolen = memory_keyring.store[account(backend_server)]
    api.tokens.set("expired", api.tokens.get()[1])
    console.agenda_view.today.click()
    until(lambda: memory_keyring.store[account(backend_server)] != stolen, what="token rotated")
    # Someone presents the old refresh token: the server revokes the whole family (theft detection).
    r = httpx.post(f"{backend_server.api}/auth/refresh", json={"refresh_token": stolen}, timeout=10)
    assert r.status_code == 401
    api.tokens.set("expired", api.tokens.get()[1])
    console.agenda_view.today.click()
    until(lambda: console.window.stack.currentWidget() is console.login_view, what="back to login")
    assert "session" in console.login_view.message.text().lower()
    consoles.login(console)  # and a password brings the agenda back
    assert console.ctx.session.authenticated


def test_the_real_secret_service_keeps_the_session_across_restarts(
    backend_server, consoles, real_keyring, until
):
    """The path of a real desktop: keyring's Secret Service backend and gnome-keyring (on a private
    bus), not the in-memory fake the other tests use."""
    first = consoles.start(backend_server.url)
    assert first.ctx.credentials.backend_name == "keyring.backends.SecretService.Keyring"
    assert first.ctx.credentials.secure is True
    assert first.login_view.store_notice.isHidden()
    assert first.window.stack.currentWidget() is first.login_view  # nothing stored yet: password asked
    consoles.login(first)
    token = first.ctx.api.tokens.get()[1]
    consoles.stop(first)
    # The token is in the daemon, not in this process: another process reads it through D-Bus.
    read = "import keyring.backends.SecretService as s, sys; print(s.Keyring().get_password(*sys.argv[1:]))"
    other = subprocess.run(
        [sys.executable, "-c", read, *account(backend_server)],
        env=real_keyring,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert other.stdout.strip() == token

    second = consoles.start(backend_server.url)  # no password typed
    assert second.window.stack.currentWidget() is second.window.workspace
    assert second.ctx.session.authenticated
    server_day = client_for(backend_server).day(backend_server.day.isoformat())
    until(lambda: second.agenda_model.rowCount() == len(server_day) > 0, what="the agenda")
    assert second.agenda_view.table_stack.currentWidget() is second.agenda_view.table
