"""Facts the backend learns and the checklist needs (ticking automatic items on the consoles)."""

from __future__ import annotations

from backend.events import EventBus


def publish_pin_verified(bus: EventBus, appointment_id: str, office_id: int) -> None:
    """SSE `checklist.fact` to the office's staff. A console that opens the checklist later reads the
    same fact from GET .../checklist (`facts.pin_verified`, derived from the audit log)."""
    bus.publish(
        "checklist.fact",
        office_id,
        {"appointment_id": appointment_id, "fact": "pin_verified", "value": True},
    )
