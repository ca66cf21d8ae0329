"""Entry point of the frozen console (PyInstaller needs a script, not `-m console`)."""

import sys

from console.__main__ import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
