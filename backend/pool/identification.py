"""The "identification failures" KPI from the facts as they happen, not from a form at the end.

A failure is an identification item of the call's checklist ending in `failed` (each such event counts:
two failed attempts are two failures) or the citizen's PIN voided after too many wrong tries (audit
`citizen.pin_voided`). Recounted from the stored facts each time, so replays and duplicates of the
triggering events cannot double count.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.models import Appointment, AuditEvent

IDENTIFICATION_SECTION = "identification"  # console/scripts/model.py: every base script has it


def identification_failures(session: Session, appt: Appointment) -> int:
    from backend.checklists.service import run_context, stored_rows

    rows = stored_rows(session, appt.id)
    failed = 0
    if rows:
        script = run_context(session, appt, rows).script
        items = {
            item.id
            for section in script.sections
            if section.id == IDENTIFICATION_SECTION
            for item in section.items
        }
        failed = sum(1 for r in rows if r.event.get("state") == "failed" and r.event.get("item_id") in items)
    voided = session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "citizen.pin_voided", AuditEvent.object_id == appt.id)
    )
    return failed + int(voided or 0)
