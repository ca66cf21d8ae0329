"""Qt-free pieces of console/sync: SSE parsing, keyring classification, cache and outbox storage."""

from __future__ import annotations

from datetime import date

import keyring.backends.chainer
import keyring.backends.fail
import keyring.backends.null

from console.sync.cache import OfflineCache
from console.sync.credentials import is_secure_backend
from console.sync.events import ServerEvent, parse_sse
from console.sync.localdb import LocalDb
from console.sync.outbox import CONFLICT, PENDING, Outbox
from tests.console.test_agenda_model import appointment
from tests.helpers.asyncloop import MemoryKeyring


def test_parse_sse_fields_comments_and_multiline_data():
    lines = [
        ": ping",
        "event: hello",
        'data: {"server_time": "x"}',
        "",
        "id: 42\r",
        "event: appointment.updated",
        'data: {"appointment":',
        'data:  {"id": "a1"}}',
        "",
        "data: not json",
        "",
    ]
    events = list(parse_sse(lines))
    assert events == [
        ServerEvent("hello", {"server_time": "x"}, None),
        ServerEvent("appointment.updated", {"appointment": {"id": "a1"}}, "42"),
        ServerEvent("message", {"raw": "not json"}, "42"),
    ]


class PlaintextKeyring(keyring.backends.fail.Keyring):
    """Stands in for keyrings.alt.file.PlaintextKeyring (not installed here): same module path."""


PlaintextKeyring.__module__ = "keyrings.alt.file"


def test_insecure_keyring_backends_are_refused():
    assert not is_secure_backend(keyring.backends.fail.Keyring())
    assert not is_secure_backend(keyring.backends.null.Keyring())
    assert not is_secure_backend(PlaintextKeyring())
    assert is_secure_backend(MemoryKeyring())


def test_a_chainer_is_secure_only_if_every_backend_is(monkeypatch):
    chainer = keyring.backends.chainer.ChainerBackend()
    monkeypatch.setattr(
        type(chainer), "backends", property(lambda self: [MemoryKeyring(), PlaintextKeyring()])
    )
    assert not is_secure_backend(chainer)
    monkeypatch.setattr(type(chainer), "backends", property(lambda self: [MemoryKeyring()]))
    assert is_secure_backend(chainer)


def test_cache_and_outbox_survive_reopening(tmp_path):
    db = LocalDb(tmp_path / "offline.sqlite3")
    try:
        cache, outbox = OfflineCache(db, "marta@x"), Outbox(db, "marta@x")
        day = date(2026, 11, 24)
        assert db._executor.submit(cache.load_day, day).result() is None  # never fetched
        db._executor.submit(cache.store_day, day, [appointment(1), appointment(2)]).result()
        db._executor.submit(outbox.add, "a1", 1, {"status": "cancelled"}).result()
        second = db._executor.submit(outbox.add, "a2", 1, {"status": "waiting"}).result()
        db._executor.submit(outbox.mark_conflict, second.id, appointment(2, "no_show")).result()
    finally:
        db.close()
    db = LocalDb(tmp_path / "offline.sqlite3")
    try:
        cache, outbox = OfflineCache(db, "marta@x"), Outbox(db, "marta@x")
        loaded = db._executor.submit(cache.load_day, date(2026, 11, 24)).result()
        assert [a.id for a in loaded] == ["a1", "a2"]
        entries = db._executor.submit(outbox.entries).result()
        assert [(e.appointment_id, e.state) for e in entries] == [("a1", PENDING), ("a2", CONFLICT)]
        assert entries[1].current == appointment(2, "no_show")
        other_user = Outbox(db, "pau@x")
        assert db._executor.submit(other_user.entries).result() == []
    finally:
        db.close()
