"""Videoatenció agent console (PyQt6 + qasync + aiortc)."""

__version__ = "0.1.0"
