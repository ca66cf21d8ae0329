"""Composition root: builds the application, its services and views, and wires them in one place.

Nothing else instantiates services. Start-up imports only Qt, requests and our own modules; aiortc,
av, numpy, sounddevice and mss are imported later by the screens that need them (BASELINES step 6).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
import traceback
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import Any

from PyQt6.QtCore import QObject, Qt, QTimer, pyqtSignal
from PyQt6.QtWidgets import QApplication, QDockWidget

from console import __version__, i18n, log, paths
from console.domain.appointment import Appointment, Status
from console.domain.staff import Office, Staff
from console.garbage import GuiThreadGarbageCollector
from console.i18n import _
from console.models.agenda_table import AgendaTableModel
from console.options import Options, parse
from console.resources import resolve_theme
from console.services.agenda import AgendaService, Conflict
from console.services.call import CallService
from console.services.checklist import ChecklistService
from console.services.connectivity import ConnectivityService
from console.services.session import SessionService
from console.services.supervisor import PoolService, SupervisorService
from console.services.tasks import drain, spawn
from console.services.wizard import WizardService
from console.settings import Settings
from console.sync.api import BackendApi
from console.sync.credentials import CredentialStore
from console.sync.events import EventStream, ServerEvent
from console.sync.localdb import LocalDb
from console.sync.pool_api import PoolApi
from console.sync.tramitacio import TramitacioApi
from console.views.agenda import AgendaView
from console.views.call_panel import CallPanel
from console.views.checklist import ChecklistPanel
from console.views.login import LoginView
from console.views.main_window import MainWindow
from console.views.pool import PoolView
from console.views.settings_dialog import SettingsController
from console.views.supervisor import SupervisorView

_T0 = time.perf_counter()


def seconds_since_process_start() -> float:
    """Wall time since the process was spawned (Linux /proc), else since this module was imported."""
    try:
        with open("/proc/self/stat") as f:
            start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as f:
            uptime = float(f.read().split()[0])
        return uptime - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return time.perf_counter() - _T0


@dataclass
class AppContext:
    """Everything the console is made of, built once."""

    settings: Settings
    credentials: CredentialStore
    db: LocalDb
    api: BackendApi
    session: SessionService
    agenda: AgendaService
    connectivity: ConnectivityService
    calls: CallService
    checklists: ChecklistService
    wizard: WizardService


class Console(QObject):
    """The running console: context, window and the wiring between them.

    Signals:
        agenda_shown: the agenda was shown for the first time (start-up benchmark, screenshots).
        login_shown: start-up ended on the login view (a password is needed).
        shutting_down: the console is quitting; every service's stop is connected to it.
        quit_requested: the user closed the window.
    """

    agenda_shown = pyqtSignal()
    login_shown = pyqtSignal()
    shutting_down = pyqtSignal()
    quit_requested = pyqtSignal()

    def __init__(self, options: Options, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.options = options
        log.init.debug("building context")
        settings = Settings(self)
        credentials = CredentialStore(memory_only=options.memory_credentials)
        db = LocalDb(paths.local_db())
        api = BackendApi()
        self.ctx = AppContext(
            settings=settings,
            credentials=credentials,
            db=db,
            api=api,
            session=SessionService(api, credentials, settings, db, self),
            agenda=AgendaService(api, db, self),
            connectivity=ConnectivityService(api, options.probe_interval, self),
            calls=CallService(api, self),
            checklists=ChecklistService(api, db, self),
            wizard=WizardService(TramitacioApi(api), parent=self),
        )
        self.events: EventStream | None = None
        self._shown_once = False
        self._ready = False  # the first load after a login finished: reconnects may reload now
        self._stopped = False

        log.init.debug("building window")
        self.agenda_model = AgendaTableModel(self)
        self.agenda_model.set_theme(resolve_theme(settings.theme))  # status colours follow the theme
        self.login_view = LoginView()
        self.agenda_view = AgendaView(self.agenda_model)
        self.window = MainWindow(self.login_view)
        self.window.add_view(self.agenda_view, _("Agenda"))
        # The call panel becomes a workspace tab when a call starts; until then it is hidden.
        self.call_panel = CallPanel(self.window)
        self.call_panel.hide()
        self._waiting_timer = QTimer(self)  # waiting times in the agenda count up
        self._waiting_timer.setInterval(30_000)
        self._waiting_timer.start()
        self.demo: Any = None
        # The checklist is a dock on the right: beside the agenda now, beside the call panel in a call
        # (hidden until an appointment's checklist is opened).
        self.checklist_panel = ChecklistPanel(self.ctx.checklists)
        self.checklist_dock = QDockWidget(_("Checklist"), self.window)
        self.checklist_dock.setObjectName("checklistDock")
        self.checklist_dock.setWidget(self.checklist_panel)
        self.window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.checklist_dock)
        self.checklist_dock.hide()
        # The supervisor's board or the informador's pool: built now, shown as a tab by role at login.
        pool_api = PoolApi(api)
        self.supervisor = SupervisorService(pool_api, self)
        self.pool = PoolService(pool_api, self)
        sup = self.supervisor
        self.supervisor_view = SupervisorView(
            sup.informadors, sup.waiting, sup.office_kpis, sup.tramit_kpis, sup.pool_appointments
        )
        self.pool_view = PoolView()
        self._role_view: Any = None
        self._connect_pool_signals()
        self._connect_signals()

    # -- wiring ---------------------------------------------------------------------------------
    def _connect_signals(self) -> None:
        ctx, window, agenda_view = self.ctx, self.window, self.agenda_view
        self.login_view.login_requested.connect(self._on_login_requested)
        ctx.session.store_checked.connect(self.login_view.set_secure_store)
        ctx.session.store_failed.connect(self._on_store_failed)
        ctx.session.login_failed.connect(self._on_login_failed)
        ctx.session.logged_in.connect(self._on_logged_in)

        agenda_view.day_requested.connect(lambda day: spawn(ctx.agenda.load_day(day)))
        agenda_view.status_change_requested.connect(self._on_status_change_requested)
        agenda_view.conflict_resolution_requested.connect(
            lambda entry_id, keep: spawn(ctx.agenda.resolve_conflict(entry_id, keep))
        )
        ctx.agenda.day_loaded.connect(self._on_day_loaded)
        ctx.agenda.appointment_changed.connect(self.agenda_model.update_appointment)
        ctx.agenda.catalogue_loaded.connect(self.agenda_model.set_tramits)
        # The board names procedures once the catalogue arrives (it loads after the board).
        ctx.agenda.catalogue_loaded.connect(self.supervisor.set_tramits)
        # Tràmit names for script texts, identification levels for checklists started offline.
        ctx.agenda.catalogue_loaded.connect(ctx.checklists.set_catalogue)
        ctx.agenda.sync_state_changed.connect(self._on_sync_state_changed)
        ctx.agenda.conflicts_changed.connect(self._on_conflicts_changed)
        ctx.agenda.failed.connect(lambda message: window.statusBar().showMessage(message, 10000))  # type: ignore[union-attr]
        ctx.agenda.auth_lost.connect(self._on_auth_lost)
        ctx.agenda.offline.connect(lambda: ctx.connectivity.report(False))
        ctx.agenda.online.connect(lambda: ctx.connectivity.report(True))
        ctx.connectivity.online_changed.connect(self._on_online_changed)
        window.closing.connect(self.quit_requested)
        window.retry_requested.connect(self._on_retry_requested)
        # Settings (Ctrl+,): stored in QSettings; language and theme apply live.
        self.preferences = SettingsController(window, ctx.settings, self)
        window.settings_requested.connect(self.preferences.open)
        self.preferences.server_url_changed.connect(self.login_view.server.setText)
        self.preferences.theme_changed.connect(lambda t: self.agenda_model.set_theme(resolve_theme(t)))
        self._connect_call_signals()
        self._connect_checklist_signals()
        self._connect_wizard_signals()

        # One shutting_down signal stops everything that runs on its own.
        self.shutting_down.connect(self._stop_events)
        self.shutting_down.connect(ctx.api.shutdown)
        self.shutting_down.connect(ctx.credentials.shutdown)
        self.shutting_down.connect(ctx.db.close)
        self.shutting_down.connect(ctx.settings.sync)

    def _connect_call_signals(self) -> None:
        """The video call: agenda actions → call service → call panel (and back)."""
        ctx, panel, detail = self.ctx, self.call_panel, self.agenda_view.detail
        calls = ctx.calls
        ctx.agenda.day_loaded.connect(lambda _day, rows, _cached: calls.set_appointments(rows))
        ctx.agenda.appointment_changed.connect(calls.update_appointment)
        calls.waiting_changed.connect(self._on_waiting_changed)
        self._waiting_timer.timeout.connect(lambda: self._on_waiting_changed(calls.waiting))
        detail.send_link_requested.connect(lambda appointment_id: spawn(calls.send_link(appointment_id)))
        detail.send_pin_requested.connect(lambda appointment_id: spawn(calls.send_pin(appointment_id)))
        detail.admit_requested.connect(lambda appointment_id: spawn(calls.admit(appointment_id)))
        calls.action_done.connect(
            lambda appointment_id, text: detail.show_call_result(appointment_id, text, False)
        )
        calls.action_failed.connect(
            lambda appointment_id, text: detail.show_call_result(appointment_id, text, True)
        )
        calls.call_started.connect(self._on_call_started)
        calls.call_state_changed.connect(panel.set_state)
        calls.call_closed.connect(self._on_call_closed)
        calls.remote_frame.connect(panel.set_remote_image)
        calls.local_frame.connect(panel.set_local_image)
        calls.chat_received.connect(lambda text, when: panel.add_chat(True, text, when))
        calls.stats_updated.connect(panel.show_stats)
        calls.notice.connect(panel.show_notice)
        calls.documents_changed.connect(panel.set_documents)
        calls.document_saved.connect(
            lambda path, _sha: panel.show_notice(_("Document saved: {path}").format(path=path))
        )
        calls.devices_listed.connect(panel.devices.set_devices)
        calls.remote_media_changed.connect(panel.show_remote_media)
        panel.remote_video.display_size_changed.connect(calls.set_remote_video_size)
        panel.mute_toggled.connect(calls.set_mic_muted)
        panel.camera_toggled.connect(lambda on: spawn(calls.set_camera_enabled(on)))
        panel.hang_up_requested.connect(lambda: spawn(calls.hang_up()))
        panel.chat_send_requested.connect(lambda text: spawn(self._send_chat(text)))
        panel.upload_requested.connect(lambda path: spawn(calls.upload(Path(path))))
        panel.interpreter.bind(calls.interpreter)
        calls.interpreter.chat_received.connect(
            lambda text: panel.add_chat(True, _("Interpreter: {text}").format(text=text))
        )
        panel.download_requested.connect(lambda doc_id, path: spawn(calls.download(doc_id, Path(path))))
        panel.devices_changed.connect(lambda mic, speaker, cam: spawn(calls.set_devices(mic, speaker, cam)))
        # The devices chosen in Settings: used from the next call on, and switched live in a call.
        calls.remember_devices(ctx.settings.microphone, ctx.settings.speaker, ctx.settings.camera)
        self.preferences.devices_changed.connect(
            lambda mic, speaker, cam: spawn(calls.use_stored_devices(mic, speaker, cam))
        )
        panel.complete_requested.connect(self._on_call_completed)
        self._connect_screen_share()

    def _connect_screen_share(self) -> None:
        """Screen sharing in the call: the panel's share controls ↔ calls.screenshare."""
        calls, view = self.ctx.calls, self.call_panel.screen_share
        share = calls.screenshare
        view.monitor_provider = share.monitors
        view.share_requested.connect(lambda source: spawn(calls.start_screen_share(source)))
        view.stop_requested.connect(lambda: spawn(calls.stop_screen_share()))
        view.windows_wanted.connect(lambda: spawn(share.list_windows()))
        share.windows_listed.connect(view.set_windows)
        share.share_moved.connect(view.move_share)
        share.window_hidden.connect(view.set_window_hidden)
        view.pointer_moved.connect(calls.send_pointer)
        view.mark_drawn.connect(lambda draft: view.add_mark(calls.send_mark(draft)))
        view.marks_cleared.connect(calls.clear_marks)
        view.screen_size_changed.connect(share.set_remote_screen_size)
        share.sharing_changed.connect(view.set_sharing)
        share.preview_frame.connect(view.set_preview)
        share.own_pointer.connect(view.set_own_pointer)
        share.remote_share_changed.connect(view.set_remote_share)
        share.remote_screen_frame.connect(view.set_remote_screen)
        share.guidance.connect(view.apply_guidance)
        share.failed.connect(self.call_panel.show_notice)
        calls.remote_frame.connect(view.set_remote_camera)

    def _connect_pool_signals(self) -> None:
        """Supervisor board, the informador's pool, and presence from the call's state."""
        sup, pool, sview, pview = self.supervisor, self.pool, self.supervisor_view, self.pool_view
        sup.board_loaded.connect(sview.show_board)
        sup.failed.connect(lambda message: self.window.statusBar().showMessage(message, 10000))  # type: ignore[union-attr]
        sview.reassign_requested.connect(lambda kind, item, staff: spawn(sup.reassign(kind, item, staff)))
        sview.kpis_requested.connect(lambda: spawn(sup.load_kpis()))
        sview.export_requested.connect(lambda path: spawn(sup.export_csv(path)))
        pool.pool_loaded.connect(pview.show_items)
        pool.take_refused.connect(lambda message: pview.show_message(message, True))
        pool.taken.connect(self._on_pool_taken)
        pview.take_next_requested.connect(lambda: spawn(pool.take_next()))
        pview.take_requested.connect(lambda kind, item: spawn(pool.take(kind, item)))
        pview.state_requested.connect(lambda state: spawn(pool.set_state(state)))
        pool.state_changed.connect(pview.show_state)
        # Presence follows the call: in a call from the admission; wrap-up once the call is over, while
        # the informador notes the outcome; available again when they complete the appointment
        # (call_closed comes after the outcome went through): ready for the next citizen.
        calls = getattr(self.ctx, "calls", None)
        if calls is not None and hasattr(calls, "call_started") and hasattr(calls, "call_closed"):
            calls.call_started.connect(lambda a: spawn(pool.set_state("in_call", getattr(a, "id", None))))
            calls.call_ended.connect(lambda a, _r: spawn(pool.set_state("wrap_up", getattr(a, "id", None))))
            calls.call_closed.connect(lambda: spawn(pool.set_state("available")))

    def _show_role_view(self, staff: Staff) -> None:
        """Supervisors and admins get the board; informadors the pool (views chosen by role)."""
        if self._role_view is not None:
            return
        if staff.role in ("supervisor", "admin"):
            self._role_view = self.supervisor_view
            self.window.add_view(self.supervisor_view, _("Supervisor"))
            self.window.workspace.setCurrentWidget(self.supervisor_view)  # their main screen
            self.supervisor.set_tramits(self.ctx.agenda.tramits)
            spawn(self.supervisor.load_board())
            spawn(self.supervisor.load_kpis())
        else:
            self._role_view = self.pool_view
            self.window.add_view(self.pool_view, _("Pool"))
            spawn(self.pool.start())

    def _on_pool_taken(self, appointment: dict[str, Any]) -> None:
        self.pool_view.show_message(
            _("{citizen} is yours now: find them in the agenda.").format(
                citizen=appointment.get("citizen_name", "")
            ),
            False,
        )
        spawn(self.ctx.agenda.load_day(self.ctx.agenda.day, use_cache=False))

    # -- start ----------------------------------------------------------------------------------
    async def start(self, server_url: str = "") -> None:
        """Log in without a password when possible (demo, stored token, offline cache), else ask."""
        ctx = self.ctx
        await ctx.session.check_store()
        server_url = server_url or self.options.server_url or ctx.settings.server_url
        if self.options.demo:
            self.login_view.prefill(server_url, self.options.demo_user)
            if await ctx.session.login(server_url, self.options.demo_user, self.options.demo_password):
                return
        username = ctx.settings.username
        self.login_view.prefill(server_url, username)
        if await ctx.session.resume(server_url, username):
            return
        self.window.show_login()
        self.login_shown.emit()

    def _on_login_requested(self, server_url: str, username: str, password: str) -> None:
        self.login_view.set_busy(True)
        spawn(self.ctx.session.login(server_url, username, password))

    def _on_store_failed(self, reason: str) -> None:
        # Already past the login view: the window says it too, once (later saves stay in memory).
        self.window.show_error(self.login_view.set_store_failed())

    def _on_login_failed(self, message: str) -> None:
        self.login_view.show_error(message)
        self.window.show_login()

    def _on_logged_in(self, staff: Staff, office: Office | None, online: bool) -> None:
        ctx = self.ctx
        self.login_view.set_busy(False)
        self.login_view.password.clear()
        ctx.agenda.set_scope(ctx.session.scope)
        ctx.calls.set_staff(staff.id)
        # The office's policy and names too: a checklist started offline must ask what the server would.
        ctx.checklists.set_user(
            ctx.session.scope,
            staff.username,
            staff.role,
            office.recording_policy if office else "never",
            full_name=staff.full_name,
            office_name=office.name if office else "",
        )
        self.window.set_user(staff, office)
        self.window.show_workspace()
        self._show_role_view(staff)
        self._ready = False
        ctx.connectivity.report(online)
        spawn(self._after_login(online))

    async def _after_login(self, online: bool) -> None:
        ctx = self.ctx
        await ctx.agenda.load_catalogue()
        await ctx.agenda.load_day(self.options.day or date.today())
        if online:
            self._start_events()
            await ctx.agenda.flush()
            await ctx.wizard.flush()  # wizard drafts saved while the backend was away
        self._ready = True

    # -- events and connectivity ----------------------------------------------------------------
    def _start_events(self) -> None:
        if self.events is None:
            self.events = EventStream(
                self.ctx.api,
                asyncio.get_running_loop(),
                on_event=self._on_server_event,
                on_connected=self.ctx.connectivity.report,
                backoff=self.options.sse_backoff,
            )
        self.events.start()

    def _stop_events(self) -> None:
        if self.events is not None:
            self.events.stop()

    def _on_server_event(self, event: ServerEvent) -> None:
        self.ctx.agenda.on_server_event(event)
        self.ctx.calls.on_server_event(event)  # waiting room, signalling, documents
        self.ctx.checklists.on_server_event(event)  # PIN verified, colleagues' ticks
        self.ctx.wizard.on_server_event(event.type, event.data)  # the citizen signed, a transfer…
        self.supervisor.on_server_event(event)  # live board
        self.pool.on_server_event(event)  # the pool list

    def _on_auth_lost(self) -> None:
        """The refresh token was refused (expired or revoked): ask for the password again.

        The outbox and cache stay: pending changes are sent after the next login.
        """
        self._stop_events()
        self.events = None
        self.ctx.session.authenticated = False
        self.login_view.show_error(_("Your session has ended. Log in again to continue."))
        self.window.show_login()

    def _on_retry_requested(self) -> None:
        if self.events is not None:
            self.events.reconnect_now()
        spawn(self.ctx.connectivity.probe_now())

    def _on_online_changed(self, online: bool) -> None:
        self.window.set_online(online)
        self.agenda_view.set_offline(not online)
        if online and self._ready and not self._stopped:
            spawn(self._back_online())

    async def _back_online(self) -> None:
        """The backend answers again: authenticate if we started offline, replay, then reload."""
        ctx = self.ctx
        if ctx.session.staff is None:
            return  # not logged in yet
        if not ctx.session.authenticated and not await ctx.session.reauthenticate():
            return
        self._start_events()
        if self.events is not None:
            self.events.reconnect_now()
        await ctx.agenda.flush()
        await ctx.checklists.flush()  # checklist events ticked offline
        await ctx.wizard.flush()  # wizard drafts saved offline
        await ctx.agenda.load_day(ctx.agenda.day, use_cache=False)  # catch what we missed

    # -- agenda -----------------------------------------------------------------------------------
    def _on_day_loaded(self, day: date, appointments: list[Appointment], from_cache: bool) -> None:
        self.agenda_model.set_appointments(appointments)
        self.agenda_view.show_day(day)
        if not self._shown_once:
            self._shown_once = True
            QTimer.singleShot(0, self._on_first_agenda_painted)

    def _on_first_agenda_painted(self) -> None:
        elapsed_ms = seconds_since_process_start() * 1000
        # One machine-readable line for the start-up benchmark.
        print(
            f"videoatencio-console agenda_shown_ms={elapsed_ms:.0f} rows={self.agenda_model.rowCount()}",
            file=sys.stderr,
            flush=True,
        )
        self.agenda_shown.emit()

    def _on_status_change_requested(self, appointment_id: str, status: str, outcome: str) -> None:
        spawn(self.ctx.agenda.change_status(appointment_id, Status(status), outcome or None))

    def _on_sync_state_changed(self, states: dict[str, str]) -> None:
        self.agenda_model.set_sync_states(states)
        pending = sum(1 for s in states.values() if s == "pending")
        conflicts = sum(1 for s in states.values() if s == "conflict")
        self.window.set_pending_count(pending, conflicts)

    def _on_conflicts_changed(self, conflicts: list[Conflict]) -> None:
        self.agenda_view.show_conflicts(list(conflicts))

    # -- checklist ------------------------------------------------------------------------------
    def _connect_checklist_signals(self) -> None:
        ctx, detail = self.ctx, self.agenda_view.detail
        checklists = ctx.checklists
        detail.set_gate_provider(self._gate_for)
        detail.checklist_requested.connect(self._on_checklist_requested)
        checklists.gates_changed.connect(detail.refresh_gates)
        # The call panel's "Send a document…" and "Complete appointment" wait on the same gates.
        self.call_panel.set_gate_provider(self._gate_for)
        checklists.gates_changed.connect(self.call_panel.refresh_gates)
        checklists.failed.connect(lambda message: self.window.statusBar().showMessage(message, 10000))  # type: ignore[union-attr]
        checklists.offline.connect(lambda: ctx.connectivity.report(False))
        checklists.online.connect(lambda: ctx.connectivity.report(True))
        checklists.auth_lost.connect(self._on_auth_lost)

    def _gate_for(self, appointment: Appointment, gate: str) -> tuple[bool, str]:
        """The detail pane's gate provider: loads the run in the background when needed."""
        checklists = self.ctx.checklists
        checklists.ensure_open(appointment)
        reason = checklists.blocked_reason(appointment.id, gate)
        return not reason, reason

    def _on_checklist_requested(self, appointment_id: str) -> None:
        appointment = self.agenda_view.detail.appointment
        if appointment is None or appointment.id != appointment_id:
            return
        self.open_checklist(appointment)

    def open_checklist(self, appointment: Appointment, focus: bool = True) -> None:
        """Show the appointment's checklist in its dock; `focus`: move the keyboard to it (not when a
        call opens it beside the call, whose first control keeps the focus)."""
        self.checklist_dock.show()
        self.checklist_dock.raise_()

        async def load() -> None:
            if await self.ctx.checklists.open(appointment):
                self.checklist_panel.show_run(appointment.id)
                if focus:
                    self.checklist_panel.list.setFocus()

        spawn(load())

    # -- tràmit wizard ---------------------------------------------------------------------------
    def _connect_wizard_signals(self) -> None:
        self._wizards: dict[str, Any] = {}
        self.agenda_view.detail.tramit_requested.connect(self._on_tramit_requested)
        self.ctx.wizard.failed.connect(lambda message: self.window.statusBar().showMessage(message, 10000))  # type: ignore[union-attr]

    def _on_tramit_requested(self, appointment_id: str) -> None:
        appointment = self.agenda_view.detail.appointment
        if appointment is not None and appointment.id == appointment_id:
            spawn(self.open_wizard(appointment))

    async def open_wizard(self, appointment: Appointment) -> None:
        """The tràmit wizard of an appointment (the call panel can call it too), from its saved draft."""
        from console.sync.errors import ApiError, Offline
        from console.views.wizard import TramitWizard

        if appointment.id in self._wizards:
            self._wizards[appointment.id].raise_()
            return
        wizard_service = self.ctx.wizard
        self.ctx.checklists.ensure_open(appointment)  # attended mode waits for its identification gate
        try:
            tramit = await wizard_service.tramit(appointment.tramit_code)
        except (Offline, ApiError):
            self.window.show_error(_("The tràmit could not be loaded; try again when the server answers."))
            return
        draft = await wizard_service.restore(appointment.id, appointment.tramit_code)
        wizard = TramitWizard(
            wizard_service, tramit, draft, self.ctx.checklists, lang=i18n.language(), parent=self.window
        )
        wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        wizard.finished.connect(lambda _result, key=appointment.id: self._wizards.pop(key, None))
        self._wizards[appointment.id] = wizard
        self._connect_assisted(wizard.pages["assisted_steps"], appointment)
        wizard.show()

    def _connect_assisted(self, page: Any, appointment: Appointment) -> None:
        """Assisted processing ↔ the call: ask for the citizen's screen, point at a step, send the link.
        Service → page connections go to the page's methods, so they end when the wizard closes."""
        calls, share = self.ctx.calls, self.ctx.calls.screenshare
        page.citizen_lang = appointment.language or None
        page.share_requested.connect(share.request_citizen_share)
        page.point_requested.connect(self._point_at_step)
        page.link_send_requested.connect(lambda url: spawn(self._send_chat(url)))
        calls.call_started.connect(page.on_call_started)
        calls.call_state_changed.connect(page.on_call_state)
        share.share_request_changed.connect(page.set_share_state)
        if calls.active is not None and calls.active_session is not None:
            page.on_call_started(calls.active)
            page.on_call_state(calls.active_session.state)
            page.set_share_state(share.share_request)

    def _point_at_step(self, text: str) -> None:
        """The wizard's "Point at step N": the step written on the citizen's shared screen, and the call
        panel in front with its pointer tool, so the informador's mouse now points on that screen."""
        view, workspace = self.call_panel.screen_share, self.window.workspace
        view.point_at(self.ctx.calls.screenshare.label_citizen_screen(text))
        if view.remote_sharing and workspace.indexOf(self.call_panel) >= 0:
            workspace.setCurrentWidget(self.call_panel)
            self.window.activateWindow()  # the wizard, its child dialog, stays above it

    # -- video call -----------------------------------------------------------------------------
    def _on_waiting_changed(self, waiting: dict[str, float]) -> None:
        self.agenda_model.set_waiting(waiting)
        self.agenda_view.detail.set_waiting(waiting)

    def _on_call_started(self, appointment: Appointment) -> None:
        panel, workspace = self.call_panel, self.window.workspace
        panel.start_call(appointment)
        index = workspace.indexOf(panel)
        if index < 0:
            index = self.window.add_view(panel, _("Call"))
        workspace.setCurrentIndex(index)
        self.agenda_view.detail.set_call_busy(True)
        self.open_checklist(appointment, focus=False)  # the script and identification beside the call
        spawn(self.ctx.calls.list_devices())

    async def _send_chat(self, text: str) -> None:
        if await self.ctx.calls.send_chat(text):
            self.call_panel.add_chat(False, text)

    def _on_call_completed(self, appointment_id: str, outcome: str) -> None:
        """The informador chose the outcome after the call: the agenda's status flow completes it."""
        self._on_status_change_requested(appointment_id, str(Status.COMPLETED), outcome)
        self.ctx.calls.finish()

    def _on_call_closed(self) -> None:
        workspace = self.window.workspace
        index = workspace.indexOf(self.call_panel)
        if index >= 0:
            workspace.removeTab(index)
        workspace.setCurrentWidget(self.agenda_view)
        self.agenda_view.detail.set_call_busy(False)

    # -- demo -----------------------------------------------------------------------------------
    def enable_demo(self, db_path: Path) -> None:
        """Demo only: a menu that shows what the citizen received, so the informador can try a call."""
        from console.services.demo import DemoService

        self.demo = DemoService(db_path, self)
        menu = self.window.menuBar().addMenu(_("Demo"))  # type: ignore[union-attr]
        action = menu.addAction(_("Citizen link and PIN…"))  # type: ignore[union-attr]
        action.triggered.connect(self._show_demo_messages)  # type: ignore[union-attr]

    def _show_demo_messages(self) -> None:
        from console.views.demo_dialog import CitizenMessagesDialog

        appointment = self.agenda_view.detail.appointment
        if appointment is None:
            self.window.statusBar().showMessage(_("Select an appointment first."), 5000)  # type: ignore[union-attr]
            return
        dialog = CitizenMessagesDialog(appointment.id, appointment.citizen_name, self.window)
        dialog.refresh_requested.connect(
            lambda appointment_id: spawn(self._load_demo(dialog, appointment_id))
        )
        dialog.show()
        spawn(self._load_demo(dialog, appointment.id))

    async def _load_demo(self, dialog: Any, appointment_id: str) -> None:
        from PyQt6 import sip

        from console.services.demo import DemoService

        messages = await self.demo.outbox(appointment_id)
        if not sip.isdeleted(dialog):
            dialog.show_messages(messages, *DemoService.latest(messages))

    # -- stop -----------------------------------------------------------------------------------
    async def shutdown(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        log.init.info("shutting down")
        self._stop_events()
        await self.ctx.connectivity.shutdown()
        await self.ctx.agenda.shutdown()
        await self.ctx.calls.shutdown()  # every peer connection, track, device stream and thread
        await self.ctx.checklists.shutdown()
        await self.pool.stop()  # offline on the boards at once
        for wizard in list(getattr(self, "_wizards", {}).values()):
            await wizard.save_and_close()  # what is on screen, not yet saved by the 2 s timer
        await drain()
        await self.ctx.session.shutdown()
        self.shutting_down.emit()
        self.window.close()
        # Deleted here, on the GUI thread: never by a garbage collection in some worker thread.
        self.window.deleteLater()
        self.deleteLater()


def install_excepthook(console_ref: list[Console]) -> None:
    """Log unexpected errors and show them instead of letting PyQt abort the process."""

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        log.ui.error("unexpected error:\n%s", "".join(traceback.format_exception(exc_type, exc, tb)))
        if console_ref:
            console_ref[0].window.show_error(_("Unexpected error: {error}").format(error=exc))

    sys.excepthook = hook


def install_loop_exception_handler(loop: asyncio.AbstractEventLoop) -> None:
    """Errors of background tasks nobody awaited go where the excepthook sends errors (log + shown),
    except aiortc's known orphan-connect error on a deliberate close (console/call/quirks.py)."""
    from console.call.quirks import is_close_race

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if is_close_race(context):
            log.call.debug("aiortc connect task ended by a close: %s", context.get("exception"))
            return
        exc = context.get("exception")
        if isinstance(exc, BaseException):
            sys.excepthook(type(exc), exc, exc.__traceback__)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handler)


