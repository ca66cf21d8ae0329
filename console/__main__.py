"""`python -m console`: the agent console."""

import sys

from console.app import run

sys.exit(run(sys.argv[1:]))
