"""Parts of the call panel: chat, documents, network quality and the device pickers.

Views only: they show what they are given and emit what the informador asked for.
"""

from __future__ import annotations

from datetime import datetime

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console import formatting
from console.domain.document import Document
from console.i18n import N_, _
from console.views.tone import Tone, gate_note_label, set_tone

DocumentRole = Qt.ItemDataRole.UserRole + 1


class ChatBox(QGroupBox):
    """Chat lines as plain text (QListWidgetItem never interprets markup).

    Signals:
        send_requested(str)
    """

    send_requested = pyqtSignal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(_("Chat"), parent)
        self.log = QListWidget(self)
        self.log.setObjectName("chatLog")
        self.log.setAccessibleName(_("Chat messages"))
        self.log.setWordWrap(True)
        self.input = QLineEdit(self)
        self.input.setObjectName("chatInput")
        self.input.setAccessibleName(_("Chat message"))
        self.input.setPlaceholderText(_("Write to the citizen…"))
        self.input.setMaxLength(4000)
        self.send = QPushButton(_("Send"), self)
        self.send.setObjectName("chatSend")
        self.send.setAccessibleName(_("Send chat message"))
        row = QHBoxLayout()
        row.addWidget(self.input, 1)
        row.addWidget(self.send)
        layout = QVBoxLayout(self)
        layout.addWidget(self.log, 1)
        layout.addLayout(row)
        self.send.clicked.connect(self._on_send)
        self.input.returnPressed.connect(self._on_send)

    def _on_send(self) -> None:
        text = self.input.text().strip()
        if text:
            self.send_requested.emit(text)
            self.input.clear()

    def add_line(self, who: str, text: str, when: datetime | None = None) -> None:
        stamp = formatting.time(when.astimezone() if when is not None else datetime.now())
        item = QListWidgetItem(f"{stamp}  {who}: {text}")
        self.log.addItem(item)
        self.log.scrollToItem(item)

    def lines(self) -> list[str]:
        return [item.text() for item in (self.log.item(i) for i in range(self.log.count())) if item]

    def set_enabled(self, enabled: bool) -> None:
        self.input.setEnabled(enabled)
        self.send.setEnabled(enabled)


class DocumentsBox(QGroupBox):
    """The call's documents (names are the uploader's: plain text).

    Signals:
        download_clicked(Document): the view then asks where to save it
        upload_clicked()
    """

    download_clicked = pyqtSignal(object)
    upload_clicked = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(_("Documents"), parent)
        self.list = QListWidget(self)
        self.list.setObjectName("documentList")
        self.list.setAccessibleName(_("Documents of this call"))
        self.download = QPushButton(_("Save…"), self)
        self.download.setObjectName("documentDownload")
        self.download.setAccessibleName(_("Save the selected document"))
        self.upload = QPushButton(_("Send a document…"), self)
        self.upload.setObjectName("documentUpload")
        self.upload.setAccessibleName(_("Send a document to the citizen"))
        # Why sending is disabled (the checklist's send_personal_documents gate), shown under the buttons.
        self.gate_note = gate_note_label(self, "documentGateNote")
        row = QHBoxLayout()
        row.addWidget(self.download)
        row.addWidget(self.upload)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addLayout(row)
        layout.addWidget(self.gate_note)
        self.download.setEnabled(False)
        self.list.currentItemChanged.connect(lambda *_a: self._update_buttons())
        self.list.itemActivated.connect(lambda item: self.download_clicked.emit(item.data(DocumentRole)))
        self.download.clicked.connect(self._on_download)
        self.upload.clicked.connect(self.upload_clicked)
        self._live = False
        self._blocked = ""

    def set_documents(self, documents: list[Document]) -> None:
        current = self.selected()
        self.list.clear()
        for doc in documents:
            who = _("citizen") if doc.uploader == "citizen" else _("you")
            item = QListWidgetItem(f"{doc.name}  ({max(1, round(doc.size / 1024))} KB, {who})")
            item.setData(DocumentRole, doc)
            self.list.addItem(item)
            if current is not None and doc.id == current.id:
                self.list.setCurrentItem(item)
        self._update_buttons()

    def selected(self) -> Document | None:
        item = self.list.currentItem()
        doc = item.data(DocumentRole) if item is not None else None
        return doc if isinstance(doc, Document) else None

    def set_live(self, live: bool) -> None:
        self._live = live
        self._update_buttons()

    def set_blocked(self, reason: str) -> None:
        """An empty reason lets documents be sent while the call is live; a reason disables sending."""
        self._blocked = reason
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.download.setEnabled(self.selected() is not None)
        blocked = self._blocked if self._live else ""  # after the call it is off anyway: no reason shown
        self.upload.setEnabled(self._live and not self._blocked)
        self.upload.setToolTip(blocked)
        self.gate_note.setText(blocked)
        self.gate_note.setVisible(bool(blocked))

    def _on_download(self) -> None:
        doc = self.selected()
        if doc is not None:
            self.download_clicked.emit(doc)


