"""Build the console's one-folder bundle: compile translations, then PyInstaller into build/ and dist/.

    python installer/build.py            # → dist/videoatencio-console/videoatencio-console[.exe]
    python installer/build.py --clean    # drop PyInstaller's cache first

Prints the bundle's path on the last line (the smoke test reads it).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "installer" / "console.spec"
APP = "videoatencio-console"


def executable(dist: Path) -> Path:
    folder = dist / APP
    if sys.platform == "darwin":
        return dist / "Videoatencio.app" / "Contents" / "MacOS" / APP
    return folder / (APP + ".exe" if sys.platform == "win32" else APP)


def build(dist: Path, work: Path, clean: bool = False) -> Path:
    sys.path.insert(0, str(ROOT))
    from console.i18n_build import compile_all

    compile_all(quiet=True)  # the spec bundles the .mo files, never the .po (console)
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--log-level=WARN",
        f"--distpath={dist}",
        f"--workpath={work}",
        str(SPEC),
    ]
    if clean:
        command.insert(3, "--clean")
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT)
    print(f"built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return executable(dist)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--work", type=Path, default=ROOT / "build")
    parser.add_argument("--clean", action="store_true")
    args = parser.parse_args()
    print(build(args.dist, args.work, args.clean))


if __name__ == "__main__":
    main()
