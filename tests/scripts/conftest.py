"""Fixtures for the call-script engine tests: a controllable clock and ready-made engines."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from console.scripts.engine import ChecklistEngine
from console.scripts.loader import load_script
from console.scripts.model import AttentionLevel, IdentificationLevel, RecordingPolicy, ScriptContext
from console.scripts.run import AppointmentFacts
from console.scripts.texts import Language

MADRID = ZoneInfo("Europe/Madrid")
TODAY = date(2026, 11, 24)
CITIZEN = "Núria Puig i Soler"
BIRTH = date(1980, 5, 17)


class FakeClock:
    """Office-time clock the test moves by hand; each reading advances a second so events order."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 24, 9, 30, tzinfo=MADRID))


MakeEngine = Callable[..., ChecklistEngine]


@pytest.fixture
def make_engine(clock: FakeClock) -> MakeEngine:
    def make(
        level: str = "atesa",
        *,
        identification: str = "full",
        recording: str = "never",
        tramit: str | None = None,
        citizen_name: str | None = CITIZEN,
        birth_date: date | None = BIRTH,
        language: str = "ca",
    ) -> ChecklistEngine:
        script = load_script(level, tramit)
        context = ScriptContext(
            AttentionLevel(level), IdentificationLevel(identification), RecordingPolicy(recording)
        )
        appointment = AppointmentFacts("apt-42", citizen_name, birth_date, Language(language))
        return ChecklistEngine.start(script, appointment, context, clock)

    return make


VALID_DOCUMENT = {"doc_type": "dni", "number": "12345678Z", "expiry": "2030-01-31"}
VALID_MATCH = {"name": "nuria puig soler", "birth_date": "17/05/1980"}


def complete_identification(engine: ChecklistEngine, by: str = "marta") -> None:
    """Everything the atesa identification protocol asks for, done properly."""
    engine.apply_fact("pin_verified", True)
    engine.tick("identification.document", by, VALID_DOCUMENT)
    engine.tick("identification.face", by)
    engine.tick("identification.data_match", by, VALID_MATCH)
    engine.answer_consent("identification.on_behalf", by, granted=True)
