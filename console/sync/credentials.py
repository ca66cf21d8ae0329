"""The refresh token in the OS keyring, never in QSettings or files (DESIGN.md security rules).

When no secure backend exists (keyring's fail/null backends, or keyrings.alt, whose "plaintext"
backends write base64 to disk) the token is kept in memory for this session only and the login view
says so. Keyring calls can block on D-Bus, so they run on a worker thread.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from console import log

T = TypeVar("T")

SERVICE = "Videoatencio console"

_INSECURE_CLASSES = {
    "keyring.backends.fail.Keyring",
    "keyring.backends.null.Keyring",
}


def _qualname(backend: object) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def is_secure_backend(backend: object) -> bool:
    """True when `backend` keeps secrets in a real secure store."""
    name = _qualname(backend)
    if name in _INSECURE_CLASSES or name.startswith("keyrings.alt."):
        return False
    inner = getattr(backend, "backends", None)
    if name == "keyring.backends.chainer.ChainerBackend":
        # The chainer writes to the first backend that accepts: all of them must be secure.
        return bool(inner) and all(is_secure_backend(b) for b in inner or ())
    return True


def _account(server_url: str, username: str) -> str:
    return f"{username}@{server_url.rstrip('/')}"


class CredentialStore:
    """Refresh tokens per (server, user). Blocking methods end in `_sync`; the async ones use a worker."""

    def __init__(self, memory_only: bool = False) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="keyring")
        self._memory: dict[str, str] = {}
        self._memory_only = memory_only  # the demo: throwaway sessions stay out of the real keyring
        self.secure: bool | None = None  # unknown until probe()
        self.backend_name = ""
        # Called (on the thread that saved) when the keyring refused a write: the UI must say so.
        self.on_write_failed: Callable[[str], None] | None = None
        self.write_error = ""

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    def probe_sync(self) -> bool:
        if self._memory_only:
            self.secure, self.backend_name = True, "memory (demo)"
            return True
        import keyring  # imported here: the first backend lookup is slow and may touch D-Bus

        backend = keyring.get_keyring()
        self.backend_name = _qualname(backend)
        self.secure = is_secure_backend(backend)
        log.sync.info("keyring backend %s (secure: %s)", self.backend_name, self.secure)
        return self.secure

    async def probe(self) -> bool:
        return await self._run(self.probe_sync)

    def load_sync(self, server_url: str, username: str) -> str | None:
        account = _account(server_url, username)
        if self.secure is None:
            self.probe_sync()
        if not self.secure or self._memory_only:
            return self._memory.get(account)
        import keyring
        import keyring.errors

        try:
            return keyring.get_password(SERVICE, account)
        except keyring.errors.KeyringError as exc:
            log.sync.warning("keyring read failed: %s", exc)
            return None

    def save_sync(self, server_url: str, username: str, token: str) -> None:
        account = _account(server_url, username)
        if self.secure is None:
            self.probe_sync()
        if not self.secure or self._memory_only:
            self._memory[account] = token
            return
        import keyring
        import keyring.errors

        try:
            keyring.set_password(SERVICE, account, token)
        except Exception as exc:  # noqa: BLE001 - D-Bus and backend errors are not all KeyringError
            self._write_failed(account, token, exc)

    def _write_failed(self, account: str, token: str, exc: Exception) -> None:
        """Never fall back to a file: the token stays in memory for this session, the store counts as
        not secure from now on (later rotations go to memory too) and the UI is told, so nobody is
        surprised by a password prompt at the next start."""
        log.sync.warning("keyring write failed, token kept in memory: %s", exc)
        self.secure = False
        self._memory[account] = token
        self.write_error = str(exc) or type(exc).__name__
        import keyring

        # An older token left there would only be refused (its family is revoked on reuse).
        with contextlib.suppress(Exception):
            keyring.delete_password(SERVICE, account)
        if self.on_write_failed is not None:
            self.on_write_failed(self.write_error)

    def delete_sync(self, server_url: str, username: str) -> None:
        account = _account(server_url, username)
        self._memory.pop(account, None)
        if not self.secure or self._memory_only:
            return
        import keyring
        import keyring.errors

        with contextlib.suppress(keyring.errors.KeyringError):  # nothing stored
            keyring.delete_password(SERVICE, account)

    async def load(self, server_url: str, username: str) -> str | None:
        return await self._run(self.load_sync, server_url, username)

    async def save(self, server_url: str, username: str, token: str) -> None:
        await self._run(self.save_sync, server_url, username, token)

    async def delete(self, server_url: str, username: str) -> None:
        await self._run(self.delete_sync, server_url, username)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
