"""Login, resuming a session from the keyring, and who is logged in."""

from __future__ import annotations

from PyQt6.QtCore import QObject, pyqtSignal

from console import log
from console.domain.staff import Office, Staff
from console.i18n import _
from console.settings import Settings
from console.sync.api import BackendApi
from console.sync.cache import OfflineCache
from console.sync.credentials import CredentialStore
from console.sync.errors import ApiError, NotAuthenticated, Offline
from console.sync.localdb import LocalDb


def scope_for(server_url: str, username: str) -> str:
    return f"{username}@{server_url.rstrip('/')}"


class SessionService(QObject):
    """Owns the authenticated session.

    Signals:
        store_checked: whether a secure credential store exists. arg: bool
        store_failed: the keyring refused to save the session (next start asks the password). arg: reason
        logged_in: a session started. args: Staff, Office | None, online: bool
        login_failed: a user-facing message
    """

    store_checked = pyqtSignal(bool)
    store_failed = pyqtSignal(str)
    logged_in = pyqtSignal(object, object, bool)
    login_failed = pyqtSignal(str)

    def __init__(
        self,
        api: BackendApi,
        credentials: CredentialStore,
        settings: Settings,
        db: LocalDb,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._api = api
        self._credentials = credentials
        # Saves run on worker threads; a signal emitted there is queued to the GUI thread's slots.
        credentials.on_write_failed = self.store_failed.emit
        self._settings = settings
        self._db = db
        self.server_url = ""
        self.username = ""
        self.staff: Staff | None = None
        self.office: Office | None = None
        self.authenticated = False  # False in an offline session started from the cache

    @property
    def scope(self) -> str:
        return scope_for(self.server_url, self.username)

    async def check_store(self) -> bool:
        secure = await self._credentials.probe()
        self.store_checked.emit(secure)
        return secure

    def _use_server(self, server_url: str, username: str) -> None:
        self.server_url, self.username = server_url.rstrip("/"), username
        self._api.base_url = self.server_url
        # Refresh tokens rotate: store each new one (on the API worker, before the next request).
        self._api.on_refresh_token = lambda token: self._credentials.save_sync(server_url, username, token)

    async def login(self, server_url: str, username: str, password: str) -> bool:
        if not server_url or not username or not password:
            self.login_failed.emit(_("Enter the server address, the user name and the password."))
            return False
        self._use_server(server_url, username)
        try:
            staff = await self._api.login(username, password)
        except Offline:
            self.login_failed.emit(_("The server cannot be reached. Check the address and the network."))
            return False
        except NotAuthenticated:
            self.login_failed.emit(_("Wrong user name or password."))
            return False
        except ApiError as exc:
            self.login_failed.emit(_("The server refused the login: {message}").format(message=exc.message))
            return False
        await self._started(staff)
        return True

    async def resume(self, server_url: str, username: str) -> bool:
        """Start without a password: the stored refresh token, or (backend down) the cached profile."""
        if not server_url or not username:
            return False
        token = await self._credentials.load(server_url, username)
        if not token:
            return False
        self._use_server(server_url, username)
        try:
            staff = await self._api.resume(token)
        except Offline:
            return await self._start_offline()
        except ApiError as exc:
            log.sync.info("stored session refused (%s): password needed", exc.code)
            await self._credentials.delete(server_url, username)
            return False
        await self._started(staff)
        return True

    async def reauthenticate(self) -> bool:
        """After an offline start, once the backend answers again: turn the token into a session."""
        token = await self._credentials.load(self.server_url, self.username)
        if not token:
            return False
        try:
            await self._api.resume(token)
        except Offline:
            return False
        except ApiError as exc:
            log.sync.info("stored session refused (%s): password needed", exc.code)
            await self._credentials.delete(self.server_url, self.username)
            self.login_failed.emit(_("Your session has ended. Log in again to continue."))
            return False
        self.authenticated = True
        return True

    async def _started(self, staff: Staff) -> None:
        self.staff, self.authenticated = staff, True
        self._settings.server_url, self._settings.username = self.server_url, self.username
        self._settings.sync()
        cache = OfflineCache(self._db, self.scope)
        try:
            self.office = await self._api.office(staff.office_id)
        except (Offline, ApiError) as exc:
            log.sync.info("office not loaded: %s", exc)
            meta = await self._db.run(cache.get_meta, "office")
            self.office = Office.from_json(meta) if meta else None
        await self._db.run(cache.set_meta, "staff", staff.to_json())
        if self.office is not None:
            await self._db.run(cache.set_meta, "office", self.office.to_json())
        log.init.info("logged in as %s", staff.username)
        self.logged_in.emit(staff, self.office, True)

    async def _start_offline(self) -> bool:
        cache = OfflineCache(self._db, self.scope)
        staff_meta = await self._db.run(cache.get_meta, "staff")
        if staff_meta is None:
            self.login_failed.emit(
                _("The server cannot be reached and there is no saved data for this user.")
            )
            return False
        office_meta = await self._db.run(cache.get_meta, "office")
        self.staff = Staff.from_json(staff_meta)
        self.office = Office.from_json(office_meta) if office_meta else None
        self.authenticated = False
        log.init.info("offline start from the cache as %s", self.username)
        self.logged_in.emit(self.staff, self.office, False)
        return True

    async def shutdown(self) -> None:
        self._api.on_refresh_token = None
