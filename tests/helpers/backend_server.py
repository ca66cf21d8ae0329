"""Fixtures that run the real backend as a process on 127.0.0.1 (owned by the backend work)."""