def build_qapplication(argv: list[str]) -> QApplication:
    app = QApplication.instance() or QApplication(["videoatencio-console", *argv])
    assert isinstance(app, QApplication)
    app.setOrganizationName(paths.ORG_NAME)
    app.setApplicationName(paths.APP_NAME)
    app.setApplicationVersion(__version__)
    app.setQuitOnLastWindowClosed(False)  # quitting goes through Console.shutdown
    from console.resources import stylesheet

    app.setStyleSheet(stylesheet())
    return app


def _start_demo_backend(day: date | None) -> Any:
    """Import and start the embedded backend (run on a thread while the GUI is being built)."""
    started = time.perf_counter()
    from backend.embedded import start_embedded  # only the demo needs the backend (~0.5 s import)

    backend_dir = Path(tempfile.mkdtemp(prefix="videoatencio-demo-"))
    server = start_embedded(backend_dir / "backend", day)
    server.demo_db = backend_dir / "backend" / "videoatencio.db"  # type: ignore[attr-defined]
    elapsed_ms = (time.perf_counter() - started) * 1000
    log.init.info("embedded backend at %s in %.0f ms (data in %s)", server.url, elapsed_ms, backend_dir)
    return server


async def _main(
    app: QApplication, options: Options, console_ref: list[Console], demo: Future[Any] | None
) -> int:
    loop = asyncio.get_running_loop()
    install_loop_exception_handler(loop)
    quit_event = asyncio.Event()
    server: Any = None
    server_url = options.server_url
    try:
        console = Console(options)
        console_ref.append(console)
        console.quit_requested.connect(quit_event.set)
        app.aboutToQuit.connect(quit_event.set)
        if options.screenshot is not None:
            shoot = lambda: _take_screenshot(console, options.screenshot, quit_event)  # noqa: E731
            console.agenda_shown.connect(shoot)
            console.login_shown.connect(shoot)
        if options.quit_after is not None:
            QTimer.singleShot(int(options.quit_after * 1000), quit_event.set)
        console.window.show()
        if demo is not None:
            server = await asyncio.wrap_future(demo)
            server_url = server.url
            console.enable_demo(Path(server.demo_db))
        await console.start(server_url)
        await quit_event.wait()
        await console.shutdown()
    finally:
        if server is not None:
            await loop.run_in_executor(None, server.stop)
    return 0


