"""The board's Procedure column names tràmits in the console's language, also when the catalogue
arrives after the board (it does at login: the board loads first)."""

from __future__ import annotations

from PyQt6.QtCore import Qt

from console import i18n
from console.domain.catalogue import Tramit
from console.services.supervisor import SupervisorService

ROW = {
    "kind": "walkin",
    "id": "1",
    "appointment_id": "a",
    "citizen_name": "Kiosk GIR-001",
    "tramit_code": "carnet-jove",
    "language": "ca",
    "waiting_since": "2026-01-01T00:00:00+00:00",
}
CARNET = Tramit("carnet-jove", {"ca": "Carnet Jove", "es": "Carné Joven", "en": "Youth card"})


def _shown(sup: SupervisorService) -> str:
    model = sup.waiting
    return str(model.data(model.index(0, model.TRAMIT_COLUMN), Qt.ItemDataRole.DisplayRole))


def test_names_replace_codes_when_the_catalogue_arrives(qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    sup = SupervisorService(api=None)  # type: ignore[arg-type]  # no REST call in this test
    sup.waiting.set_rows([ROW])
    assert _shown(sup) == "carnet-jove"  # before the catalogue: the code, never an empty cell
    with qtbot.waitSignal(sup.waiting.dataChanged) as changed:
        sup.set_tramits({"carnet-jove": CARNET})
    top_left = changed.args[0]
    assert top_left.column() == sup.waiting.TRAMIT_COLUMN
    assert _shown(sup) == "Carnet Jove"
    # A language switch only needs a repaint: the name follows the console's language.
    monkeypatch.setattr(i18n, "language", lambda: "es")
    assert _shown(sup) == "Carné Joven"
    # A board reload keeps names (they are not copied into the rows).
    sup.waiting.set_rows([ROW, {**ROW, "id": "2", "tramit_code": "unknown"}])
    assert _shown(sup) == "Carné Joven"
    assert sup.waiting.data(sup.waiting.index(1, 2), Qt.ItemDataRole.DisplayRole) == "unknown"