QUALITY_TEXT = {"good": N_("Good"), "fair": N_("Fair"), "poor": N_("Poor")}
QUALITY_TONE: dict[str, Tone] = {"good": "ok", "fair": "note", "poor": "error", "": "muted"}


class QualityBox(QGroupBox):
    """Bitrate, packet loss and round-trip time, with a good / fair / poor light."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(_("Network"), parent)
        self.light = QLabel(self)
        self.light.setObjectName("qualityLight")
        self.bitrate = QLabel("—", self)
        self.bitrate.setObjectName("statsBitrate")
        self.loss = QLabel("—", self)
        self.loss.setObjectName("statsLoss")
        self.rtt = QLabel("—", self)
        self.rtt.setObjectName("statsRtt")
        form = QFormLayout(self)
        form.addRow(_("Quality"), self.light)
        form.addRow(_("Bitrate (in / out)"), self.bitrate)
        form.addRow(_("Packet loss"), self.loss)
        form.addRow(_("Round trip"), self.rtt)
        self.quality = ""
        self.clear()

    def clear(self) -> None:
        self._set_light("", _("Not connected"))
        for label in (self.bitrate, self.loss, self.rtt):
            label.setText("—")

    def _set_light(self, quality: str, text: str) -> None:
        self.quality = quality
        self.light.setText(f"●  {text}")
        set_tone(self.light, QUALITY_TONE.get(quality, "muted"))
        self.light.setAccessibleName(_("Connection quality: {quality}").format(quality=text))

    def show_stats(self, stats: object) -> None:
        """``stats`` is a ``console.call.stats.CallStats``."""
        quality = str(getattr(stats, "quality", ""))
        self._set_light(quality, _(QUALITY_TEXT.get(quality, "Good")))
        inbound = float(getattr(stats, "inbound_kbps", 0.0))
        outbound = float(getattr(stats, "outbound_kbps", 0.0))
        self.bitrate.setText(f"{formatting.number(inbound)} / {formatting.number(outbound)} kbit/s")
        losses = [
            v
            for v in (getattr(stats, "inbound_loss_pct", None), getattr(stats, "outbound_loss_pct", None))
            if v is not None
        ]
        self.loss.setText(formatting.percent(max(losses), 1) if losses else "—")
        rtt = getattr(stats, "rtt_ms", None)
        self.rtt.setText(f"{formatting.number(rtt)} ms" if rtt is not None else "—")


class DevicesBox(QGroupBox):
    """Microphone, speaker and camera pickers.

    Signals:
        changed(object, object, object): microphone, speaker, camera (``None`` = system default)
    """

    changed = pyqtSignal(object, object, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(_("Devices"), parent)
        self.microphone = QComboBox(self)
        self.microphone.setObjectName("microphoneSelect")
        self.microphone.setAccessibleName(_("Microphone"))
        self.speaker = QComboBox(self)
        self.speaker.setObjectName("speakerSelect")
        self.speaker.setAccessibleName(_("Speaker"))
        self.camera = QComboBox(self)
        self.camera.setObjectName("cameraSelect")
        self.camera.setAccessibleName(_("Camera"))
        self.note = QLabel(self)
        self.note.setObjectName("deviceNote")
        self.note.setWordWrap(True)
        self.note.hide()
        form = QFormLayout(self)
        form.addRow(_("Microphone"), self.microphone)
        form.addRow(_("Speaker"), self.speaker)
        form.addRow(_("Camera"), self.camera)
        form.addRow(self.note)
        for combo in (self.microphone, self.speaker, self.camera):
            combo.activated.connect(lambda _i: self._emit())

    def set_devices(self, microphones: list[object], speakers: list[object], cameras: list[object]) -> None:
        notes = []
        self._fill(self.microphone, microphones, _("No microphone found"))
        self._fill(self.speaker, speakers, _("No speaker found"))
        self._fill(self.camera, cameras, _("Test picture (no camera found)"))
        if not microphones and not speakers:
            notes.append(
                _("No audio device: the citizen will not hear you and you will not hear them. Use the chat.")
            )
        elif not microphones:
            notes.append(_("No microphone: the citizen will not hear you."))
        elif not speakers:
            notes.append(_("No speaker: you will not hear the citizen."))
        if not cameras:
            notes.append(_("No camera: the citizen sees a test picture."))
        self.note.setText("\n".join(notes))
        self.note.setVisible(bool(notes))

    @staticmethod
    def _fill(combo: QComboBox, devices: list[object], empty: str) -> None:
        combo.clear()
        if not devices:
            combo.addItem(empty, None)
            combo.setEnabled(False)
            return
        combo.setEnabled(True)
        combo.addItem(_("System default"), None)
        for device in devices:
            combo.addItem(str(getattr(device, "name", device)), device)

    def _emit(self) -> None:
        self.changed.emit(
            self.microphone.currentData(), self.speaker.currentData(), self.camera.currentData()
        )
