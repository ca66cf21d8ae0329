"""The engine is the Qt-free core the panel and the backend build on: keep it that way."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from console.scripts.__main__ import main
from console.scripts.texts import Language, LocalizedText, fill

ROOT = Path(__file__).resolve().parents[2]


def test_engine_imports_no_qt_and_no_network() -> None:
    code = (
        "import sys, console.scripts, console.scripts.__main__\n"
        "banned = {'PyQt6', 'qasync', 'requests', 'aiortc'}\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in banned)\n"
        "print(bad)\nsys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    assert "ok  atesa+targeta-discapacitat" in capsys.readouterr().out
    (tmp_path / "informativa.toml").write_text(
        'attention_level = "informativa"\nversion = x\n', encoding="utf-8"
    )
    assert main([str(tmp_path)]) == 1
    assert f"{tmp_path / 'informativa.toml'}:2: TOML syntax error" in capsys.readouterr().err


def test_text_lookup_falls_back_explicitly() -> None:
    text = LocalizedText({Language.CA: "Bon dia", Language.ES: "Buenos días", Language.EN: "Hello"})
    assert text.resolve("ar").text == "Buenos días" and text.resolve("ar").is_fallback
    assert text.resolve("ur").language is Language.ES
    assert text.resolve("eu").language is Language.ES  # eu → es → ca
    assert not text.resolve("en").is_fallback
    assert LocalizedText({Language.CA: "Només català"}).resolve("ur").language is Language.CA
    with_arabic = LocalizedText({Language.CA: "Bon dia", Language.AR: "صباح الخير"})
    assert with_arabic.get("ar") == "صباح الخير"


def test_placeholders_are_filled_and_missing_ones_stay_visible() -> None:
    assert fill("Sóc {staff_name}, de {office_name}.", staff_name="Marta") == "Sóc Marta, de …."
    assert fill("Literal {braces} stay") == "Literal {braces} stay"
    text = LocalizedText({Language.CA: "Bon dia, sóc {staff_name}."})
    assert text.render("ar", staff_name="Marta").text == "Bon dia, sóc Marta."
