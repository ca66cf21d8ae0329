"""`--self-test`: prove a build has what only breaks when frozen, print one JSON line, exit.

Hidden option for the installer's smoke test (STYLE.md convention 22): the lazily imported media
modules, the keyring backend found through entry points, the bundled resources and Qt's translations.
"""

from __future__ import annotations

import json
import sys


def run() -> int:
    import aiortc
    import av
    import keyring
    import mss
    from PyQt6.QtCore import QLibraryInfo, QTranslator

    from console import i18n, paths

    report: dict[str, object] = {
        "keyring": type(keyring.get_keyring()).__module__ + "." + type(keyring.get_keyring()).__name__,
        "aiortc": aiortc.__version__,
        "av": av.__version__,
        "mss": mss.__version__,
    }
    try:
        import sounddevice

        report["sounddevice"] = sounddevice.__version__
    except OSError as exc:  # no PortAudio library: the console runs without sound, so it is not fatal
        report["sounddevice"] = f"unavailable: {exc}"
    import importlib

    # Every platform's window finder (ctypes only), imported by name at the first window share.
    report["window_finders"] = [
        name
        for name in ("windows_x11", "windows_win32", "windows_quartz")
        if importlib.import_module(f"console.screenshare.{name}")
    ]
    resources = paths.resources_dir()
    report["styles"] = len(list((resources / "styles").glob("*.qss")))
    report["catalogues"] = sorted(
        lang
        for lang in i18n.LANGUAGES
        if (resources / "i18n" / lang / "LC_MESSAGES" / "console.mo").is_file()
    )
    # The catalogue really loads from the bundle (a .mo present but unreadable would show English).
    translated: dict[str, str] = {}
    for lang in i18n.LANGUAGES:
        i18n.install(lang)
        translated[lang] = i18n._("Log in")
    report["translated"] = translated
    where = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    report["qtbase"] = sorted(lang for lang in i18n.LANGUAGES if QTranslator().load(f"qtbase_{lang}", where))
    print(json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(run())
