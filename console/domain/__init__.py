"""Plain domain values (dataclasses and enums). No Qt, requests or keyring here."""
