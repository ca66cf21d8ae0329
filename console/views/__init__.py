"""Widgets. Views never do I/O: they emit requests as signals and show what services report."""
