"""Fixtures that drive Debian's Chromium through Playwright (owned by the call work)."""
