"""Talking to the backend: requests client, keyring, SSE reader, offline cache and outbox."""