def _take_screenshot(console: Console, path: Path | None, quit_event: asyncio.Event) -> None:
    def grab() -> None:
        assert path is not None
        ok = console.window.grab().save(str(path), "PNG")
        log.init.info("screenshot %s %s", path, "saved" if ok else "FAILED")
        quit_event.set()

    QTimer.singleShot(300, grab)  # let the view lay out and paint once more


def run(argv: list[str]) -> int:
    import qasync

    options = parse(argv)
    log.setup()
    demo: Future[Any] | None = None
    if options.demo:
        # The backend's imports and seeding overlap with building the GUI.
        starter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-backend")
        demo = starter.submit(_start_demo_backend, options.day)
        starter.shutdown(wait=False)
        # A demo must not leave throwaway sessions in the real keyring or cache.
        options.memory_credentials = True
        if options.data_dir is None:
            options.data_dir = Path(tempfile.mkdtemp(prefix="videoatencio-console-"))
    if options.data_dir is not None:
        paths.set_base_dir(options.data_dir)
    lang = options.lang or Settings().language  # settings live under the (maybe redirected) paths
    i18n.install(lang)
    app = build_qapplication([])
    i18n.install_qt(app, lang)
    collector = GuiThreadGarbageCollector(app)
    console_ref: list[Console] = []
    install_excepthook(console_ref)
    try:
        with asyncio.Runner(loop_factory=qasync.QEventLoop) as runner:
            return runner.run(_main(app, options, console_ref, demo))
    finally:
        collector.stop()
