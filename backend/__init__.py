"""Videoatenció backend: REST API v1, server push (SSE) and the audit log (docs/API.md)."""

__version__ = "0.1.0"
